import Foundation
import Kafka
import TestSupport
import Testing
import Transform

/// A million hostile records through the real path (producer → embedded broker →
/// `dashboard --json`), every counter checked against `tools/recompute.py`: valid orders around
/// the day's edges (late ones included), duplicates (exact resends and same id with other
/// content), the generator's faults, byte-level damage, records over 64 KiB, and strings
/// carrying ANSI escapes and control bytes.
@Suite(.timeLimit(.minutes(10))) struct HostileVolumeTests {
    static let count = 1_000_000

    /// The hostile stream, one record at a time.
    struct Stream {
        var generator: OrderGenerator
        var random: SplitMix64
        let window: DayWindow
        var earlier: [[UInt8]] = []

        let now: Int64

        init(seed: UInt64, window: DayWindow, now: Int64) {
            generator = OrderGenerator(seed: seed, firstOrderID: 1_000)
            random = SplitMix64(seed: seed &* 104_729)
            self.window = window
            self.now = now
        }

        mutating func next() -> [UInt8] {
            let span = UInt64(window.end - window.start + 6 * 3600)
            let t = window.start - 3 * 3600 + Int64(random.next(below: span))
            let roll = random.next(below: 1000)
            var record: [UInt8]
            switch roll {
            case 0..<80 where !earlier.isEmpty:
                // A resend of an earlier record, byte for byte.
                record = earlier[Int(random.next(below: UInt64(earlier.count)))]
            case 80..<110:
                // An order whose strings carry terminal escapes (JSON-escaped ESC and BEL, so
                // still valid) or a raw control byte (not valid JSON).
                var order = generator.next(at: t)
                order.tableID = "T1\u{1B}[31mRED\u{1B}[0m"
                order.items[0].name = "Dosa\u{07}\u{1B}]0;owned\u{07}"
                order.amount = order.items.reduce(0) { $0 + $1.quantity * $1.price }
                record = order.jsonBytes
                if random.next(below: 3) == 0, let quote = record.firstIndex(of: 0x54) {  // the T of T1
                    record.insert(UInt8(random.next(below: 32)), at: quote)
                }
            case 110..<111:
                // Over 64 KiB: a valid order with a long extra field.
                var order = generator.next(at: t).jsonBytes
                order.removeLast()
                record = order + Array(#","note":""#.utf8) + [UInt8](repeating: 0x78, count: 66_000) + Array("\"}".utf8)
            case 111..<130:
                // Every rule broken on purpose, and both warnings, so each counter is busy.
                var order = generator.next(at: t)
                switch random.next(below: 6) {
                case 0:
                    order.items = []
                    order.amount = 0
                case 1:
                    order.timestamp = now + 10 * 86_400  // the future: invalid_timestamp
                case 2:
                    order.customers = 0  // out of range: invalid_field
                case 3:
                    order.items[0].price += 5  // not the menu's price: a warning, still counted
                    order.amount = order.items.reduce(0) { $0 + $1.quantity * $1.price }
                case 4:
                    order.paymentMode = "cash"  // case does not matter: a valid CASH order
                default:
                    break
                }
                record = order.jsonBytes
                if random.next(below: 6) == 5 {
                    let text = String(decoding: record, as: UTF8.self)
                    record = Array(text.replacingOccurrences(of: "\"order_id\":\(order.orderID)", with: "\"order_id\":null").utf8)
                }
            case 130..<300:
                record = DifferentialTests.mutate(generator.nextRecord(at: t, faultRate: 0.3), with: &random)
            default:
                record = generator.nextRecord(at: t, faultRate: 0.05)
            }
            if earlier.count < 4096 {
                earlier.append(record)
            } else if random.next(below: 64) == 0 {
                earlier[Int(random.next(below: 4096))] = record
            }
            return record
        }
    }

    @Test func aMillionHostileRecordsAgreeWithTheRecomputation() throws {
        let zone = "Asia/Kolkata", day = "2025-11-20"
        let window = DayWindow(day: LocalDay(day)!, zone: TimeZone(identifier: zone)!)
        let now = Int64(Date().timeIntervalSince1970)
        // 128 partitions: the embedded broker keeps ~5 MiB of each. Valid records are keyed by
        // their order id (as the till does), so the copies of one id keep their order, which
        // decides the copy that counts; the others go anywhere.
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 128)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)

        let file = NSTemporaryDirectory() + "tiffin-hostile-\(UUID().uuidString).b64"
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let out = try #require(FileHandle(forWritingAtPath: file))
        var stream = Stream(seed: 20_251_120, window: window, now: now)
        var check = OrderCheck()
        var spread = SplitMix64(seed: 5)
        var lines = Data()
        var large = 0, escapes = 0
        for _ in 0..<Self.count {
            let record = stream.next()
            if record.count > 65_536 { large += 1 }
            if record.contains(0x1B) || record.contains(where: { $0 < 0x20 }) { escapes += 1 }
            let key: [UInt8]
            if case .checked = check.check(record, now: now) {
                key = Array(String(check.orderID).utf8)
            } else {
                key = Array(String(spread.next(below: 1 << 20)).utf8)
            }
            try producer.send(topic: "restaurant-sales", key: key, value: record)
            lines.append(Data(record).base64EncodedData())
            lines.append(0x0A)
            if lines.count > 1 << 22 {
                out.write(lines)
                lines.removeAll(keepingCapacity: true)
            }
        }
        out.write(lines)
        try out.close()
        try producer.flush(timeout: 120)
        #expect(large > 500)
        #expect(escapes > 1_000)

        let ours = try Run("dashboard", [
            "-b", broker.bootstrapServers, "--from", "beginning", "--json", "--day", day, "--tz", zone,
            "--timeout", "60", "--log-file", NSTemporaryDirectory() + "tiffin-test.log",
        ])
        #expect(ours.status == 0, "\(ours.stderr)")
        let theirs = try recompute(file, day: day, zone: zone, now: Int(now))
        let a = try expectSameSnapshot(Data(ours.stdout.utf8), theirs)
        // Every kind of trouble must actually be in the stream, in numbers.
        let rejected = (a?["rejected"] as? [String: Int]) ?? [:]
        let warnings = (a?["warnings"] as? [String: Int]) ?? [:]
        #expect(rejected.count == 8 && rejected.values.allSatisfy { $0 > 1_000 })
        #expect(warnings.count == 2 && warnings.values.allSatisfy { $0 > 1_000 })
        if !(rejected.values.allSatisfy { $0 > 1_000 } && warnings.values.allSatisfy { $0 > 1_000 }) {
            Issue.record("rejected \(rejected), warnings \(warnings)")
        }
        #expect((a?["duplicates"] as? Int ?? 0) > 50_000)
        #expect((a?["outside_day"] as? Int ?? 0) > 100_000)
        #expect((a?["orders"] as? Int ?? 0) > 300_000)
    }
}
