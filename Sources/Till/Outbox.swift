import Foundation
import Glibc
import Synchronization

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

    /// Entries neither delivered nor refused, in seq order.
    public var pending: [Entry] {
        state.withLock { $0.pendingInOrder() }
    }

    public var waitingCount: Int {
        state.withLock { $0.entries.count }
    }

    /// journaledAt of the first waiting entry in seq order.
    public var oldestWaiting: Int64? {
        state.withLock { state in
            state.advanceHead()
            guard state.head < state.order.count else { return nil }
            return state.entries[state.order[state.head]]?.journaledAt
        }
    }

    /// Appends the entries with ONE write(2) (buffered marks ride along in front) and, if
    /// `sync`, ONE fsync(2), and returns them with seq and journaledAt filled in. Only after
    /// it returns may the caller hand them to Kafka. A failed write or fsync throws, and the
    /// entries count as not journaled: the file is cut back to its previous end so that no half
    /// record stays (their seqs are not reused, in case the cut itself failed).
    public func append(_ entries: [NewEntry], now: Int64, sync: Bool = true) throws -> [Entry] {
        try state.withLock { try $0.append(entries, now: now, sync: sync) }
    }

    /// Delivery report: the entry leaves `pending`. Buffered (no fsync: losing a mark only
    /// means the order is sent again, and the reader dedupes by order id); buffered marks are
    /// written on the next append, on `flushMarks`, or when more than 64 KiB of them wait.
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

    /// Many delivery reports under one lock (a sender collects them between its turns, so the
    /// thread that serves reports never waits for an append's fsync).
    public func markDelivered(_ deliveries: [Delivery]) {
        state.withLock { state in
            guard !state.isClosed else { return }
            for delivery in deliveries {
                guard let entry = state.entries.removeValue(forKey: delivery.seq) else { continue }
                state.settled(entry)
                Frame.appendDelivered(seq: delivery.seq, partition: delivery.partition, offset: delivery.offset, to: &state.marks)
            }
            state.writeMarksIfMany()
        }
    }

    /// Kafka refused the record for good (too large, invalid): it leaves `pending`, the record
    /// is appended as one JSON line to DIR/refused.jsonl (fsync'ed, so nothing is lost), then
    /// the refusal mark is written. Errors are kept for the next `flushMarks`; if the JSON line
    /// could not be written the entry stays pending (so that compaction cannot drop it and the
    /// next start sends it again) rather than vanish.
    public func markRefused(_ seq: UInt64, reason: String) {
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

        journalFD = Glibc.open(paths.journal, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
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

        var state = State(
            paths: paths, journalFD: journalFD, lockFD: lockFD, journalSize: scan.goodLength,
            nextSeq: scan.nextSeq, lastOrderID: scan.lastOrderID, entries: scan.entries,
            order: scan.order, pendingBytes: scan.pendingBytes, settledBytes: scan.settledBytes)
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

// MARK: - The state behind the mutex

extension Outbox {
    fileprivate struct State {
        let paths: Paths
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
        /// Pending entries by seq, and their seqs ascending (settled ones are skipped lazily).
        var entries: [UInt64: Entry]
        var order: [UInt64]
        var head = 0
        /// Delivery and refusal frames not yet written.
        var marks: [UInt8] = []
        var marksLimit = State.marksThreshold
        /// The batch being built, kept between appends to reuse its capacity.
        var scratch: [UInt8] = []
        /// Journal bytes of pending orders, and of everything else (settled orders, marks).
        var pendingBytes: Int
        var settledBytes: Int
        /// A failure in a call that cannot throw, for the next `flushMarks`.
        var deferred: (any Error)?

        static let marksThreshold = 64 * 1024
        static let compactionSize = 4 * 1024 * 1024

        init(
            paths: Paths, journalFD: Int32, lockFD: Int32, journalSize: Int, nextSeq: UInt64,
            lastOrderID: Int64?, entries: [UInt64: Entry], order: [UInt64], pendingBytes: Int,
            settledBytes: Int
        ) {
            self.paths = paths
            self.journalFD = journalFD
            self.lockFD = lockFD
            self.journalSize = journalSize
            self.nextSeq = nextSeq
            self.lastOrderID = lastOrderID
            self.entries = entries
            self.order = order
            self.pendingBytes = pendingBytes
            self.settledBytes = settledBytes
        }

        var compactionWorthIt: Bool {
            settledBytes + marks.count > 2 * pendingBytes
        }

        func pendingInOrder() -> [Entry] {
            var list: [Entry] = []
            list.reserveCapacity(entries.count)
            for seq in order[head...] {
                if let entry = entries[seq] { list.append(entry) }
            }
            return list
        }

        /// Moves past settled seqs at the front, and rebuilds the seq list once settled ones
        /// outnumber pending ones, so each mark costs O(1) amortised.
        mutating func advanceHead() {
            while head < order.count, entries[order[head]] == nil { head += 1 }
            let listed = order.count - head
            if head > 4096 && head * 2 > order.count {
                order.removeSubrange(0..<head)
                head = 0
            } else if listed > 2 * entries.count + 4096 {
                order = order[head...].filter { entries[$0] != nil }
                head = 0
            }
        }

        mutating func settled(_ entry: Entry) {
            let size = Frame.orderSize(key: entry.key.count, value: entry.value.count)
            pendingBytes -= size
            settledBytes += size
            advanceHead()
        }

        /// Closed, a descriptor lost in a failed compaction, a half frame not yet cut off:
        /// each must be dealt with before another byte is appended.
        mutating func ready() throws {
            guard !isClosed else {
                throw OutboxError("the outbox \(paths.directory) is closed; open it again to journal orders")
            }
            if journalFD < 0 {
                let fd = Glibc.open(paths.journal, O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
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
        mutating func writeJournal(_ bytes: [UInt8], sync: Bool) throws {
            var code = bytes.withUnsafeBytes { Outbox.writeFully(journalFD, $0) }
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

        mutating func append(_ news: [NewEntry], now: Int64, sync: Bool) throws -> [Entry] {
            try ready()
            guard !news.isEmpty else { return [] }
            var total = marks.count
            for new in news {
                guard new.key.count <= Frame.largest, new.value.count <= Frame.largest - new.key.count else {
                    throw OutboxError(
                        "an order of \(new.value.count) bytes is too large for the outbox journal \(paths.journal); the till cannot send it")
                }
                total += Frame.orderSize(key: new.key.count, value: new.value.count)
            }
            var made: [Entry] = []
            made.reserveCapacity(news.count)
            for new in news {
                made.append(
                    Entry(
                        seq: nextSeq, key: new.key, value: new.value, timestamp: new.timestamp,
                        orderID: new.orderID, journaledAt: now))
                // Advanced even if the write fails: a frame that could not be cut off again
                // must never share its seq with a later order.
                nextSeq += 1
            }
            scratch.removeAll(keepingCapacity: true)
            scratch.reserveCapacity(total)
            scratch.append(contentsOf: marks)
            for entry in made { Frame.appendOrder(entry, to: &scratch) }
            try writeJournal(scratch, sync: sync)

            settledBytes += marks.count
            marks.removeAll(keepingCapacity: true)
            marksLimit = State.marksThreshold
            entries.reserveCapacity(entries.count + made.count)
            for entry in made {
                entries[entry.seq] = entry
                order.append(entry.seq)
                pendingBytes += Frame.orderSize(key: entry.key.count, value: entry.value.count)
                if let id = entry.orderID, id > (lastOrderID ?? Int64.min) { lastOrderID = id }
            }
            return made
        }

        mutating func writeMarks() throws {
            guard !marks.isEmpty else { return }
            try ready()
            try writeJournal(marks, sync: false)
            settledBytes += marks.count
            marks.removeAll(keepingCapacity: true)
            marksLimit = State.marksThreshold
        }

        /// After a failure, waits for another 64 KiB before trying again (not a syscall per
        /// delivery report on a full disk).
        mutating func writeMarksIfMany() {
            guard marks.count > marksLimit else { return }
            do {
                try writeMarks()
            } catch {
                if deferred == nil { deferred = error }
                marksLimit = marks.count + State.marksThreshold
            }
        }

        mutating func refuse(_ seq: UInt64, reason: String) {
            guard !isClosed, let entry = entries[seq] else { return }
            do {
                try Outbox.appendRefused(entry, reason: reason, path: paths.refused, directory: paths.directory)
            } catch {
                if deferred == nil { deferred = error }
                return
            }
            entries[seq] = nil
            settled(entry)
            Frame.appendRefused(seq: seq, reason: reason, to: &marks)
            do { try writeMarks() } catch { if deferred == nil { deferred = error } }
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

        /// Rewrites the journal as a checkpoint plus the pending orders: DIR/journal.new, fsync,
        /// rename(2) over DIR/journal, fsync DIR. A crash at any point leaves one whole journal
        /// or the other, each holding every pending order.
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
            chunk.reserveCapacity(1 << 20 + 4096)
            Frame.appendCheckpoint(nextSeq: nextSeq, lastOrderID: lastOrderID, to: &chunk)
            var live: [UInt64] = []
            live.reserveCapacity(entries.count)
            for seq in order[head...] {
                guard let entry = entries[seq] else { continue }
                live.append(seq)
                Frame.appendOrder(entry, to: &chunk)
                if chunk.count >= 1 << 20 {
                    code = chunk.withUnsafeBytes { Outbox.writeFully(fd, $0) }
                    if code != 0 { break }
                    written += chunk.count
                    chunk.removeAll(keepingCapacity: true)
                }
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
            marks.removeAll(keepingCapacity: true)
            marksLimit = State.marksThreshold
            tailDirty = false
            order = live
            head = 0
            // Until the rename is on disk, an order appended to the new file could vanish with
            // it after a power cut: the next synced append retries this first.
            directoryDirty = Outbox.syncDirectory(paths.directory) != 0
            if journalFD >= 0 { Glibc.close(journalFD) }
            journalFD = Glibc.open(paths.journal, O_WRONLY | O_APPEND | O_CLOEXEC, 0o600)
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
        case order = 1, delivered = 2, refused = 3, checkpoint = 4
    }

    /// Encoding of frames. Sizes: header 8; payload kind 1 + seq 8; an order adds timestamp,
    /// order id and journaledAt (8 each) and the key length (4): 45 bytes plus key and value.
    enum Frame {
        static let orderFixed = 37
        static let deliveredPayload = 21
        static let checkpointPayload = 17
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
        case unknownKind(UInt8)

        var why: String {
            switch self {
            case .tooShort(let length): return "a record of \(length) bytes, too short for its kind and sequence number"
            case .shortOrder(let length): return "an order record of \(length) bytes, too short"
            case .keyPastEnd: return "an order record whose key runs past its end"
            case .delivery(let length): return "a delivery record of \(length) bytes instead of \(Frame.deliveredPayload)"
            case .refusal(let length): return "a refusal record of \(length) bytes, longer than any written"
            case .checkpoint(let length): return "a checkpoint record of \(length) bytes instead of \(Frame.checkpointPayload)"
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
                        apply(UnsafeRawBufferPointer(rebasing: all[(at + 8)..<(at + 8 + length)]))
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
            case nil:
                return .unknownKind(payload[0])
            }
            return nil
        }

        /// Adds one frame's effect; `read` has checked it.
        private mutating func apply(_ payload: UnsafeRawBufferPointer) {
            let length = payload.count
            let frameSize = 8 + length
            let seq = UInt64(littleEndian: payload.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
            switch Kind(rawValue: payload[0]) {
            case .order:
                let keyCount = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: 33, as: UInt32.self)))
                let id = Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 17, as: Int64.self))
                let entry = Entry(
                    seq: seq,
                    key: Array(payload[Frame.orderFixed..<(Frame.orderFixed + keyCount)]),
                    value: Array(payload[(Frame.orderFixed + keyCount)...]),
                    timestamp: Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 9, as: Int64.self)),
                    orderID: id == Int64.min ? nil : id,
                    journaledAt: Int64(littleEndian: payload.loadUnaligned(fromByteOffset: 25, as: Int64.self)))
                if let earlier = entries.updateValue(entry, forKey: seq) {
                    // Never written by this code; if it happens, the later one wins.
                    let size = Frame.orderSize(key: earlier.key.count, value: earlier.value.count)
                    pendingBytes -= size
                    settledBytes += size
                } else {
                    if let last = listed.last, last >= seq { ascending = false }
                    listed.append(seq)
                }
                pendingBytes += frameSize
                highestSeq = max(highestSeq, seq)
                if let id = entry.orderID, id > (lastOrderID ?? Int64.min) { lastOrderID = id }
            case .delivered, .refused:
                if let settled = entries.removeValue(forKey: seq) {
                    let size = Frame.orderSize(key: settled.key.count, value: settled.value.count)
                    pendingBytes -= size
                    settledBytes += size
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
        crcTables.withUnsafeBufferPointer { t in
            var i = 0
            let count = bytes.count
            while count - i >= 8 {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ c
                let high = UInt32(truncatingIfNeeded: word >> 32)
                c = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            while i < count {
                c = t[Int((c ^ UInt32(bytes[i])) & 0xFF)] ^ (c >> 8)
                i += 1
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
