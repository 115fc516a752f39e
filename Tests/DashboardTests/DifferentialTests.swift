import Foundation
import Kafka
import TestSupport
import Testing
import Transform

/// Hostile streams through the real path (producer → embedded broker → `dashboard --json`),
/// compared with `tools/recompute.py`, an independent re-computation of SEMANTICS.md written
/// with Python's json module.
@Suite(.timeLimit(.minutes(3))) struct DifferentialTests {
    static let snippets = [
        #","order_id":1"#, #","amount":"1""#, #","x":[1,{"y":null}]"#, #"\u0000"#, #"\ud800"#,
        #"\ud83c\udf5b"#, "1e3", "2.0", "-0", "true", "null", "99999999999999999999", " \n\t",
        #","items":[]"#, #","payment_mode":"upi""#, "NaN", "}", "]", ",", "\"", "\\",
    ]
    static let bytes: [UInt8] = [0x22, 0x5C, 0x7B, 0x7D, 0x2C, 0x3A, 0x30, 0x39, 0x2D, 0x2E, 0x65,
                                 0x20, 0xC3, 0xFF, 0x00, 0x74, 0x6E, 0x5B, 0x5D, 0x80, 0xED]

    /// Valid orders around the day's edges, with duplicates and the generator's faults, then a
    /// share of records mutated at the byte level.
    static func stream(seed: UInt64, count: Int, window: DayWindow) -> [[UInt8]] {
        var generator = OrderGenerator(seed: seed, firstOrderID: 100)
        var random = SplitMix64(seed: seed &* 7919)
        let span = UInt64(window.end - window.start + 6 * 3600)
        var records: [[UInt8]] = []
        for _ in 0..<count {
            let t = window.start - 3 * 3600 + Int64(random.next(below: span))
            var record = generator.nextRecord(at: t, faultRate: 0.2)
            if random.nextUnit() < 0.35 { record = mutate(record, with: &random) }
            records.append(record)
        }
        return records
    }

    /// One byte-level accident: cut short, a byte replaced, a JSON snippet inserted, or a field's
    /// value swapped for one of the wrong type or range.
    static func mutate(_ original: [UInt8], with random: inout SplitMix64) -> [UInt8] {
        var record = original
        if !record.isEmpty {
            let at = Int(random.next(below: UInt64(record.count)))
            switch random.next(below: 4) {
            case 0: record = Array(record[..<at])
            case 1: record[at] = bytes[Int(random.next(below: UInt64(bytes.count)))]
            case 2: record.insert(contentsOf: Array(snippets[Int(random.next(below: UInt64(snippets.count)))].utf8), at: at)
            default:
                let text = String(decoding: record, as: UTF8.self)
                let fields = ["order_id", "customer_per_order", "amount", "timestamp", "quantity", "price"]
                let field = fields[Int(random.next(below: UInt64(fields.count)))]
                let values = ["1e3", "2.0", "true", "null", "\"7\"", "0", "-1", "101", "1001",
                              "9007199254740992", "99999999999999999999", "[]", "{}"]
                let value = values[Int(random.next(below: UInt64(values.count)))]
                if let range = text.range(of: "\"\(field)\":") {
                    let after = text[range.upperBound...]
                    let end = after.firstIndex { $0 == "," || $0 == "}" } ?? after.endIndex
                    record = Array((text[..<range.upperBound] + value + text[end...]).utf8)
                }
            }
        }
        return record
    }

    @Test(arguments: [("Asia/Kolkata", "2025-11-20", UInt64(1)), ("Europe/London", "2025-10-26", UInt64(2)),
                      ("America/New_York", "2025-03-09", UInt64(3)), ("UTC", "2025-06-01", UInt64(4))])
    func theDashboardAgreesWithAnIndependentRecomputation(zone: String, day: String, seed: UInt64) throws {
        let window = DayWindow(day: LocalDay(day)!, zone: TimeZone(identifier: zone)!)
        let records = Self.stream(seed: seed, count: 4_000, window: window)
        // One partition: arrival order is production order, which decides which copy of a
        // duplicated id counts. Multi-partition ordering is covered by HeadlessTests.
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 1)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)
        for record in records { try producer.send(topic: "restaurant-sales", value: record) }
        try producer.flush(timeout: 20)

        let file = NSTemporaryDirectory() + "tiffin-records-\(UUID().uuidString).b64"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try records.map { Data($0).base64EncodedString() }.joined(separator: "\n")
            .appending("\n").write(toFile: file, atomically: true, encoding: .utf8)

        let now = Int(Date().timeIntervalSince1970)
        let ours = try Run("dashboard", [
            "-b", broker.bootstrapServers, "--from", "beginning", "--json", "--day", day, "--tz", zone,
            "--log-file", NSTemporaryDirectory() + "tiffin-test.log",
        ])
        #expect(ours.status == 0, "\(ours.stderr)")

        let theirs = try recompute(file, day: day, zone: zone, now: now)

        let a = try expectSameSnapshot(Data(ours.stdout.utf8), theirs)
        // The stream must actually exercise the contract.
        let rejected = (a?["rejected"] as? [String: Int]) ?? [:]
        #expect(rejected.values.filter { $0 > 0 }.count >= 6, "\(rejected)")
        #expect((a?["orders"] as? Int ?? 0) > 500)
        #expect((a?["duplicates"] as? Int ?? 0) > 10)
    }
}

/// The dashboard's `--json` snapshot equals the re-computation's, key for key (each key that
/// differs is recorded on its own); returns the dashboard's, parsed.
func expectSameSnapshot(
    _ ours: Data, _ theirs: Data, sourceLocation: SourceLocation = #_sourceLocation
) throws -> NSDictionary? {
    let a = try JSONSerialization.jsonObject(with: ours) as? NSDictionary
    let b = try JSONSerialization.jsonObject(with: theirs) as? NSDictionary
    #expect(a != nil && a == b, sourceLocation: sourceLocation)
    if let a = a as? [String: Any], let b = b as? [String: Any], a as NSDictionary != b as NSDictionary {
        for key in Set(a.keys).union(b.keys) where !(a[key].map { "\($0)" } == b[key].map { "\($0)" }) {
            Issue.record("\(key): dashboard \(a[key] ?? "nil") vs recompute \(b[key] ?? "nil")", sourceLocation: sourceLocation)
        }
    }
    return a
}

/// `tools/recompute.py` over a file of base64 records (one per line): its JSON snapshot.
func recompute(_ file: String, day: String, zone: String, now: Int) throws -> Data {
    // Into a file, not a pipe: a pipe's write end can leak into a process another test starts
    // at the same moment, and reading it to the end would then wait for that process.
    let output = NSTemporaryDirectory() + "tiffin-recompute-\(UUID().uuidString).json"
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: output) }
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", repositoryRoot() + "/tools/recompute.py", file, "--day", day, "--tz", zone, "--now", String(now)]
    python.standardOutput = FileHandle(forWritingAtPath: output)
    try python.run()
    python.waitUntilExit()
    #expect(python.terminationStatus == 0, "tools/recompute.py failed")
    return (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data()
}

func repositoryRoot() -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
