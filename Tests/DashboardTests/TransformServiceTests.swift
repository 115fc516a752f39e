import Foundation
import GoldStream
import Kafka
import TestSupport
import Testing
import Transform

/// The `transform` service against a `broker` process: two instances in one group over 12
/// partitions, a hostile stream (valid orders, duplicates, every kind of fault the simulated
/// till makes), one instance killed with SIGKILL mid-stream and started again. Every input
/// record must come out exactly once downstream: as a gold row (deduplicated by order id) or as
/// a reject (deduplicated by its source partition and offset), with the same counts as the
/// dashboard reading the raw topic.
@Suite(.timeLimit(.minutes(4)), .serialized) struct TransformServiceTests {
    static let log = NSTemporaryDirectory() + "tiffin-transform-tests.log"

    static func readAll(_ brokers: String, topic: String) throws -> [(key: [UInt8]?, value: [UInt8], headers: [Header], place: String)] {
        var config = KafkaConfig()
        config.set("bootstrap.servers", brokers)
        config.set("isolation.level", "read_committed")
        let consumer = try Consumer(
            config: config, options: .init(topic: topic, stopAtStartWatermarks: true), logger: quietLogger)
        var out: [(key: [UInt8]?, value: [UInt8], headers: [Header], place: String)] = []
        let deadline = Date().addingTimeInterval(60)
        loop: while Date() < deadline {
            switch consumer.next(timeout: 0.5) {
            case let .batch(batch):
                for i in 0..<batch.count {
                    let record = batch.records[i]
                    out.append((batch.key(at: i), batch.value(at: i), batch.headers(at: i), "\(record.partition)/\(record.offset)"))
                }
            case .closed: break loop
            case .timedOut: continue
            }
        }
        return out
    }

    static func header(_ name: String, _ headers: [Header]) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    @Test func twoInstancesAndAKillAccountForEveryRecordOnce() throws {
        let broker = try BrokerProcess(arguments: [
            "--partitions", "12", "--topic", "restaurant-sales-gold", "--topic", "restaurant-sales-rejects",
            "--log-file", Self.log,
        ])
        let outbox = NSTemporaryDirectory() + "tiffin-transform-outbox-\(UUID().uuidString)"
        let flags = ["-b", broker.address, "--log-file", Self.log, "--batch", "200"]
        // A first part of the stream before anyone reads, the rest while they run.
        let first = try Run("producer", [
            "simulate", "-b", broker.address, "--count", "6000", "--fault-rate", "0.15", "--seed", "11",
            "--till", "41", "--outbox", outbox, "--log-file", Self.log,
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let a = try Spawned("transform", flags + ["--instance", "a"])
        let b = try Spawned("transform", flags + ["--instance", "b"])
        let more = try Spawned("producer", [
            "simulate", "-b", broker.address, "--rate", "400", "--duration", "6", "--fault-rate", "0.15", "--seed", "12",
            "--till", "42", "--outbox", outbox + "-2", "--log-file", Self.log,
        ])
        usleep(3_000_000)
        b.signal(SIGKILL)
        b.wait(upTo: 5)
        // b again, under its name: it fences the dead one's open transaction.
        let c = try Spawned("transform", flags + ["--instance", "b"])
        #expect(more.wait(upTo: 60), "the second producer hung")
        #expect(more.status == 0, "\(more.stderr)")

        // The raw truth, from the dashboard reading the source topic.
        let day = LocalDay(daysSinceEpoch: Int64(Date().timeIntervalSince1970) / 86_400).description
        let dayFlags = ["--day", day, "--tz", "UTC"]
        let raw = try Run("dashboard", ["-b", broker.address, "--json", "--from", "beginning", "--log-file", Self.log] + dayFlags)
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any])
        let orders = try #require((snapshot["orders"] as? NSNumber)?.intValue)
        let duplicates = try #require((snapshot["duplicates"] as? NSNumber)?.intValue)
        let rejected = try #require(snapshot["rejected"] as? [String: NSNumber]).mapValues(\.intValue)

        // Wait until the transforms have caught up: every input record accounted for.
        var goldIDs = Set<Int64>()
        var rejectSources = [String: String]()  // "partition/offset" → reason
        let deadline = Date().addingTimeInterval(90)
        repeat {
            usleep(1_000_000)
            goldIDs = Set(try Self.readAll(broker.address, topic: "restaurant-sales-gold").compactMap { record in
                (try? JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])?["order_id"]
                    .flatMap { ($0 as? NSNumber)?.int64Value }
            })
            rejectSources = [:]
            for record in try Self.readAll(broker.address, topic: "restaurant-sales-rejects") {
                let key = "\(Self.header("source.partition", record.headers) ?? "?")/\(Self.header("source.offset", record.headers) ?? "?")"
                rejectSources[key] = Self.header("reason", record.headers) ?? "?"
            }
        } while goldIDs.count + rejectSources.count < orders + duplicates + rejected.values.reduce(0, +) && Date() < deadline
        a.signal(SIGTERM)
        c.signal(SIGTERM)
        #expect(a.wait(upTo: 30) && c.wait(upTo: 30), "a transform did not stop on SIGTERM")

        #expect(goldIDs.count == orders, "gold \(goldIDs.count) vs raw orders \(orders)")
        var byReason = [String: Int]()
        for reason in rejectSources.values { byReason[reason, default: 0] += 1 }
        #expect(byReason["duplicate", default: 0] == duplicates, "\(byReason) vs \(duplicates) duplicates")
        for (reason, count) in rejected where count > 0 {
            #expect(byReason[reason, default: 0] == count, "\(reason): \(byReason[reason, default: 0]) vs \(count)")
        }
        #expect(rejected.values.reduce(0, +) > 0 && duplicates > 0, "the stream was not hostile enough to test anything")

        // The dashboard reading the gold stream shows exactly what it shows from the raw topic,
        // counters included.
        let fromGold = try Run("dashboard", [
            "-b", broker.address, "--json", "--from", "beginning", "--source", "gold", "--log-file", Self.log,
        ] + dayFlags)
        #expect(fromGold.status == 0, "\(fromGold.stderr)")
        let goldSnapshot = try #require(try JSONSerialization.jsonObject(with: Data(fromGold.stdout.utf8)) as? [String: Any])
        func canonical(_ value: Any?) -> Data? {
            value.flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
        }
        for key in snapshot.keys.sorted() {
            let same = canonical(snapshot[key]) == canonical(goldSnapshot[key])
            let rawText = String(decoding: canonical(snapshot[key]) ?? Data(), as: UTF8.self).prefix(300)
            let goldText = String(decoding: canonical(goldSnapshot[key]) ?? Data(), as: UTF8.self).prefix(300)
            #expect(same, "\(key): raw \(rawText) vs gold \(goldText)")
        }

        // And both equal the independent re-computation of the contract over the raw records.
        let file = NSTemporaryDirectory() + "tiffin-transform-records-\(UUID().uuidString).b64"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let rawRecords = try Self.readAll(broker.address, topic: "restaurant-sales")
        // Every reject is its source record, byte for byte.
        let rawByPlace = Dictionary(rawRecords.map { ($0.place, $0.value) }, uniquingKeysWith: { a, _ in a })
        var mismatched = 0
        for record in try Self.readAll(broker.address, topic: "restaurant-sales-rejects") {
            let place = "\(Self.header("source.partition", record.headers) ?? "?")/\(Self.header("source.offset", record.headers) ?? "?")"
            if rawByPlace[place] != record.value { mismatched += 1 }
        }
        #expect(mismatched == 0, "\(mismatched) rejects differ from their source records")
        try rawRecords.map { Data($0.value).base64EncodedString() }.joined(separator: "\n")
            .appending("\n").write(toFile: file, atomically: true, encoding: .utf8)
        let theirs = try recompute(file, day: day, zone: "UTC", now: Int(Date().timeIntervalSince1970))
        let recomputed = try #require(try JSONSerialization.jsonObject(with: theirs) as? [String: Any])
        for key in recomputed.keys.sorted() {
            #expect(canonical(recomputed[key]) == canonical(goldSnapshot[key]), "\(key): recompute vs gold")
        }
    }

    @Test func anUnreachableClusterOrAMissingTopicIsOneSentenceAndExitTwo() throws {
        let nowhere = "127.0.0.1:\(try freeLoopbackPort())"
        let unreachable = try Run("transform", ["-b", nowhere, "--timeout", "2", "--log-file", Self.log])
        #expect(unreachable.status == 2)
        #expect(unreachable.stderr.contains("cannot reach Kafka at \(nowhere) within 2 s"), "\(unreachable.stderr)")
        #expect(unreachable.seconds < 2 + 5)

        let broker = try BrokerProcess(arguments: ["--partitions", "2", "--log-file", Self.log])
        let missing = try Run("transform", ["-b", broker.address, "--timeout", "5", "--log-file", Self.log])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("topic 'restaurant-sales-gold' (--gold) does not exist"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }

    /// A topic name a real cluster would refuse is caught by every program before it starts.
    @Test func aTopicNameKafkaWouldRefuseIsOneSentenceAndExitTwo() throws {
        let rule = "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-'"
        for (program, arguments, sentence) in [
            ("transform", ["-b", "127.0.0.1:1", "--gold", "gold rows"], "--gold gold rows: \(rule) (not U+0020)"),
            ("transform", ["-b", "127.0.0.1:1", "--rejects", "dlq!"], "--rejects dlq!: \(rule) (not '!')"),
            ("dashboard", ["-b", "127.0.0.1:1", "--json", "--rejects", ".."], "--rejects ..: '..' cannot be a topic name"),
            ("dashboard", ["-b", "127.0.0.1:1", "--json", "-t", "sales/today"], "-t sales/today: \(rule) (not '/')"),
            ("producer", ["simulate", "-b", "127.0.0.1:1", "-t", "ventas-año", "--count", "1"], "-t ventas-a?o: \(rule) (not U+00F1)"),
            ("broker", ["--topic", String(repeating: "t", count: 250)], "a topic name is at most 249 characters (this one has 250)"),
        ] {
            let run = try Run(program, arguments)
            #expect(run.status == 2, "\(program) \(arguments): \(run.stderr)")
            #expect(run.stderr.contains(sentence), "\(program) \(arguments): \(run.stderr)")
        }
    }
}

/// The service's status line names its partitions as runs (64 partitions: one short line).
@Suite struct PartitionListTests {
    @Test func partitionsAreWrittenAsRuns() {
        #expect(GoldStreamService.describe([]) == "none")
        #expect(GoldStreamService.describe([5]) == "5")
        #expect(GoldStreamService.describe(Array(0..<64)) == "0–63 (64)")
        #expect(GoldStreamService.describe([9, 0, 1, 2, 3, 7, 10, 11, 3]) == "0–3, 7, 9–11 (8)")
        #expect(GoldStreamService.describe([4, 6]) == "4, 6 (2)")
    }
}

