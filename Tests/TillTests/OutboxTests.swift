import Foundation
import Testing
@testable import Till

/// The outbox journal on a real disk, one temporary directory per test: what was journaled
/// and not delivered comes back after a reopen, a damaged tail is set aside, damage in the
/// middle loses only the records it hit, nothing crashes recovery, compaction keeps exactly
/// the pending orders, and one producer holds a directory.
@Suite struct OutboxTests {
    /// SplitMix64, so that the garbage is the same on every run.
    struct Random {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ bound: Int) -> Int {
            Int(next() % UInt64(bound))
        }

        mutating func bytes(_ count: Int) -> [UInt8] {
            (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
        }
    }

    /// A fresh path under the temporary directory (not created); `removeScratch` deletes it.
    func scratch() -> String {
        NSTemporaryDirectory() + "tiffin-outbox-\(UUID().uuidString)"
    }

    func removeScratch(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// An order record of exactly `size` bytes (at least the id's digits), keyed by its id.
    func order(_ id: Int64, size: Int = 60) -> Outbox.NewEntry {
        var value = Array("{\"order_id\":\(id),\"pad\":\"".utf8)
        value += [UInt8](repeating: 0x78, count: max(0, size - value.count - 2)) + Array("\"}".utf8)
        return Outbox.NewEntry(
            key: Array(String(id).utf8), value: value, timestamp: 1_764_000_000_000 + id, orderID: id)
    }

    func frameSize(_ entry: Outbox.NewEntry) -> Int {
        8 + 37 + entry.key.count + entry.value.count
    }

    func readBytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func writeBytes(_ bytes: [UInt8], _ path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    // MARK: Reopening

    @Test func undeliveredOrdersComeBackAfterAReopen() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let anonymous = Outbox.NewEntry(key: [], value: Array("no id".utf8), timestamp: 5, orderID: nil)
        let news = [order(101), order(205), anonymous]
        do {
            let outbox = try Outbox(directory: dir, now: 1_000)
            let journaled = try outbox.append(news, now: 1_000)
            #expect(journaled.map(\.seq) == [1, 2, 3])
            #expect(journaled.allSatisfy { $0.journaledAt == 1_000 })
            outbox.markDelivered(1, partition: 0, offset: 7)
            #expect(outbox.waitingCount == 2)
            outbox.close()
            outbox.close()  // idempotent
        }
        let reopened = try Outbox(directory: dir, now: 2_000)
        defer { reopened.close() }
        #expect(reopened.damage == nil)
        let pending = reopened.pending
        #expect(pending.map(\.seq) == [2, 3])
        for (entry, new) in zip(pending, news[1...]) {
            #expect(entry.key == new.key)
            #expect(entry.value == new.value)
            #expect(entry.timestamp == new.timestamp)
            #expect(entry.orderID == new.orderID)
            #expect(entry.journaledAt == 1_000)
        }
        #expect(reopened.lastOrderID == 205)
        #expect(reopened.oldestWaiting == 1_000)
        #expect(try reopened.append([order(300)], now: 2_000).map(\.seq) == [4])
    }

    @Test func marksInAnyOrderAndUnknownSeqsAreHandled() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let outbox = try Outbox(directory: dir, now: 10)
        defer { outbox.close() }
        _ = try outbox.append((1...10).map { order($0) }, now: 10)
        _ = try outbox.append([order(11)], now: 20)
        for seq: UInt64 in [5, 1, 2, 99, 1, 0] { outbox.markDelivered(seq, partition: 1, offset: 0) }
        #expect(outbox.pending.map(\.seq) == [3, 4, 6, 7, 8, 9, 10, 11])
        #expect(outbox.waitingCount == 8)
        for seq: UInt64 in 3...10 { outbox.markDelivered(seq, partition: 1, offset: 0) }
        #expect(outbox.oldestWaiting == 20)
        outbox.markDelivered(11, partition: 1, offset: 0)
        #expect(outbox.oldestWaiting == nil)
        #expect(outbox.pending.isEmpty)
        try outbox.flushMarks()
    }

    // MARK: Damage

    @Test func aJournalCutInTheLastRecordKeepsTheWholeOnes() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let news = [order(1), order(2), order(3, size: 90)]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append(news, now: 1)
            outbox.close()
        }
        let journal = dir + "/journal"
        let original = try readBytes(journal)
        try writeBytes(Array(original[..<(original.count - 5)]), journal)

        do {
            let reopened = try Outbox(directory: dir, now: 1_764_000_000)
            let damage = try #require(reopened.damage)
            #expect(damage.contains("journal.damaged-"))
            #expect(damage.contains("ended inside a record"))
            #expect(reopened.pending.map(\.seq) == [1, 2])
            #expect(reopened.pending.map(\.value) == [news[0].value, news[1].value])
            let saved = try readBytes(dir + "/journal.damaged-1764000000")
            let lastStart = original.count - frameSize(news[2])
            #expect(saved == Array(original[lastStart..<(original.count - 5)]))
            #expect(try readBytes(journal) == Array(original[..<lastStart]))
            reopened.close()
        }
        let again = try Outbox(directory: dir, now: 1_764_000_100)
        defer { again.close() }
        #expect(again.damage == nil)
        #expect(again.pending.map(\.seq) == [1, 2])
    }

    @Test func aFlippedByteLosesOnlyTheRecordItHit() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let news = [order(1), order(2), order(3)]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append(news, now: 1)
            outbox.close()
        }
        let journal = dir + "/journal"
        var bytes = try readBytes(journal)
        let second = frameSize(news[0])
        bytes[second + 8 + 20] ^= 0x10
        try writeBytes(bytes, journal)

        let reopened = try Outbox(directory: dir, now: 77)
        defer { reopened.close() }
        let damage = try #require(reopened.damage)
        #expect(damage.contains("checksum"))
        #expect(damage.contains("byte \(second)"))
        #expect(damage.contains("the 2 waiting orders around them are kept"))
        #expect(reopened.pending.map(\.seq) == [1, 3])
        #expect(try readBytes(dir + "/journal.damaged-77") == Array(bytes[second..<(second + frameSize(news[1]))]))
    }

    @Test func damageInTheMiddleKeepsEveryOrderAroundIt() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        // The damaged order has the highest id: the survivors' highest is what can be known.
        let news = [order(11), order(52), order(23), order(44), order(35)]
        let journaled: [Outbox.Entry]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            journaled = try outbox.append(news, now: 1)
            outbox.close()
        }
        let journal = dir + "/journal"
        var bytes = try readBytes(journal)
        let second = frameSize(news[0])
        let secondSize = frameSize(news[1])
        bytes[second + 8 + 37 + news[1].key.count + 10] ^= 0x01  // inside the record's value
        try writeBytes(bytes, journal)

        // inspect counts the same way, and repairs nothing.
        let summary = try Outbox.inspect(directory: dir)
        #expect(summary.waiting == 4)
        #expect(summary.oldest == 1)
        let described = try #require(summary.damage)
        #expect(described.contains("has \(secondSize) damaged bytes at byte \(second)"))
        #expect(described.contains("the 4 waiting orders around them are safe"))
        #expect(try readBytes(journal) == bytes)

        let survivors = [journaled[0], journaled[2], journaled[3], journaled[4]]
        do {
            let reopened = try Outbox(directory: dir, now: 1_764_000_000)
            let damage = try #require(reopened.damage)
            let saved = dir + "/journal.damaged-1764000000"
            #expect(damage.contains(saved))
            #expect(damage.contains("had \(secondSize) damaged bytes at byte \(second)"))
            #expect(damage.contains("the 4 waiting orders around them are kept"))
            #expect(!damage.contains("more place"))
            #expect(reopened.pending == survivors)
            #expect(reopened.lastOrderID == 44)
            #expect(try readBytes(saved) == Array(bytes[second..<(second + secondSize)]))
            // Rewritten without the damaged bytes: a checkpoint and the four orders.
            let rewritten = try readBytes(journal)
            #expect(rewritten.count == 8 + 17 + [0, 2, 3, 4].map { frameSize(news[$0]) }.reduce(0, +))
            reopened.close()
        }
        #expect(try Outbox.inspect(directory: dir).damage == nil)
        let again = try Outbox(directory: dir, now: 1_764_000_100)
        defer { again.close() }
        #expect(again.damage == nil)
        #expect(again.pending == survivors)
        #expect(again.lastOrderID == 44)
        #expect(try again.append([order(60)], now: 2).map(\.seq) == [6])
        #expect(!FileManager.default.fileExists(atPath: dir + "/journal.damaged-1764000100"))
    }

    @Test func damageInTheMiddleAndATornTailTogether() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let news = (1...5).map { order(Int64($0)) }
        let journaled: [Outbox.Entry]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            journaled = try outbox.append(news, now: 1)
            outbox.markDelivered(3, partition: 0, offset: 9)
            try outbox.flushMarks()
            outbox.close()
        }
        let journal = dir + "/journal"
        let original = try readBytes(journal)
        var bytes = original
        let second = frameSize(news[0])
        let secondSize = frameSize(news[1])
        bytes[second + 8 + 1] ^= 0x80  // the seq
        // The last frame is the delivery mark (one range: 33 bytes); the 5th order is before
        // it. Cut into the mark: the order before it is whole, the mark is the torn tail.
        let markSize = 8 + 13 + 12
        bytes.removeLast(7)
        try writeBytes(bytes, journal)
        let tailStart = original.count - markSize

        let summary = try Outbox.inspect(directory: dir)
        #expect(summary.waiting == 4)
        #expect(summary.damage?.contains("and 1 more place, the last at its end") == true)

        do {
            let reopened = try Outbox(directory: dir, now: 500)
            let damage = try #require(reopened.damage)
            #expect(damage.contains("had \(secondSize + markSize - 7) damaged bytes at byte \(second)"))
            #expect(damage.contains("and 1 more place, the last at its end"))
            #expect(damage.contains(dir + "/journal.damaged-500"))
            // The torn mark is lost: order 3 is waiting again (sending twice is harmless).
            #expect(reopened.pending == [journaled[0], journaled[2], journaled[3], journaled[4]])
            #expect(reopened.lastOrderID == 5)
            #expect(
                try readBytes(dir + "/journal.damaged-500")
                    == Array(bytes[second..<(second + secondSize)]) + Array(bytes[tailStart...]))
            reopened.close()
        }
        let again = try Outbox(directory: dir, now: 600)
        defer { again.close() }
        #expect(again.damage == nil)
        #expect(again.pending.map(\.seq) == [1, 3, 4, 5])
        #expect(try again.append([order(6)], now: 2).map(\.seq) == [6])
    }

    @Test func aWellChecksummedRecordOfUnknownKindInTheMiddleIsSkipped() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let journal = dir + "/journal"
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append([order(1)], now: 1)
            outbox.close()
        }
        let first = try readBytes(journal)
        var odd: [UInt8] = []
        Outbox.Frame.append(length: 12, to: &odd) { payload in
            payload.storeBytes(of: UInt8(9), toByteOffset: 0, as: UInt8.self)
        }
        // Then 64 KiB of garbage and 16 KiB of zeros, then two good orders.
        var random = Random(state: 7)
        let garbage = random.bytes(64 * 1024) + [UInt8](repeating: 0, count: 16 * 1024)
        var good: [UInt8] = []
        Outbox.Frame.appendOrder(
            Outbox.Entry(seq: 2, key: Array("2".utf8), value: order(2).value, timestamp: 2, orderID: 2, journaledAt: 1),
            to: &good)
        let middle = good.count
        Outbox.Frame.appendOrder(
            Outbox.Entry(seq: 3, key: Array("3".utf8), value: order(3).value, timestamp: 3, orderID: 3, journaledAt: 1),
            to: &good)
        try writeBytes(first + odd + Array(good[..<middle]) + garbage + Array(good[middle...]), journal)

        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        let damage = try #require(reopened.damage)
        #expect(damage.contains("had \(odd.count + garbage.count) damaged bytes at byte \(first.count)"))
        #expect(damage.contains("unknown record kind 9"))
        #expect(damage.contains("and 1 more place)"))
        #expect(reopened.pending.map(\.seq) == [1, 2, 3])
        #expect(reopened.lastOrderID == 3)
        #expect(try readBytes(dir + "/journal.damaged-2") == odd + garbage)
    }

    @Test func aWellChecksummedRecordOfUnknownKindIsDamage() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append([order(1)], now: 1)
            outbox.close()
        }
        var tail: [UInt8] = []
        Outbox.Frame.append(length: 12, to: &tail) { payload in
            payload.storeBytes(of: UInt8(9), toByteOffset: 0, as: UInt8.self)
        }
        let journal = dir + "/journal"
        try writeBytes(try readBytes(journal) + tail, journal)
        let reopened = try Outbox(directory: dir, now: 2)
        #expect(reopened.damage?.contains("unknown record kind 9") == true)
        #expect(reopened.pending.map(\.seq) == [1])
        reopened.close()

        // Zeros where the last writes never reached the disk.
        try writeBytes(try readBytes(journal) + [UInt8](repeating: 0, count: 4096), journal)
        let zeroed = try Outbox(directory: dir, now: 3)
        defer { zeroed.close() }
        #expect(zeroed.damage?.contains("4096 zero bytes") == true)
        #expect(zeroed.pending.map(\.seq) == [1])
    }

    @Test func garbageNeverCrashesRecovery() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let valid: [UInt8]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append((1...5).map { order($0, size: 40) }, now: 1)
            outbox.markDelivered(2, partition: 0, offset: 0)
            outbox.markRefused(4, reason: "too large")
            try outbox.flushMarks()
            outbox.close()
            valid = try readBytes(dir + "/journal")
        }
        var random = Random(state: 0x0DDB_A11)
        for round in 0..<240 {
            var bytes: [UInt8]
            switch round % 4 {
            case 0:
                bytes = random.bytes(random.below(4_000))
            case 1:
                bytes = valid
                for _ in 0..<(1 + random.below(4)) { bytes[random.below(bytes.count)] ^= UInt8(1 + random.below(255)) }
            case 2:
                bytes = Array(valid[..<random.below(valid.count)])
            default:
                // Frames whose checksums are right and whose contents are random.
                bytes = Array(valid[..<(random.below(2) == 0 ? 0 : valid.count)])
                for _ in 0..<(1 + random.below(4)) {
                    let body = random.bytes(random.below(80))
                    let kind = UInt8(random.below(6))
                    Outbox.Frame.append(length: body.count, to: &bytes) { payload in
                        for (i, byte) in body.enumerated() { payload[i] = byte }
                        if !body.isEmpty { payload[0] = kind }
                    }
                }
            }
            try writeBytes(bytes, dir + "/journal")
            do {
                let outbox = try Outbox(directory: dir, now: Int64(1_000 + round))
                #expect(outbox.waitingCount <= 8)
                _ = outbox.pending
                _ = try outbox.append([order(9_999)], now: 5, sync: false)
                outbox.close()
            } catch {
                #expect(error is OutboxError)
            }
        }
    }

    // MARK: Compaction

    @Test func compactionKeepsExactlyThePendingOrders() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        var seqs: [UInt64] = []
        var values: [UInt64: [UInt8]] = [:]
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            for batch in 0..<40 {
                let news = (0..<500).map { order(Int64(batch * 500 + $0 + 1), size: 300) }
                for entry in try outbox.append(news, now: 1, sync: false) {
                    seqs.append(entry.seq)
                    values[entry.seq] = entry.value
                }
            }
            #expect(seqs.count == 20_000)
            let kept = Set(stride(from: 7, to: 20_000, by: 2_000).map { seqs[$0] })
            for seq in seqs where !kept.contains(seq) {
                outbox.markDelivered(seq, partition: 2, offset: Int64(seq))
            }
            try outbox.flushMarks()
            let size = try FileManager.default.attributesOfItem(atPath: dir + "/journal")[.size] as? Int
            #expect((size ?? .max) < 64 * 1024)
            #expect(outbox.pending.map(\.seq) == kept.sorted())
            outbox.close()
        }
        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        let pending = reopened.pending
        #expect(pending.map(\.seq) == stride(from: 7, to: 20_000, by: 2_000).map { seqs[$0] })
        #expect(pending.allSatisfy { values[$0.seq] == $0.value && $0.journaledAt == 1 })
        #expect(reopened.lastOrderID == 20_000)
        let more = try reopened.append([order(20_001), order(20_002)], now: 3)
        #expect(more.allSatisfy { $0.seq > seqs.max()! })
        #expect(more[1].seq == more[0].seq + 1)
    }

    // MARK: Locking

    @Test func oneProducerPerDirectory() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let first = try Outbox(directory: dir, now: 1)
        let error = #expect(throws: OutboxError.self) {
            _ = try Outbox(directory: dir, now: 1)
        }
        #expect(error?.description.contains("in use") == true)
        #expect(error?.description.contains("pid \(getpid())") == true)
        first.close()
        let second = try Outbox(directory: dir, now: 1)
        second.close()
    }

    // MARK: Refused

    @Test func aRefusedRecordIsKeptAsAJSONLine() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        let text = "{\"order_id\":7,\"note\":\"tab\there \"quoted\" back\\slash\nline \u{1} ₹\"}"
        let refused = Outbox.NewEntry(key: Array("7".utf8), value: Array(text.utf8), timestamp: 9, orderID: 7)
        let outbox = try Outbox(directory: dir, now: 1)
        _ = try outbox.append([refused, order(8)], now: 1)
        outbox.markRefused(1, reason: "Broker: Message size too large")
        #expect(outbox.pending.map(\.seq) == [2])
        try outbox.flushMarks()

        let lines = try String(contentsOfFile: dir + "/refused.jsonl", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1)
        let line = Data(try #require(lines.first).utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        #expect(object["reason"] as? String == "Broker: Message size too large")
        #expect(object["value"] as? String == text)
        struct Line: Decodable {
            var seq: UInt64
            var order_id: Int64?
        }
        let decoded = try JSONDecoder().decode(Line.self, from: line)
        #expect(decoded.seq == 1)
        #expect(decoded.order_id == 7)

        let summary = try Outbox.inspect(directory: dir)
        #expect(summary.refused == 1)
        #expect(summary.waiting == 1)
        outbox.close()
        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        #expect(reopened.pending.map(\.seq) == [2])
    }

    // MARK: Inspect

    @Test func inspectReadsWithoutTheLock() throws {
        let dir = scratch()
        defer { removeScratch(dir) }
        #expect(
            try Outbox.inspect(directory: dir + "/missing")
                == Outbox.Summary(waiting: 0, oldest: nil, refused: 0, damage: nil))

        let outbox = try Outbox(directory: dir, now: 1)
        _ = try outbox.append([order(1)], now: 1_000)
        _ = try outbox.append([order(2), order(3)], now: 1_005)
        outbox.markDelivered(1, partition: 0, offset: 0)
        try outbox.flushMarks()
        #expect(
            try Outbox.inspect(directory: dir)
                == Outbox.Summary(waiting: 2, oldest: 1_005, refused: 0, damage: nil))
        outbox.close()

        // A damaged tail is reported, and left for the producer to repair.
        let journal = dir + "/journal"
        let damaged = try readBytes(journal) + [1, 2, 3]
        try writeBytes(damaged, journal)
        let summary = try Outbox.inspect(directory: dir)
        #expect(summary.waiting == 2)
        #expect(summary.damage != nil)
        #expect(try readBytes(journal) == damaged)
    }

    // MARK: Errors and defaults

    @Test func missingParentsAreCreated() throws {
        let base = scratch()
        defer { removeScratch(base) }
        let dir = base + "/a/b/outbox"
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append([order(1)], now: 1)
            outbox.close()
        }
        var info = stat()
        #expect(stat(dir, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        #expect(reopened.pending.map(\.seq) == [1])
        #expect(Outbox.parentDirectory("/a") == "/")
        #expect(Outbox.parentDirectory("a") == ".")
        #expect(Outbox.parentDirectory("/x/a/b") == "/x/a")
    }

    @Test func aDirectoryUnderAFileIsAnErrorNamingThePath() throws {
        let file = scratch()
        defer { removeScratch(file) }
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let error = #expect(throws: OutboxError.self) {
            _ = try Outbox(directory: file + "/outbox", now: 1)
        }
        #expect(error?.description.contains(file + "/outbox") == true)
        #expect(error?.description.contains(String(cString: strerror(ENOTDIR))) == true)
    }

    @Test func theDefaultDirectoryIsPerTill() {
        let path = Outbox.defaultDirectory(till: 3)
        #expect(path.hasSuffix("/tiffin/outbox/till-3"))
        #expect(path.hasPrefix("/"))
    }

    @Test func crc32MatchesZlib() {
        func crc(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { Outbox.crc32($0) } }
        #expect(crc(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(crc([]) == 0)
        // Bit by bit, against the eight-table version, across every tail length.
        var random = Random(state: 42)
        for length in 0..<64 {
            let bytes = random.bytes(length)
            var c: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                c ^= UInt32(byte)
                for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            }
            #expect(crc(bytes) == ~c)
        }
    }
}

/// Batches written in place, what a sender hears back, and delivery marks as ranges.
@Suite struct OutboxBatchTests {
    let helpers = OutboxTests()

    /// `count` orders with ids from `first`, written in place as the simulator does.
    func batch(_ first: Int64, count: Int) -> Outbox.Batch {
        var batch = Outbox.Batch()
        for id in first..<(first + Int64(count)) {
            batch.add(orderID: id, timestamp: id * 1000) { $0.append(contentsOf: Array("{\"order_id\":\(id)}".utf8)) }
        }
        return batch
    }

    @Test func aBatchIsJournaledAndItsRecordsReadBack() throws {
        let dir = helpers.scratch()
        defer { helpers.removeScratch(dir) }
        do {
            let outbox = try Outbox(directory: dir, now: 7)
            var first = batch(100, count: 3)
            try outbox.append(&first, now: 7)
            #expect((0..<3).map(first.seq) == [1, 2, 3])
            first.withRecord(1) { key, value in
                #expect(key.map { Array($0) } == Array("101".utf8))
                #expect(Array(value) == Array("{\"order_id\":101}".utf8))
            }
            var anonymous = Outbox.Batch()
            anonymous.add(orderID: nil, timestamp: 5) { $0.append(contentsOf: Array("x".utf8)) }
            try outbox.append(&anonymous, now: 8)
            anonymous.withRecord(0) { key, _ in #expect(key == nil) }
            #expect(outbox.waitingCount == 4)
            outbox.close()
        }
        let reopened = try Outbox(directory: dir, now: 9)
        defer { reopened.close() }
        #expect(reopened.damage == nil)
        let pending = reopened.pending
        #expect(pending.map(\.seq) == [1, 2, 3, 4])
        #expect(pending[0] == Outbox.Entry(
            seq: 1, key: Array("100".utf8), value: Array("{\"order_id\":100}".utf8), timestamp: 100_000,
            orderID: 100, journaledAt: 7))
        #expect(pending[3].key.isEmpty && pending[3].orderID == nil && pending[3].journaledAt == 8)
        #expect(reopened.lastOrderID == 102)
    }

    @Test func whatIsWithKafkaIsNotTakenAgainUntilItFails() throws {
        let dir = helpers.scratch()
        defer { helpers.removeScratch(dir) }
        let outbox = try Outbox(directory: dir, now: 1)
        defer { outbox.close() }
        var orders = batch(1, count: 10)
        try outbox.append(&orders, now: 1)
        // Just journaled: handed to Kafka by the caller, so nothing waits for a resend.
        #expect(try outbox.takeWaiting(limit: 100).isEmpty)
        #expect(outbox.settle(delivered: [1, 2, 3, 99], failed: [4, 5]) == 3)
        outbox.land([6])
        #expect(try outbox.takeWaiting(limit: 2).map(\.seq) == [4, 5])
        #expect(try outbox.takeWaiting(limit: 100).map(\.seq) == [6])
        #expect(try outbox.takeWaiting(limit: 100).isEmpty)
        // A delivered order is gone whatever is said about it later.
        #expect(outbox.settle(delivered: [1], failed: [2]) == 0)
        #expect(try outbox.takeWaiting(limit: 100).isEmpty)
        #expect(outbox.waitingCount == 7)
    }

    @Test func deliveriesInAnyOrderAreKeptAsRangesAcrossReopens() throws {
        let dir = helpers.scratch()
        defer { helpers.removeScratch(dir) }
        var random = OutboxTests.Random(state: 11)
        var kept = Set<UInt64>()
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            for part in 0..<20 {
                var orders = batch(Int64(part * 1_000 + 1), count: 1_000)
                try outbox.append(&orders, now: 1, sync: false)
            }
            var seqs = Array(UInt64(1)...20_000)
            for i in stride(from: seqs.count - 1, to: 0, by: -1) { seqs.swapAt(i, random.below(i + 1)) }
            kept = Set(seqs.prefix(700))
            let delivered = Array(seqs.dropFirst(700))
            for start in stride(from: 0, to: delivered.count, by: 997) {
                _ = outbox.settle(delivered: Array(delivered[start..<min(delivered.count, start + 997)]), failed: [])
            }
            #expect(outbox.waitingCount == 700)
            #expect(outbox.pending.map(\.seq) == kept.sorted())
            try outbox.flushMarks()
            outbox.close()
        }
        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        let pending = reopened.pending
        #expect(pending.map(\.seq) == kept.sorted())
        #expect(pending.allSatisfy { $0.value == Array("{\"order_id\":\($0.seq)}".utf8) })
        #expect(reopened.lastOrderID == 20_000)
    }

    /// Journals written before delivery ranges mark one order per frame: still understood.
    @Test func aJournalWithOneMarkPerOrderStillReads() throws {
        let dir = helpers.scratch()
        defer { helpers.removeScratch(dir) }
        do {
            let outbox = try Outbox(directory: dir, now: 1)
            _ = try outbox.append((1...4).map { helpers.order($0) }, now: 1)
            outbox.close()
        }
        var marks: [UInt8] = []
        Outbox.Frame.appendDelivered(seq: 2, partition: 0, offset: 5, to: &marks)
        Outbox.Frame.appendDelivered(seq: 4, partition: 3, offset: 9, to: &marks)
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/journal"))
        handle.seekToEndOfFile()
        handle.write(Data(marks))
        try handle.close()
        let reopened = try Outbox(directory: dir, now: 2)
        defer { reopened.close() }
        #expect(reopened.damage == nil)
        #expect(reopened.pending.map(\.seq) == [1, 3])
    }

    /// A well-checksummed journal claiming the last sequence numbers (not one this code wrote)
    /// is refused with a sentence, never a trap on the overflow.
    @Test func sequenceNumbersThatRunOutAreAnErrorNotACrash() throws {
        let dir = helpers.scratch()
        defer { helpers.removeScratch(dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var bytes: [UInt8] = []
        Outbox.Frame.appendCheckpoint(nextSeq: UInt64.max - 1, lastOrderID: nil, to: &bytes)
        try helpers.writeBytes(bytes, dir + "/journal")
        let outbox = try Outbox(directory: dir, now: 1)
        defer { outbox.close() }
        #expect(throws: OutboxError.self) { try outbox.append((1...3).map { helpers.order($0) }, now: 1) }
        #expect(outbox.waitingCount == 0)
    }

    @Test func aRangeMarkThatDoesNotAddUpIsDamage() throws {
        var bytes: [UInt8] = []
        Outbox.Frame.appendSettled([1, 2, 3, 7], to: &bytes)
        #expect(bytes.count == 8 + 13 + 2 * 12)
        #expect(Outbox.Scan(bytes).damage.isEmpty)
        var wrong: [UInt8] = []
        Outbox.Frame.append(length: 13 + 12, to: &wrong) { p in
            p.storeBytes(of: Outbox.Kind.settled.rawValue, toByteOffset: 0, as: UInt8.self)
            p.storeBytes(of: UInt32(2).littleEndian, toByteOffset: 9, as: UInt32.self)
        }
        #expect(Outbox.Scan(wrong).damage.first?.problem == .unreadable("a delivery record of 25 bytes that does not add up to its ranges"))
    }
}
