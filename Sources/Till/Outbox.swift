import Foundation
import Glibc
import Synchronization
import Transform

/// Why the outbox cannot do what was asked, in one sentence that names the real cause (the
/// path and the system's reason) and what to try.
public struct OutboxError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// "cannot write the outbox journal DIR/journal (No space left on device)".
    static func system(_ what: String, _ code: Int32) -> OutboxError {
        OutboxError("\(what) (\(String(cString: strerror(code))))")
    }
}

/// The till's promise that no order is lost: every order is written to an append-only journal
/// on disk (and fsync'ed) before Kafka sees it, and stays "pending" until its delivery report
/// comes back. A producer that is killed, loses power or cannot reach the cluster re-sends the
/// pending orders when it starts again; the reader dedupes by order id, so sending twice is
/// harmless while sending never is not.
///
/// One producer per directory (an `flock` on DIR/lock), one `Mutex` around the file state, so
/// the order loop and librdkafka's delivery-report thread can both call in.
///
/// The journal is a sequence of frames: u32 LE payload length, u32 LE CRC-32 of the payload,
/// payload. A payload is a kind byte and a u64 LE sequence number, then: (1) an order;
/// (2) a delivery mark; (3) a refusal mark; (4) a checkpoint, the first frame of a compacted
/// journal. A checksum per frame is what lets recovery tell a record cut short by a crash (or
/// garbled by the disk) from a good one: a damaged tail is cut off, and past damage in the
/// middle recovery resynchronises on the next good frame, so only the records hit are lost.
public final class Outbox: Sendable {
    /// One order in the journal.
    public struct Entry: Sendable, Equatable {
        /// Journal sequence number, 1, 2, 3 … (never reused in a directory, survives compaction).
        public var seq: UInt64
        /// Kafka record key (the order id in decimal), may be empty.
        public var key: [UInt8]
        /// The record bytes exactly as sent.
        public var value: [UInt8]
        /// Record timestamp, ms since epoch.
        public var timestamp: Int64
        /// When known.
        public var orderID: Int64?
        /// Unix seconds when written.
        public var journaledAt: Int64

        public init(
            seq: UInt64, key: [UInt8], value: [UInt8], timestamp: Int64, orderID: Int64?,
            journaledAt: Int64
        ) {
            self.seq = seq
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.orderID = orderID
            self.journaledAt = journaledAt
        }
    }

    /// What `append` takes: an entry without its seq / journaledAt.
    public struct NewEntry: Sendable, Equatable {
        public var key: [UInt8]
        public var value: [UInt8]
        public var timestamp: Int64
        public var orderID: Int64?

        public init(key: [UInt8], value: [UInt8], timestamp: Int64, orderID: Int64?) {
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.orderID = orderID
        }
    }

    /// Read-only view for `producer outbox` (no lock taken; works while another process holds
    /// the outbox).
    public struct Summary: Sendable, Equatable {
        public var waiting: Int
        /// journaledAt of the oldest waiting entry (the first in journal order).
        public var oldest: Int64?
        /// Refused entries still recorded (lines in DIR/refused.jsonl).
        public var refused: Int
        /// A sentence if the journal is damaged (not repaired by inspect).
        public var damage: String?

        public init(waiting: Int, oldest: Int64?, refused: Int, damage: String?) {
            self.waiting = waiting
            self.oldest = oldest
            self.refused = refused
            self.damage = damage
        }
    }

    public let directory: String
    /// Set by recovery when the journal was damaged (a torn tail, or damage in the middle):
    /// one sentence naming where, why it probably happened, how many waiting orders were kept
    /// and where the damaged bytes were saved. nil when clean.
    public let damage: String?
    private let state: Mutex<State>

    /// Opens (creating DIR and parents with mode 0700 if missing) and locks DIR, recovers the
    /// journal (every whole frame is kept; damaged bytes are saved aside, then a damaged tail
    /// is cut off, and damage in the middle is dropped by rewriting the journal from what was
    /// recovered) and compacts it if settled entries outweigh pending ones.
    public init(directory: String, now: Int64) throws {
        let directory = Outbox.trimmed(directory)
        var opened = try Outbox.open(directory: directory, now: now)
        // Compaction at start is housekeeping: a failure (a full disk) must not stop the till
        // from starting, and is reported by the next flushMarks.
        if opened.state.settledBytes > 0, opened.state.compactionWorthIt {
            do { try opened.state.compact() } catch { opened.state.deferred = error }
        }
        self.directory = directory
        self.damage = opened.damage
        self.state = Mutex(opened.state)
    }

    deinit {
        close()
    }

    /// The highest orderID ever journaled in this directory (survives compaction), or nil.
    public var lastOrderID: Int64? {
        state.withLock { $0.lastOrderID }
    }

    /// Entries neither delivered nor refused, in seq order (read back from the journal).
    public var pending: [Entry] {
        state.withLock { $0.pendingInOrder() }
    }

    public var waitingCount: Int {
        state.withLock { $0.index.live }
    }

    /// journaledAt of the first waiting entry in seq order.
    public var oldestWaiting: Int64? {
        state.withLock { state in
            guard let first = state.index.first else { return nil }
            return (try? state.entries([first]))?.first?.journaledAt
        }
    }

    /// Appends the entries with ONE write(2) (after any buffered marks) and, if `sync`, ONE
    /// fsync(2), and returns them with seq and journaledAt filled in. Only after it returns
    /// may the caller hand them to Kafka. A failed write or fsync throws, and the entries
    /// count as not journaled: the file is cut back to its previous end so that no half
    /// record stays (their seqs are not reused, in case the cut itself failed).
    public func append(_ entries: [NewEntry], now: Int64, sync: Bool = true) throws -> [Entry] {
        var batch = Batch()
        for entry in entries { batch.add(entry) }
        try append(&batch, now: now, sync: sync)
        return (0..<batch.count).map { batch.entry($0, journaledAt: now) }
    }

    /// The same for a batch built in place (`Batch.add`): its frames get their seqs, and the
    /// caller hands its records to Kafka from it. Every order of the batch counts as handed
    /// over from here until `settle` or `land` says otherwise.
    public func append(_ batch: inout Batch, now: Int64, sync: Bool = true) throws {
        try state.withLock { try $0.append(&batch, now: now, sync: sync) }
    }

    /// Delivery report: the entry leaves `pending`. Buffered (no fsync: losing a mark only
    /// means the order is sent again, and the reader dedupes by order id); buffered marks are
    /// written on the next append, on `flushMarks`, or when many wait.
    /// Unknown or already settled seq: ignored.
    public func markDelivered(_ seq: UInt64, partition: Int32, offset: Int64) {
        markDelivered([Delivery(seq: seq, partition: partition, offset: offset)])
    }

    /// Where Kafka stored a journaled entry.
    public struct Delivery: Sendable, Equatable {
        public var seq: UInt64
        public var partition: Int32
        public var offset: Int64

        public init(seq: UInt64, partition: Int32, offset: Int64) {
            self.seq = seq
            self.partition = partition
            self.offset = offset
        }
    }

    /// Many delivery reports under one lock.
    public func markDelivered(_ deliveries: [Delivery]) {
        _ = settle(delivered: deliveries.map(\.seq), failed: [])
    }

    /// What a sender heard back since its last turn, under one lock: `delivered` leave
    /// `pending` (marks buffered as above); `failed` are no longer with Kafka and wait for
    /// `takeWaiting`. Returns how many of `delivered` were pending.
    public func settle(delivered: [UInt64], failed: [UInt64]) -> Int {
        state.withLock { state in
            guard !state.isClosed else { return 0 }
            var settled = 0
            for seq in delivered where state.settleDelivered(seq) { settled += 1 }
            for seq in failed {
                if let at = state.index.find(seq) { state.index.flying[at] = false }
            }
            state.writeMarksIfMany()
            return settled
        }
    }

    /// Orders a caller journaled but could not hand to Kafka: they wait for `takeWaiting`.
    public func land<S: Sequence<UInt64>>(_ seqs: S) {
        state.withLock { state in
            for seq in seqs {
                if let at = state.index.find(seq) { state.index.flying[at] = false }
            }
        }
    }

    /// Up to `limit` pending orders not with Kafka (from an earlier run, or back from a
    /// failure), read back from the journal, in seq order; they count as with Kafka from
    /// here. A journal that cannot be read back throws.
    public func takeWaiting(limit: Int) throws -> [Entry] {
        try state.withLock { state in
            var picked: [Int] = []
            var at = state.index.first ?? state.index.seqs.count
            while at < state.index.seqs.count, picked.count < limit {
                if state.index.spots[at] >= 0, !state.index.flying[at] { picked.append(at) }
                at += 1
            }
            let list = try state.entries(picked)
            for at in picked { state.index.flying[at] = true }
            return list
        }
    }

    /// Kafka refused the record for good (too large, invalid): it leaves `pending`, the record
    /// is appended as one JSON line to DIR/refused.jsonl (fsync'ed, so nothing is lost), then
    /// the refusal mark is written. Errors are kept for the next `flushMarks`; if the JSON line
    /// could not be written the entry stays pending (so that compaction cannot drop it and the
    /// next start sends it again) rather than vanish. Returns the refused order's id (nil
    /// inside when it had none), or nil when nothing was refused.
    @discardableResult
    public func markRefused(_ seq: UInt64, reason: String) -> Int64?? {
        state.withLock { $0.refuse(seq, reason: reason) }
    }

    /// Writes buffered marks, then compacts if worth it (journal over 4 MiB and settled bytes
    /// more than twice the pending ones). Throws OutboxError on a write failure, including one
    /// that happened earlier in `markDelivered` or `markRefused`.
    public func flushMarks() throws {
        try state.withLock { try $0.flush() }
    }

    /// Writes marks, fsyncs, releases the lock, closes. Idempotent; deinit calls it too.
    public func close() {
        state.withLock { $0.close() }
    }

    /// What is waiting in DIR, read without taking the lock (a running producer keeps it), so
    /// a tail being written at this moment may show as damage. A missing directory or journal
    /// is an empty outbox.
    public static func inspect(directory: String) throws -> Summary {
        let paths = Paths(directory: trimmed(directory))
        var info = stat()
        if stat(paths.directory, &info) != 0 {
            let code = errno
            if code == ENOENT { return Summary(waiting: 0, oldest: nil, refused: 0, damage: nil) }
            throw OutboxError.system("cannot read the outbox \(paths.directory)", code)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutboxError("the outbox \(paths.directory) is not a directory; give the directory with --outbox DIR")
        }
        let journal: [UInt8]
        switch readFile(paths.journal) {
        case .success(let bytes): journal = bytes
        case .failure(let error) where error.code == ENOENT: journal = []
        case .failure(let error):
            throw OutboxError.system("cannot read the outbox journal \(paths.journal)", error.code)
        }
        let refusedLines: Int
        switch readFile(paths.refused) {
        case .success(let bytes):
            refusedLines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + (bytes.last.map { $0 == 0x0A ? 0 : 1 } ?? 0)
        case .failure(let error) where error.code == ENOENT: refusedLines = 0
        case .failure(let error):
            throw OutboxError.system("cannot read the refused orders \(paths.refused)", error.code)
        }
        let scan = Scan(journal)
        let damage = damageSentence(scan, bytes: journal, journal: paths.journal, saved: nil)
        let oldest = scan.order.first.flatMap { scan.entries[$0]?.journaledAt }
        return Summary(waiting: scan.entries.count, oldest: oldest, refused: refusedLines, damage: damage)
    }

    /// Where the outbox lives by default: $XDG_STATE_HOME (or ~/.local/state)/tiffin/outbox/till-N.
    /// State, not cache or data: it must survive reboots but is no use to copy to another machine.
    public static func defaultDirectory(till: Int) -> String {
        let environment = ProcessInfo.processInfo.environment
        let base: String
        // The XDG spec says a relative value is invalid and must be ignored.
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            base = trimmed(state)
        } else {
            var home = environment["HOME"] ?? ""
            if home.isEmpty, let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
                home = String(cString: dir)
            }
            if home.isEmpty { home = NSHomeDirectory() }
            base = trimmed(home) + "/.local/state"
        }
        return base + "/tiffin/outbox/till-\(till)"
    }
}

// MARK: - Opening and recovery

extension Outbox {
    struct Paths: Sendable {
        let directory: String
        var journal: String { directory + "/journal" }
        var lock: String { directory + "/lock" }
        var refused: String { directory + "/refused.jsonl" }
        var compacted: String { directory + "/journal.new" }
    }

    /// "dir/" and "dir" are the same outbox (and "/" stays "/").
    static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func open(directory: String, now: Int64) throws -> (state: State, damage: String?) {
        guard !directory.isEmpty else {
            throw OutboxError("the outbox directory is an empty path; give one with --outbox DIR")
        }
        let paths = Paths(directory: directory)
        var created: [String] = []
        let made = makeDirectories(directory, created: &created)
        guard made == 0 else {
            throw OutboxError.system("cannot create the outbox directory \(directory)", made)
        }
        // A new directory's entry is in its parent: without fsync'ing each parent, a power cut
        // after the first order could lose the whole outbox (DIR itself is fsync'ed with the
        // journal's first synced write).
        for path in created {
            let parent = parentDirectory(path)
            let code = syncDirectory(parent)
            guard code == 0 else {
                throw OutboxError.system("cannot create the outbox directory \(directory): cannot sync \(parent)", code)
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw OutboxError.system("cannot use the outbox directory \(directory)", errno)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutboxError("the outbox \(directory) is not a directory; remove it or give another with --outbox DIR")
        }

        var lockFD: Int32 = -1
        var journalFD: Int32 = -1
        var handedOver = false
        defer {
            if !handedOver {
                if journalFD >= 0 { Glibc.close(journalFD) }
                if lockFD >= 0 { Glibc.close(lockFD) }
            }
        }

        lockFD = Glibc.open(paths.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else {
            throw OutboxError.system("cannot open the outbox lock \(paths.lock)", errno)
        }
        while flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK {
                let holder = readPid(lockFD).map { " (pid \($0))" } ?? ""
                throw OutboxError(
                    "the outbox \(directory) is in use by another producer\(holder); stop it, or give this one its own --outbox DIR")
            }
            throw OutboxError.system("cannot lock the outbox \(paths.lock)", code)
        }
        // Who holds it, for the message above in the next producer (best effort: the lock is
        // what counts, not the text).
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(lockFD, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(lockFD, $0.baseAddress, $0.count, 0) }
        }

        journalFD = Glibc.open(paths.journal, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard journalFD >= 0 else {
            throw OutboxError.system("cannot open the outbox journal \(paths.journal)", errno)
        }
        let bytes: [UInt8]
        switch readFile(paths.journal) {
        case .success(let read): bytes = read
        case .failure(let error):
            throw OutboxError.system("cannot read the outbox journal \(paths.journal)", error.code)
        }

        let scan = Scan(bytes)
        var damage: String?
        if !scan.damage.isEmpty {
            // Every damaged stretch, one after another in one file, before anything is cut.
            let saved = try saveDamaged(scan.damage.map { bytes[$0.start..<$0.end] }, paths: paths, now: now)
            if scan.tail != nil {
                guard truncate(journalFD, to: scan.goodLength) == 0, syncFile(journalFD) == 0 else {
                    throw OutboxError.system("cannot cut the damaged end off the outbox journal \(paths.journal)", errno)
                }
            }
            damage = damageSentence(scan, bytes: bytes, journal: paths.journal, saved: saved)
        }

        var index = PendingIndex()
        for seq in scan.order {
            guard let entry = scan.entries[seq], let spot = scan.spots[seq] else { continue }
            index.add(seq: seq, spot: spot, size: Frame.orderSize(key: entry.key.count, value: entry.value.count), flying: false)
        }
        var state = State(
            paths: paths, journalFD: journalFD, lockFD: lockFD, journalSize: scan.goodLength,
            nextSeq: scan.nextSeq, lastOrderID: scan.lastOrderID, index: index,
            pendingBytes: scan.pendingBytes, settledBytes: scan.settledBytes)
        handedOver = true
        if !scan.middle.isEmpty {
            // Damage with whole frames after it: the journal is rewritten from what was
            // recovered (checkpoint + pending orders), so the damaged bytes leave it. If that
            // fails (a full disk) the till still starts: the journal keeps whole frames at its
            // end, the next start resynchronises past the same damage and tries again.
            do {
                try state.compact()
            } catch {
                state.deferred = error
                // compact() closes the descriptor only once the new journal is renamed in.
                if state.journalFD >= 0 {
                    damage = (damage ?? "")
                        + "; the journal could not be rewritten without them (\(error)), so they stay in it until the next start"
                }
            }
        }
        return (state, damage)
    }

    /// One sentence for damage found by `Scan`: where, the likely cause, what is kept, and
    /// where the damaged bytes went (`saved`), or, for `inspect` (nil), that they will be set
    /// aside. nil when the journal is clean.
    static func damageSentence(_ scan: Scan, bytes: [UInt8], journal: String, saved: String?) -> String? {
        guard let first = scan.damage.first else { return nil }
        let waiting = scan.entries.count
        if scan.middle.isEmpty {
            // Only a torn tail: everything before it is whole.
            let count = bytes.count - scan.goodLength
            let kept: String
            if saved != nil {
                kept = waiting == 0 ? "no order before it was waiting" : waiting == 1
                    ? "the 1 waiting order before it is kept" : "the \(waiting) waiting orders before it are kept"
            } else {
                kept = waiting == 0 ? "no order before it is waiting" : waiting == 1
                    ? "the 1 waiting order before it is safe" : "the \(waiting) waiting orders before it are safe"
            }
            let sentence = "the outbox journal \(journal) \(first.problem.sentence(at: scan.goodLength, tail: bytes[scan.goodLength...])): \(kept); "
            if let saved {
                return sentence + "the \(count) damaged byte\(count == 1 ? " is" : "s are") saved in \(saved)"
            }
            return sentence + "the \(count) damaged byte\(count == 1 ? "" : "s") will be set aside when the producer next opens it"
        }
        let total = scan.damagedBytes
        let others = scan.damage.count - 1
        var more = ""
        if others > 0 {
            more = " (and \(others) more place\(others == 1 ? "" : "s")\(scan.tail != nil ? ", the last at its end" : ""))"
        }
        let kept: String
        if saved != nil {
            kept = waiting == 0 ? "no order around them was waiting" : waiting == 1
                ? "the 1 waiting order around them is kept" : "the \(waiting) waiting orders around them are kept"
        } else {
            kept = waiting == 0 ? "no order around them is waiting" : waiting == 1
                ? "the 1 waiting order around them is safe" : "the \(waiting) waiting orders around them are safe"
        }
        let sentence = "the outbox journal \(journal) \(saved != nil ? "had" : "has") \(total) damaged byte\(total == 1 ? "" : "s") "
            + "at byte \(first.start)\(more) (a disk error? \(first.problem.what)): \(kept); "
        if let saved {
            return sentence + "the damaged bytes are saved in \(saved)\(others > 0 ? ", one stretch after another" : "")"
        }
        return sentence + "the damaged bytes will be set aside when the producer next opens it"
    }

    /// `mkdir -p` with mode 0700: the journal holds every order's contents. Appends each
    /// directory it made to `created`, outermost first. 0, or the errno.
    private static func makeDirectories(_ path: String, created: inout [String]) -> Int32 {
        if mkdir(path, 0o700) == 0 {
            created.append(path)
            return 0
        }
        let code = errno
        if code == EEXIST { return 0 }
        guard code == ENOENT, let slash = path.lastIndex(of: "/") else { return code }
        let parent = String(path[..<slash])
        if !parent.isEmpty {
            let made = makeDirectories(parent, created: &created)
            if made != 0 { return made }
        }
        if mkdir(path, 0o700) == 0 {
            created.append(path)
            return 0
        }
        return errno == EEXIST ? 0 : errno
    }

    /// The directory holding `path`'s entry: "a/b" → "a", "/a" → "/", "a" → ".".
    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func readPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Int32(text)
    }

    /// Copies the damaged stretches, one after another, to DIR/journal.damaged-<now> (or
    /// -<now>-2 …) before the journal is cut or rewritten: what looks like garbage may be the
    /// one order someone needs to find.
    private static func saveDamaged(_ stretches: [ArraySlice<UInt8>], paths: Paths, now: Int64) throws -> String {
        var attempt = 1
        while true {
            let path = paths.journal + ".damaged-\(now)" + (attempt == 1 ? "" : "-\(attempt)")
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 {
                let code = errno
                if code == EEXIST, attempt < 1000 {
                    attempt += 1
                    continue
                }
                throw OutboxError.system("cannot save the damaged part of the outbox journal to \(path)", code)
            }
            var code: Int32 = 0
            for stretch in stretches where code == 0 {
                code = stretch.withUnsafeBytes { writeFully(fd, $0) }
            }
            if code == 0 { code = syncFile(fd) }
            Glibc.close(fd)
            if code == 0 { code = syncDirectory(paths.directory) }
            guard code == 0 else {
                unlink(path)
                throw OutboxError.system("cannot save the damaged part of the outbox journal to \(path)", code)
            }
            return path
        }
    }
}

// MARK: - Batches

extension Outbox {
    /// Orders framed for the journal in one buffer: the caller writes each record in place (no
    /// array per order), `append` fills in each frame's seq, time and checksum and journals the
    /// buffer as it is, and the records go to Kafka straight from it.
    public struct Batch: Sendable {
        struct Spot: Sendable {
            var start: Int
            var keyCount: Int
            var frameSize: Int
            var timestamp: Int64
            var orderID: Int64?
        }

        public private(set) var bytes: [UInt8] = []
        private(set) var spots: [Spot] = []
        /// The first order's seq once journaled (the others follow it), else 0.
        public private(set) var firstSeq: UInt64 = 0
        /// The record size of the first order too large for a frame, if any.
        private(set) var oversize: Int?

        public init(capacity: Int = 0) {
            bytes.reserveCapacity(capacity)
        }

        public var count: Int { spots.count }
        public var isEmpty: Bool { spots.isEmpty }

        /// Empty again, keeping the buffer.
        public mutating func removeAll() {
            bytes.removeAll(keepingCapacity: true)
            spots.removeAll(keepingCapacity: true)
            firstSeq = 0
            oversize = nil
        }

        /// An order keyed by its order id in decimal (unkeyed without one), whose record
        /// `write` appends to the buffer it is given.
        public mutating func add(orderID: Int64?, timestamp: Int64, write: (inout [UInt8]) -> Void) {
            let start = bytes.count
            bytes.append(contentsOf: Frame.blankOrder)
            if let orderID { bytes.appendDecimal(orderID) }
            let keyCount = bytes.count - start - Frame.orderStart
            write(&bytes)
            finish(start: start, keyCount: keyCount, timestamp: timestamp, orderID: orderID)
        }

        /// An order as given.
        public mutating func add(_ entry: NewEntry) {
            guard entry.key.count <= Frame.largest, entry.value.count <= Frame.largest - entry.key.count else {
                if oversize == nil { oversize = entry.value.count }
                return
            }
            let start = bytes.count
            bytes.append(contentsOf: Frame.blankOrder)
            bytes.append(contentsOf: entry.key)
            bytes.append(contentsOf: entry.value)
            finish(start: start, keyCount: entry.key.count, timestamp: entry.timestamp, orderID: entry.orderID)
        }

        private mutating func finish(start: Int, keyCount: Int, timestamp: Int64, orderID: Int64?) {
            let length = bytes.count - start - 8
            guard length <= Frame.largest + Frame.orderFixed else {
                if oversize == nil { oversize = length - Frame.orderFixed - keyCount }
                bytes.removeSubrange(start...)
                return
            }
            bytes.withUnsafeMutableBytes { all in
                let p = UnsafeMutableRawBufferPointer(rebasing: all[(start + 8)...])
                all.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start, as: UInt32.self)
                p.storeBytes(of: Kind.order.rawValue, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: timestamp.littleEndian, toByteOffset: 9, as: Int64.self)
                p.storeBytes(of: (orderID ?? Int64.min).littleEndian, toByteOffset: 17, as: Int64.self)
                p.storeBytes(of: UInt32(keyCount).littleEndian, toByteOffset: 33, as: UInt32.self)
            }
            spots.append(Spot(start: start, keyCount: keyCount, frameSize: 8 + length, timestamp: timestamp, orderID: orderID))
        }

        /// Numbers the frames from `firstSeq`, stamps the time and checksums each.
        mutating func seal(firstSeq: UInt64, journaledAt: Int64) {
            self.firstSeq = firstSeq
            bytes.withUnsafeMutableBytes { all in
                for (n, spot) in spots.enumerated() {
                    let payload = UnsafeMutableRawBufferPointer(rebasing: all[(spot.start + 8)..<(spot.start + spot.frameSize)])
                    payload.storeBytes(of: (firstSeq + UInt64(n)).littleEndian, toByteOffset: 1, as: UInt64.self)
                    payload.storeBytes(of: journaledAt.littleEndian, toByteOffset: 25, as: Int64.self)
                    let crc = Outbox.crc32(UnsafeRawBufferPointer(payload))
                    all.storeBytes(of: crc.littleEndian, toByteOffset: spot.start + 4, as: UInt32.self)
                }
            }
        }

        public func seq(_ n: Int) -> UInt64 { firstSeq + UInt64(n) }
        public func orderID(_ n: Int) -> Int64? { spots[n].orderID }
        public func timestamp(_ n: Int) -> Int64 { spots[n].timestamp }

        /// Order `n`'s key (nil when empty) and record, valid inside `body` only.
        public func withRecord<R>(
            _ n: Int, _ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer) throws -> R
        ) rethrows -> R {
            let spot = spots[n]
            return try bytes.withUnsafeBytes { all in
                let keyStart = spot.start + Frame.orderStart
                let key = UnsafeRawBufferPointer(rebasing: all[keyStart..<(keyStart + spot.keyCount)])
                let value = UnsafeRawBufferPointer(rebasing: all[(keyStart + spot.keyCount)..<(spot.start + spot.frameSize)])
                return try body(spot.keyCount == 0 ? nil : key, value)
            }
        }

        /// Order `n` as an `Entry` (copies its bytes; for callers that keep a few).
        public func entry(_ n: Int, journaledAt: Int64) -> Entry {
            withRecord(n) { key, value in
                Entry(
                    seq: seq(n), key: key.map { Array($0) } ?? [], value: Array(value), timestamp: spots[n].timestamp,
                    orderID: spots[n].orderID, journaledAt: journaledAt)
            }
        }
    }
}

extension Outbox.Entry {
    /// An order frame's payload (checked by `Scan.read`) as an entry.
    static func decode(_ payload: UnsafeRawBufferPointer) -> Outbox.Entry {
        let fixed = Outbox.Frame.orderFixed
        let keyCount = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 33, as: UInt32.self)))
        let id = Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 17, as: Int64.self))
        return Outbox.Entry(
            seq: UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt64.self)),
            key: Array(payload[fixed..<(fixed + keyCount)]),
            value: Array(payload[(fixed + keyCount)...]),
            timestamp: Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: Int64.self)),
            orderID: id == Int64.min ? nil : id,
            journaledAt: Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 25, as: Int64.self)))
    }
}

// MARK: - Pending orders: where they are in the journal

extension Outbox {
    /// The pending orders as journal positions, not copies: seqs ascending (a journal's seqs
    /// only grow), each with its frame's offset and size, and whether it is with Kafka now.
    /// The bytes stay on disk (and in the page cache) until a resend or compaction reads them
    /// back, so a million orders in flight cost ~25 bytes each here, no object per order.
    struct PendingIndex {
        private(set) var seqs: [UInt64] = []
        /// The frame's offset in the journal; -1 once settled.
        private(set) var spots: [Int] = []
        private(set) var sizes: [Int] = []
        /// Handed to Kafka and not reported back yet: a resend leaves it alone.
        var flying: [Bool] = []
        private(set) var head = 0
        private(set) var live = 0

        /// `seq` must be above every seq already here.
        mutating func add(seq: UInt64, spot: Int, size: Int, flying isFlying: Bool) {
            seqs.append(seq)
            spots.append(spot)
            sizes.append(size)
            flying.append(isFlying)
            live += 1
        }

        /// Where the pending `seq` is, or nil (unknown, or settled already).
        func find(_ seq: UInt64) -> Int? {
            let end = seqs.count
            guard head < end, seq >= seqs[head], seq <= seqs[end - 1] else { return nil }
            // Seqs journaled together are consecutive: usually a direct hit.
            let guess = seq - seqs[head]
            var at: Int
            if guess < UInt64(end - head), seqs[head + Int(guess)] == seq {
                at = head + Int(guess)
            } else {
                var low = head, high = end
                while low < high {
                    let middle = (low + high) / 2
                    if seqs[middle] < seq { low = middle + 1 } else { high = middle }
                }
                guard low < end, seqs[low] == seq else { return nil }
                at = low
            }
            return spots[at] >= 0 ? at : nil
        }

        /// Takes the order at `at` out of pending; returns its frame size.
        mutating func settle(_ at: Int) -> Int {
            let size = sizes[at]
            spots[at] = -1
            flying[at] = false
            live -= 1
            tidy()
            return size
        }

        /// Skips settled orders at the front, and drops settled ones from the arrays once they
        /// outnumber the pending ones: O(1) per settle, amortised.
        private mutating func tidy() {
            while head < seqs.count, spots[head] < 0 { head += 1 }
            if head > 4096, head * 2 > seqs.count {
                seqs.removeSubrange(0..<head)
                spots.removeSubrange(0..<head)
                sizes.removeSubrange(0..<head)
                flying.removeSubrange(0..<head)
                head = 0
            } else if seqs.count - head > 2 * live + 4096 {
                self = PendingIndex(keeping: self, liveIndices, spots: nil)
            }
        }

        /// Only the pending ones of `other`, at `newSpots` (in the order of `kept`) if given.
        init(keeping other: PendingIndex, _ kept: [Int], spots newSpots: [Int]?) {
            seqs.reserveCapacity(kept.count)
            spots.reserveCapacity(kept.count)
            sizes.reserveCapacity(kept.count)
            flying.reserveCapacity(kept.count)
            for (n, at) in kept.enumerated() {
                add(seq: other.seqs[at], spot: newSpots?[n] ?? other.spots[at], size: other.sizes[at], flying: other.flying[at])
            }
        }

        init() {}

        /// Indices of the pending orders, in seq order.
        var liveIndices: [Int] {
            var list: [Int] = []
            list.reserveCapacity(live)
            for at in head..<seqs.count where spots[at] >= 0 { list.append(at) }
            return list
        }

        /// The first pending order's index.
        var first: Int? {
            head < seqs.count ? head : nil
        }
    }
}

// MARK: - The state behind the mutex

extension Outbox {
    fileprivate struct State {
        let paths: Paths
        /// Read and append (reads bring pending orders back for a resend or compaction).
        var journalFD: Int32
        var lockFD: Int32
        var isClosed = false
        /// Bytes of the journal known to hold whole frames: where a failed write is cut back to.
        var journalSize: Int
        /// A failed write could not be cut back: fix that before anything else is appended, or
        /// recovery would stop at the half frame and never see what follows.
        var tailDirty = false
        /// A new journal file (or a compacted one renamed in) whose directory entry is not yet
        /// known to be on disk: fsync'ing the file alone would not keep it after a power cut.
        var directoryDirty = true
        var nextSeq: UInt64
        var lastOrderID: Int64?
        var index: PendingIndex
        /// Seqs delivered and not yet marked so in the journal (written as ranges).
        var delivered: [UInt64] = []
        /// Mark frames not yet written.
        var marks: [UInt8] = []
        var marksLimit = State.marksThreshold
        /// Journal bytes of pending orders, and of everything else (settled orders, marks).
        var pendingBytes: Int
        var settledBytes: Int
        /// A failure in a call that cannot throw, for the next `flushMarks`.
        var deferred: (any Error)?

        static let marksThreshold = 64 * 1024
        static let compactionSize = 4 * 1024 * 1024
        /// How many bytes of the journal one read brings back.
        static let readChunk = 1 << 20

        init(
            paths: Paths, journalFD: Int32, lockFD: Int32, journalSize: Int, nextSeq: UInt64,
            lastOrderID: Int64?, index: PendingIndex, pendingBytes: Int, settledBytes: Int
        ) {
            self.paths = paths
            self.journalFD = journalFD
            self.lockFD = lockFD
            self.journalSize = journalSize
            self.nextSeq = nextSeq
            self.lastOrderID = lastOrderID
            self.index = index
            self.pendingBytes = pendingBytes
            self.settledBytes = settledBytes
        }

        var compactionWorthIt: Bool {
            settledBytes + marks.count > 2 * pendingBytes
        }

        /// Reads the frames at `indices` back from the journal, adjacent ones in one read, and
        /// calls `body` with each index and its frame (header included). A frame that no longer
        /// reads back whole (the file was changed under us) throws.
        func readFrames(_ indices: [Int], _ body: (Int, UnsafeRawBufferPointer) throws -> Void) throws {
            guard !indices.isEmpty else { return }
            let fd = journalFD >= 0 ? journalFD : Glibc.open(paths.journal, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw OutboxError.system("cannot read the outbox journal \(paths.journal)", errno) }
            defer { if fd != journalFD { Glibc.close(fd) } }
            var buffer: [UInt8] = []
            var first = 0
            while first < indices.count {
                // A run of frames that follow each other in the file.
                let start = index.spots[indices[first]]
                var end = start + index.sizes[indices[first]]
                var last = first + 1
                while last < indices.count, index.spots[indices[last]] == end, end - start < State.readChunk {
                    end += index.sizes[indices[last]]
                    last += 1
                }
                let count = end - start
                if buffer.count < count { buffer = [UInt8](repeating: 0, count: count) }
                var filled = 0
                var code: Int32 = 0
                buffer.withUnsafeMutableBytes { raw in
                    while filled < count {
                        let n = pread(fd, raw.baseAddress! + filled, count - filled, off_t(start + filled))
                        if n < 0 && errno == EINTR { continue }
                        if n < 0 { code = errno; return }
                        if n == 0 { code = EIO; return }
                        filled += n
                    }
                }
                guard code == 0 else { throw OutboxError.system("cannot read the outbox journal \(paths.journal)", code) }
                try buffer.withUnsafeBytes { raw in
                    var offset = 0
                    for n in first..<last {
                        let at = indices[n]
                        let size = index.sizes[at]
                        let frame = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + size)])
                        guard case .frame = Scan.read(frame, at: 0), Kind(rawValue: frame[8]) == .order,
                            UInt64(littleEndian: frame.loadUnaligned(fromByteOffset: 9, as: UInt64.self)) == index.seqs[at]
                        else {
                            throw OutboxError(
                                "the outbox journal \(paths.journal) changed under the producer (order \(index.seqs[at]) no longer reads back at byte \(start + offset)); stop whatever else writes to it")
                        }
                        try body(at, frame)
                        offset += size
                    }
                }
                first = last
            }
        }

        /// The pending orders at `indices`, read back from the journal.
        func entries(_ indices: [Int]) throws -> [Entry] {
            var list: [Entry] = []
            list.reserveCapacity(indices.count)
            try readFrames(indices) { _, frame in
                list.append(Entry.decode(UnsafeRawBufferPointer(rebasing: frame[8...])))
            }
            return list
        }

        /// Every pending order, in seq order. A journal that cannot be read back is kept for
        /// the next `flushMarks` (and what was read is returned).
        mutating func pendingInOrder() -> [Entry] {
            do {
                return try entries(index.liveIndices)
            } catch {
                if deferred == nil { deferred = error }
                return []
            }
        }

        /// Closed, a descriptor lost in a failed compaction, a half frame not yet cut off:
        /// each must be dealt with before another byte is appended.
        mutating func ready() throws {
            guard !isClosed else {
                throw OutboxError("the outbox \(paths.directory) is closed; open it again to journal orders")
            }
            if journalFD < 0 {
                let fd = Glibc.open(paths.journal, O_RDWR | O_APPEND | O_CLOEXEC, 0o600)
                guard fd >= 0 else {
                    throw OutboxError.system("cannot open the outbox journal \(paths.journal)", errno)
                }
                journalFD = fd
            }
            if tailDirty {
                guard Outbox.truncate(journalFD, to: journalSize) == 0 else {
                    throw OutboxError.system("cannot write the outbox journal \(paths.journal)", errno)
                }
                tailDirty = false
            }
        }

        /// Writes `bytes` at the end of the journal (and fsyncs); on failure cuts the journal
        /// back to where it was, so the bytes count as never written.
        mutating func writeJournal(_ bytes: UnsafeRawBufferPointer, sync: Bool) throws {
            var code = Outbox.writeFully(journalFD, bytes)
            if code == 0 && sync {
                code = Outbox.syncFile(journalFD)
                if code == 0 && directoryDirty {
                    code = Outbox.syncDirectory(paths.directory)
                    if code == 0 { directoryDirty = false }
                }
            }
            guard code == 0 else {
                if Outbox.truncate(journalFD, to: journalSize) != 0 { tailDirty = true }
                throw OutboxError.system("cannot write the outbox journal \(paths.journal)", code)
            }
            journalSize += bytes.count
        }

        /// Journals a batch: marks waiting to be written first, then every order of the batch
        /// with ONE write(2) and, with `sync`, ONE fsync(2). Fills in each frame's seq, time and
        /// checksum. The orders count as with Kafka (`flying`) from here: the caller hands them
        /// over next, and `land`s those it could not.
        mutating func append(_ batch: inout Batch, now: Int64, sync: Bool) throws {
            try ready()
            guard !batch.isEmpty else { return }
            if let size = batch.oversize {
                throw OutboxError(
                    "an order of \(size) bytes is too large for the outbox journal \(paths.journal); the till cannot send it")
            }
            guard nextSeq <= UInt64.max - UInt64(batch.count) else {
                throw OutboxError(
                    "the outbox journal \(paths.journal) has used up its sequence numbers (it was not written by this program?); move the directory aside and start again")
            }
            try writeMarks()
            let first = nextSeq
            // Advanced even if the write fails: a frame that could not be cut off again must
            // never share its seq with a later order.
            nextSeq += UInt64(batch.count)
            batch.seal(firstSeq: first, journaledAt: now)
            let base = journalSize
            try batch.bytes.withUnsafeBytes { try writeJournal($0, sync: sync) }
            for (n, spot) in batch.spots.enumerated() {
                let size = spot.frameSize
                index.add(seq: first + UInt64(n), spot: base + spot.start, size: size, flying: true)
                pendingBytes += size
                if let id = spot.orderID, id > (lastOrderID ?? Int64.min) { lastOrderID = id }
            }
        }

        /// Delivered: out of pending, and a mark to write.
        mutating func settleDelivered(_ seq: UInt64) -> Bool {
            guard let at = index.find(seq) else { return false }
            let size = index.settle(at)
            pendingBytes -= size
            settledBytes += size
            delivered.append(seq)
            return true
        }

        mutating func writeMarks() throws {
            if !delivered.isEmpty {
                delivered.sort()
                Frame.appendSettled(delivered, to: &marks)
                delivered.removeAll(keepingCapacity: true)
            }
            guard !marks.isEmpty else { return }
            try ready()
            try marks.withUnsafeBytes { try writeJournal($0, sync: false) }
            settledBytes += marks.count
            marks.removeAll(keepingCapacity: true)
            marksLimit = State.marksThreshold
        }

        /// After a failure, waits for another 64 KiB before trying again (not a syscall per
        /// delivery report on a full disk).
        mutating func writeMarksIfMany() {
            guard marks.count + 2 * delivered.count > marksLimit else { return }
            do {
                try writeMarks()
            } catch {
                if deferred == nil { deferred = error }
                marksLimit = marks.count + 2 * delivered.count + State.marksThreshold
            }
        }

        /// Returns the refused order's id (nil inside if it had none), or nil when `seq` is not
        /// pending or its line could not be written (then it stays pending).
        mutating func refuse(_ seq: UInt64, reason: String) -> Int64?? {
            guard !isClosed, let at = index.find(seq) else { return nil }
            let entry: Entry
            do {
                guard let read = try entries([at]).first else { return nil }
                entry = read
                try Outbox.appendRefused(entry, reason: reason, path: paths.refused, directory: paths.directory)
            } catch {
                if deferred == nil { deferred = error }
                return nil
            }
            let size = index.settle(at)
            pendingBytes -= size
            settledBytes += size
            Frame.appendRefused(seq: seq, reason: reason, to: &marks)
            do { try writeMarks() } catch { if deferred == nil { deferred = error } }
            return .some(entry.orderID)
        }

        mutating func flush() throws {
            guard !isClosed else { return }
            var failure = deferred
            deferred = nil
            if journalSize + marks.count > State.compactionSize && compactionWorthIt {
                // The compacted journal leaves settled entries out: their marks need not be written.
                do { try compact() } catch { if failure == nil { failure = error } }
            }
            do { try writeMarks() } catch { if failure == nil { failure = error } }
            if let failure { throw failure }
        }

        /// Rewrites the journal as a checkpoint plus the pending orders (their frames copied as
        /// they are): DIR/journal.new, fsync, rename(2) over DIR/journal, fsync DIR. A crash at
        /// any point leaves one whole journal or the other, each holding every pending order.
        mutating func compact() throws {
            guard !isClosed else { return }
            let path = paths.compacted
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw OutboxError.system("cannot compact the outbox journal: cannot create \(path)", errno)
            }
            var written = 0
            var code: Int32 = 0
            var chunk: [UInt8] = []
            chunk.reserveCapacity(State.readChunk + 4096)
            Frame.appendCheckpoint(nextSeq: nextSeq, lastOrderID: lastOrderID, to: &chunk)
            let live = index.liveIndices
            var newSpots: [Int] = []
            newSpots.reserveCapacity(live.count)
            do {
                try readFrames(live) { _, frame in
                    guard code == 0 else { return }
                    newSpots.append(written + chunk.count)
                    chunk.append(contentsOf: frame)
                    if chunk.count >= State.readChunk {
                        code = chunk.withUnsafeBytes { Outbox.writeFully(fd, $0) }
                        written += chunk.count
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
            } catch {
                Glibc.close(fd)
                unlink(path)
                throw error
            }
            if code == 0 {
                code = chunk.withUnsafeBytes { Outbox.writeFully(fd, $0) }
                written += chunk.count
            }
            if code == 0 { code = Outbox.syncFile(fd) }
            if Glibc.close(fd) != 0 && code == 0 { code = errno }
            if code == 0 && rename(path, paths.journal) != 0 { code = errno }
            guard code == 0 else {
                unlink(path)
                throw OutboxError.system("cannot compact the outbox journal \(paths.journal)", code)
            }
            // From here DIR/journal is the new file, whatever else fails.
            journalSize = written
            settledBytes = 0
            delivered.removeAll(keepingCapacity: true)
            marks.removeAll(keepingCapacity: true)
            marksLimit = State.marksThreshold
            tailDirty = false
            index = PendingIndex(keeping: index, live, spots: newSpots)
            // Until the rename is on disk, an order appended to the new file could vanish with
            // it after a power cut: the next synced append retries this first.
            directoryDirty = Outbox.syncDirectory(paths.directory) != 0
            if journalFD >= 0 { Glibc.close(journalFD) }
            journalFD = Glibc.open(paths.journal, O_RDWR | O_APPEND | O_CLOEXEC, 0o600)
            if journalFD < 0 {
                throw OutboxError.system("cannot open the outbox journal \(paths.journal) after compacting it", errno)
            }
        }

        mutating func close() {
            guard !isClosed else { return }
            try? writeMarks()
            if journalFD >= 0 {
                _ = Outbox.syncFile(journalFD)
                if directoryDirty { _ = Outbox.syncDirectory(paths.directory) }
                Glibc.close(journalFD)
                journalFD = -1
            }
            if lockFD >= 0 {
                _ = flock(lockFD, LOCK_UN)
                Glibc.close(lockFD)
                lockFD = -1
            }
            isClosed = true
        }
    }
}

// MARK: - Refused orders

extension Outbox {
    /// One JSON line per refused record in DIR/refused.jsonl, fsync'ed before the refusal mark
    /// is written: once the journal forgets the order, this line is the only copy.
    fileprivate static func appendRefused(_ entry: Entry, reason: String, path: String, directory: String) throws {
        let line = refusedLine(entry, reason: reason)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OutboxError.system("cannot record a refused order in \(path)", errno)
        }
        defer { Glibc.close(fd) }
        var info = stat()
        let before = fstat(fd, &info) == 0 ? Int(info.st_size) : -1
        var code = line.withUnsafeBytes { writeFully(fd, $0) }
        if code == 0 { code = syncFile(fd) }
        if code == 0 && before == 0 { code = syncDirectory(directory) }
        guard code == 0 else {
            // No half line for the next one to be glued to.
            if before >= 0 { _ = truncate(fd, to: before) }
            throw OutboxError.system("cannot record a refused order in \(path)", code)
        }
    }

    /// {"seq":…,"order_id":…|null,"reason":"…","value":"<record as a JSON string>"}; a record
    /// that is not valid UTF-8 also gets "value_base64", the exact bytes.
    static func refusedLine(_ entry: Entry, reason: String) -> [UInt8] {
        var line = Array("{\"seq\":\(entry.seq),\"order_id\":\(entry.orderID.map { String($0) } ?? "null"),\"reason\":".utf8)
        appendJSONString(Array(reason.utf8), to: &line)
        line.append(contentsOf: Array(",\"value\":".utf8))
        if String(validating: entry.value, as: UTF8.self) != nil {
            appendJSONString(entry.value, to: &line)
        } else {
            appendJSONString(Array(String(decoding: entry.value, as: UTF8.self).utf8), to: &line)
            line.append(contentsOf: Array(",\"value_base64\":\"\(Data(entry.value).base64EncodedString())\"".utf8))
        }
        line.append(contentsOf: Array("}\n".utf8))
        return line
    }

    /// Valid UTF-8 in, a JSON string out: quotes, backslashes and control characters escaped.
    private static func appendJSONString(_ bytes: [UInt8], to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(0x22)
        for byte in bytes {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }
}

// MARK: - Frames

extension Outbox {
    enum Kind: UInt8 {
        /// `delivered` marks one order (journals written before delivery ranges); `settled`
        /// marks ranges of delivered seqs in one frame.
        case order = 1, delivered = 2, refused = 3, checkpoint = 4, settled = 5
    }

    /// Encoding of frames. Sizes: header 8; payload kind 1 + seq 8; an order adds timestamp,
    /// order id and journaledAt (8 each) and the key length (4): 45 bytes plus key and value.
    enum Frame {
        static let orderFixed = 37
        static let deliveredPayload = 21
        static let checkpointPayload = 17
        /// Kind, highest seq, count; then (u64 first seq, u32 how many) per range.
        static let settledFixed = 13
        /// Where an order frame's key starts (header and fixed payload), and those bytes blank.
        static let orderStart = 8 + orderFixed
        static let blankOrder = [UInt8](repeating: 0, count: orderStart)
        /// Kind, seq and at most 64 KiB of reason.
        static let refusedLargest = 9 + 64 * 1024
        /// The largest payload a u32 length can describe, less the fixed part.
        static let largest = Int(UInt32.max) - orderFixed
        private static let zeros = [UInt8](repeating: 0, count: 4096)

        static func orderSize(key: Int, value: Int) -> Int {
            8 + orderFixed + key + value
        }

        /// Appends one frame of `length` payload bytes that `fill` writes, then its checksum.
        static func append(
            length: Int, to buffer: inout [UInt8], fill: (UnsafeMutableRawBufferPointer) -> Void
        ) {
            let start = buffer.count
            // Grown from a block of zeros: a copy of contiguous bytes is a memcpy even unoptimised.
            var missing = 8 + length
            while missing > 0 {
                let n = min(missing, zeros.count)
                buffer.append(contentsOf: zeros[..<n])
                missing -= n
            }
            buffer.withUnsafeMutableBytes { all in
                let frame = UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + 8 + length)])
                frame.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 0, as: UInt32.self)
                let payload = UnsafeMutableRawBufferPointer(rebasing: frame[8...])
                fill(payload)
                let crc = Outbox.crc32(UnsafeRawBufferPointer(payload))
                frame.storeBytes(of: crc.littleEndian, toByteOffset: 4, as: UInt32.self)
            }
        }

        static func appendOrder(_ entry: Entry, to buffer: inout [UInt8]) {
            let keyCount = entry.key.count
            append(length: orderFixed + keyCount + entry.value.count, to: &buffer) { p in
                p.storeBytes(of: Kind.order.rawValue, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: entry.seq.littleEndian, toByteOffset: 1, as: UInt64.self)
                p.storeBytes(of: entry.timestamp.littleEndian, toByteOffset: 9, as: Int64.self)
                p.storeBytes(of: (entry.orderID ?? Int64.min).littleEndian, toByteOffset: 17, as: Int64.self)
                p.storeBytes(of: entry.journaledAt.littleEndian, toByteOffset: 25, as: Int64.self)
                p.storeBytes(of: UInt32(keyCount).littleEndian, toByteOffset: 33, as: UInt32.self)
                entry.key.withUnsafeBytes { key in
                    UnsafeMutableRawBufferPointer(rebasing: p[orderFixed..<(orderFixed + keyCount)]).copyMemory(from: key)
                }
                entry.value.withUnsafeBytes { value in
                    UnsafeMutableRawBufferPointer(rebasing: p[(orderFixed + keyCount)...]).copyMemory(from: value)
                }
            }
        }

        static func appendDelivered(seq: UInt64, partition: Int32, offset: Int64, to buffer: inout [UInt8]) {
            append(length: deliveredPayload, to: &buffer) { p in
                p.storeBytes(of: Kind.delivered.rawValue, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: seq.littleEndian, toByteOffset: 1, as: UInt64.self)
                p.storeBytes(of: partition.littleEndian, toByteOffset: 9, as: Int32.self)
                p.storeBytes(of: offset.littleEndian, toByteOffset: 13, as: Int64.self)
            }
        }

        static func appendRefused(seq: UInt64, reason: String, to buffer: inout [UInt8]) {
            let text = Array(reason.utf8.prefix(refusedLargest - 9))
            append(length: 9 + text.count, to: &buffer) { p in
                p.storeBytes(of: Kind.refused.rawValue, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: seq.littleEndian, toByteOffset: 1, as: UInt64.self)
                text.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: p[9...]).copyMemory(from: $0) }
            }
        }

        /// Delivery marks for `seqs` (ascending) as ranges, at most 4,096 ranges per frame.
        static func appendSettled(_ seqs: [UInt64], to buffer: inout [UInt8]) {
            var ranges: [(first: UInt64, count: UInt32)] = []
            for seq in seqs {
                if let last = ranges.last, last.count < UInt32.max {
                    let end = last.first + UInt64(last.count)
                    if seq == end {
                        ranges[ranges.count - 1].count += 1
                        continue
                    }
                    if seq < end { continue }  // repeated
                }
                ranges.append((seq, 1))
            }
            var start = 0
            while start < ranges.count {
                let part = ranges[start..<min(ranges.count, start + 4096)]
                let highest = part.last.map { $0.first + UInt64($0.count) - 1 } ?? 0
                append(length: settledFixed + 12 * part.count, to: &buffer) { p in
                    p.storeBytes(of: Kind.settled.rawValue, toByteOffset: 0, as: UInt8.self)
                    p.storeBytes(of: highest.littleEndian, toByteOffset: 1, as: UInt64.self)
                    p.storeBytes(of: UInt32(part.count).littleEndian, toByteOffset: 9, as: UInt32.self)
                    for (n, range) in part.enumerated() {
                        p.storeBytes(of: range.first.littleEndian, toByteOffset: 13 + 12 * n, as: UInt64.self)
                        p.storeBytes(of: range.count.littleEndian, toByteOffset: 21 + 12 * n, as: UInt32.self)
                    }
                }
                start += part.count
            }
        }

        static func appendCheckpoint(nextSeq: UInt64, lastOrderID: Int64?, to buffer: inout [UInt8]) {
            append(length: checkpointPayload, to: &buffer) { p in
                p.storeBytes(of: Kind.checkpoint.rawValue, toByteOffset: 0, as: UInt8.self)
                p.storeBytes(of: nextSeq.littleEndian, toByteOffset: 1, as: UInt64.self)
                p.storeBytes(of: (lastOrderID ?? Int64.min).littleEndian, toByteOffset: 9, as: Int64.self)
            }
        }
    }

    /// Why a stretch of the journal could not be read.
    enum Problem: Equatable {
        /// The length runs past the end of the file: the write was cut short.
        case incomplete
        case checksum
        case unreadable(String)

        /// For a damaged tail (no whole frame after it).
        func sentence(at offset: Int, tail: ArraySlice<UInt8>) -> String {
            if tail.allSatisfy({ $0 == 0 }) {
                return "ends in \(tail.count) zero bytes from byte \(offset) (the system stopped before the last writes reached the disk)"
            }
            switch self {
            case .incomplete:
                return "ended inside a record at byte \(offset) (the producer was stopped while writing)"
            case .checksum:
                return "has a damaged record at byte \(offset) (its checksum does not match: the disk or another program changed it)"
            case .unreadable(let why):
                return "has a record it cannot read at byte \(offset) (\(why))"
            }
        }

        /// What the first damaged record looked like, for damage with whole frames after it.
        var what: String {
            switch self {
            case .incomplete: return "a record whose length runs past the end of the file"
            case .checksum: return "a record whose checksum does not match"
            case .unreadable(let why): return why
            }
        }
    }

    /// Why a frame whose checksum matches cannot be a record this code wrote. An enum, not a
    /// String, so that the resynchronisation search can reject candidates without allocating.
    enum Flaw: Equatable {
        case tooShort(Int)
        case shortOrder(Int)
        case keyPastEnd
        case delivery(Int)
        case refusal(Int)
        case checkpoint(Int)
        case settled(Int)
        case unknownKind(UInt8)

        var why: String {
            switch self {
            case .tooShort(let length): return "a record of \(length) bytes, too short for its kind and sequence number"
            case .shortOrder(let length): return "an order record of \(length) bytes, too short"
            case .keyPastEnd: return "an order record whose key runs past its end"
            case .delivery(let length): return "a delivery record of \(length) bytes instead of \(Frame.deliveredPayload)"
            case .refusal(let length): return "a refusal record of \(length) bytes, longer than any written"
            case .checkpoint(let length): return "a checkpoint record of \(length) bytes instead of \(Frame.checkpointPayload)"
            case .settled(let length): return "a delivery record of \(length) bytes that does not add up to its ranges"
            case .unknownKind(let kind): return "unknown record kind \(kind)"
            }
        }
    }

    /// The journal read from the start: every whole, checksummed, well-formed frame, and what
    /// they add up to. After a frame that is not, reading resynchronises on the next offset
    /// where one starts, so that damage in the middle (a flipped bit, a bad sector) loses only
    /// the records it hit; the stretches skipped are listed in `damage`. Never traps on file
    /// contents.
    struct Scan {
        /// A stretch of the journal holding no whole, checksummed, well-formed frame: from a
        /// frame that is not, to the next one that is (or to the end of the file).
        struct Damage: Equatable {
            var start: Int
            var end: Int
            /// What was wrong with the frame at `start`.
            var problem: Problem
            var count: Int { end - start }
        }

        /// The longest frame resynchronisation accepts (an order is a few hundred bytes): with
        /// the size of what remains, it bounds the checksum work spent on each candidate.
        static let resyncLargest = 64 << 20
        /// Header, kind and sequence number: no frame is shorter.
        static let smallestFrame = 8 + 9

        /// Bytes read.
        var size = 0
        /// Damaged stretches in file order, separated by whole frames.
        var damage: [Damage] = []
        var entries: [UInt64: Entry] = [:]
        /// Where each pending order's frame starts in the journal.
        var spots: [UInt64: Int] = [:]
        /// Pending seqs, ascending.
        var order: [UInt64] = []
        var nextSeq: UInt64 = 1
        var lastOrderID: Int64?
        var pendingBytes = 0
        var settledBytes = 0

        private var highestSeq: UInt64 = 0
        private var checkpointNext: UInt64 = 0
        private var listed: [UInt64] = []
        private var ascending = true

        /// The damaged stretch at the end with no whole frame after it (a torn write), if any.
        var tail: Damage? {
            guard let last = damage.last, last.end == size else { return nil }
            return last
        }

        /// Damaged stretches with whole frames after them.
        var middle: [Damage] {
            damage.filter { $0.end < size }
        }

        /// Where the whole frames end: the start of a damaged tail, else the end of the file.
        var goodLength: Int {
            tail?.start ?? size
        }

        var damagedBytes: Int {
            damage.reduce(0) { $0 + $1.count }
        }

        init(_ bytes: [UInt8]) {
            size = bytes.count
            bytes.withUnsafeBytes { all in
                var at = 0
                while at < all.count {
                    switch Scan.read(all, at: at) {
                    case .frame(let length):
                        apply(UnsafeRawBufferPointer(rebasing: all[(at + 8)..<(at + 8 + length)]), at: at)
                        at += 8 + length
                    case .bad(let problem):
                        let next = Scan.resync(all, from: at + 1)
                        damage.append(Damage(start: at, end: next, problem: problem))
                        at = next
                    }
                }
            }
            order = listed.filter { entries[$0] != nil }
            if !ascending { order.sort() }
            // The checkpoint's seq is the next one to use; a seq seen is used.
            let afterHighest = highestSeq == UInt64.max ? highestSeq : highestSeq + 1
            nextSeq = max(1, afterHighest, checkpointNext)
        }

        enum Read {
            /// A whole, checksummed, well-formed frame of this payload length.
            case frame(Int)
            case bad(Problem)
        }

        /// The frame at `at`, checked in the order that names the likeliest cause: cut short,
        /// then checksum, then contents.
        static func read(_ all: UnsafeRawBufferPointer, at: Int) -> Read {
            let room = all.count - at
            guard room >= 8 else { return .bad(.incomplete) }
            let length = Int(UInt32(littleEndian: all.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            guard length <= room - 8 else { return .bad(.incomplete) }
            let crc = UInt32(littleEndian: all.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
            let payload = UnsafeRawBufferPointer(rebasing: all[(at + 8)..<(at + 8 + length)])
            guard Outbox.crc32(payload) == crc else { return .bad(.checksum) }
            if let flaw = flaw(payload) { return .bad(.unreadable(flaw.why)) }
            return .frame(length)
        }

        /// The first offset from `start` where a whole, checksummed, well-formed frame begins,
        /// or the end of the file. Byte by byte, but each candidate is dropped as soon as its
        /// length or contents cannot be right, before any checksum work: on garbage almost
        /// every length is larger than what remains, so the search stays linear.
        static func resync(_ all: UnsafeRawBufferPointer, from start: Int) -> Int {
            let count = all.count
            var at = start
            while count - at >= smallestFrame {
                let length = Int(UInt32(littleEndian: all.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                if length >= 9, length <= count - at - 8, length <= resyncLargest {
                    let payload = UnsafeRawBufferPointer(rebasing: all[(at + 8)..<(at + 8 + length)])
                    if flaw(payload) == nil,
                        Outbox.crc32(payload) == UInt32(littleEndian: all.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self))
                    {
                        return at
                    }
                }
                at += 1
            }
            return count
        }

        /// nil if the payload is a record this code could have written. O(1).
        static func flaw(_ payload: UnsafeRawBufferPointer) -> Flaw? {
            let length = payload.count
            guard length >= 9 else { return .tooShort(length) }
            switch Kind(rawValue: payload[0]) {
            case .order:
                guard length >= Frame.orderFixed else { return .shortOrder(length) }
                let keyCount = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 33, as: UInt32.self)))
                guard keyCount <= length - Frame.orderFixed else { return .keyPastEnd }
            case .delivered:
                guard length == Frame.deliveredPayload else { return .delivery(length) }
            case .refused:
                guard length <= Frame.refusedLargest else { return .refusal(length) }
            case .checkpoint:
                guard length == Frame.checkpointPayload else { return .checkpoint(length) }
            case .settled:
                guard length >= Frame.settledFixed, (length - Frame.settledFixed) % 12 == 0,
                    Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: UInt32.self)))
                        == (length - Frame.settledFixed) / 12
                else { return .settled(length) }
            case nil:
                return .unknownKind(payload[0])
            }
            return nil
        }

        /// Adds one frame's effect; `read` has checked it. `at`: where the frame starts.
        private mutating func apply(_ payload: UnsafeRawBufferPointer, at: Int) {
            let length = payload.count
            let frameSize = 8 + length
            let seq = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
            switch Kind(rawValue: payload[0]) {
            case .order:
                let entry = Entry.decode(payload)
                if let earlier = entries.updateValue(entry, forKey: seq) {
                    // Never written by this code; if it happens, the later one wins.
                    let size = Frame.orderSize(key: earlier.key.count, value: earlier.value.count)
                    pendingBytes -= size
                    settledBytes += size
                } else {
                    if let last = listed.last, last >= seq { ascending = false }
                    listed.append(seq)
                }
                spots[seq] = at
                pendingBytes += frameSize
                highestSeq = max(highestSeq, seq)
                if let id = entry.orderID, id > (lastOrderID ?? Int64.min) { lastOrderID = id }
            case .delivered, .refused:
                settle(seq)
                settledBytes += frameSize
                highestSeq = max(highestSeq, seq)
            case .settled:
                let count = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: UInt32.self)))
                for n in 0..<count {
                    let first = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 13 + 12 * n, as: UInt64.self))
                    let span = UInt64(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 21 + 12 * n, as: UInt32.self)))
                    let last = first.addingReportingOverflow(span).overflow ? UInt64.max : first + span
                    if span <= UInt64(entries.count) {
                        var seq = first
                        while seq < last {
                            settle(seq)
                            seq += 1
                        }
                    } else {
                        for seq in entries.keys where seq >= first && seq < last { settle(seq) }
                    }
                }
                settledBytes += frameSize
                highestSeq = max(highestSeq, seq)
            case .checkpoint:
                checkpointNext = max(checkpointNext, seq)
                let id = Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: Int64.self))
                if id != Int64.min, id > (lastOrderID ?? Int64.min) { lastOrderID = id }
            case nil:
                break
            }
        }

        private mutating func settle(_ seq: UInt64) {
            guard let settled = entries.removeValue(forKey: seq) else { return }
            spots[seq] = nil
            let size = Frame.orderSize(key: settled.key.count, value: settled.value.count)
            pendingBytes -= size
            settledBytes += size
        }
    }
}

// MARK: - CRC-32 and POSIX I/O

extension Outbox {
    /// zlib's CRC-32 (IEEE, reflected polynomial 0xEDB88320), eight tables of 256 so that eight
    /// bytes are folded in per step: the journal checksums every byte of every order.
    static let crcTables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            tables[n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 {
                let previous = tables[(k - 1) * 256 + n]
                tables[k * 256 + n] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        guard let start = bytes.baseAddress else { return 0 }
        crcTables.withUnsafeBufferPointer { tables in
            let t = tables.baseAddress!
            var p = start
            var left = bytes.count
            while left >= 8 {
                let word = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ c
                let high = UInt32(truncatingIfNeeded: word &>> 32)
                c = t[1792 &+ Int(low & 0xFF)] ^ t[1536 &+ Int((low &>> 8) & 0xFF)]
                    ^ t[1280 &+ Int((low &>> 16) & 0xFF)] ^ t[1024 &+ Int(low &>> 24)]
                    ^ t[768 &+ Int(high & 0xFF)] ^ t[512 &+ Int((high &>> 8) & 0xFF)]
                    ^ t[256 &+ Int((high &>> 16) & 0xFF)] ^ t[Int(high &>> 24)]
                p += 8
                left &-= 8
            }
            while left > 0 {
                c = t[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c &>> 8)
                p += 1
                left &-= 1
            }
        }
        return ~c
    }

    /// Every byte, retrying short writes and interrupted calls. 0, or the errno.
    static func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errno }
            if n == 0 { return EIO }
            offset += n
        }
        return 0
    }

    /// 0, or the errno.
    static func syncFile(_ fd: Int32) -> Int32 {
        while fsync(fd) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }

    /// A new or renamed file survives a power cut only once its directory is fsync'ed too.
    static func syncDirectory(_ path: String) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { Glibc.close(fd) }
        return syncFile(fd)
    }

    /// 0, or -1 with errno set.
    static func truncate(_ fd: Int32, to size: Int) -> Int32 {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { return -1 }
        }
        return 0
    }

    /// The whole file, read to its end (it may grow while an inspector reads it).
    static func readFile(_ path: String) -> Result<[UInt8], Errno> {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Errno(errno)) }
        defer { Glibc.close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(Errno(errno)) }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0) + 4096)
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(bytes.count, 4096))) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return .failure(Errno(errno)) }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return .success(bytes)
    }

    /// An errno as an Error, for `Result`.
    struct Errno: Error, Equatable {
        var code: Int32
        init(_ code: Int32) { self.code = code }
    }
}
