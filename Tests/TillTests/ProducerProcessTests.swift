import Foundation
import Kafka
import TestSupport
import Testing
import Till
import Transform

/// The `producer` executable against a `broker` process: what reaches the topic, what the
/// outbox keeps through outages and kills, and the one-sentence errors.
@Suite(.timeLimit(.minutes(3))) struct ProducerProcessTests {
    static let log = ["--log-file", NSTemporaryDirectory() + "tiffin-producer-tests.log"]

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "tiffin-outbox-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Every record on `topic` (all partitions, from the beginning to the end at start).
    static func records(_ brokers: String, topic: String = "restaurant-sales") throws -> [(key: [UInt8]?, value: [UInt8], timestamp: Int64)] {
        var config = KafkaConfig()
        config.set("bootstrap.servers", brokers)
        let consumer = try Consumer(
            config: config, options: .init(topic: topic, stopAtStartWatermarks: true), logger: quietLogger)
        var out: [(key: [UInt8]?, value: [UInt8], timestamp: Int64)] = []
        let deadline = Date().addingTimeInterval(30)
        loop: while Date() < deadline {
            switch consumer.next(timeout: 0.2) {
            case let .batch(batch):
                for i in 0..<batch.count { out.append((batch.key(at: i), batch.value(at: i), batch.records[i].timestamp)) }
            case .closed: break loop
            case .timedOut: continue
            }
        }
        return out
    }

    static func orderID(_ value: [UInt8]) -> Int64? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else { return nil }
        return (object["order_id"] as? NSNumber)?.int64Value
    }

    /// The ids of one till's run, sorted, have no hole: each is the one before plus one, or the
    /// first of a later second. (A batch lost in the middle would leave a hole.)
    static func holes(in sorted: [Int64]) -> Int {
        var holes = 0
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            let (sa, _, _) = OrderIDs.parts(of: a)
            let (sb, _, qb) = OrderIDs.parts(of: b)
            if !(b == a + 1 || (qb == 0 && sb > sa)) { holes += 1 }
        }
        return holes
    }

    @Test func simulateCountSendsThatManyValidOrdersWithDistinctIDs() throws {
        let broker = try BrokerProcess(arguments: ["--partitions", "4"] + Self.log)
        let outbox = Self.temporaryDirectory()
        let run = try Run("producer", [
            "simulate", "-b", broker.address, "--count", "500", "--fault-rate", "0", "--till", "11",
            "--outbox", outbox,
        ] + Self.log)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("sent 500 orders; 500 delivered to restaurant-sales"), "\(run.stderr)")
        let records = try Self.records(broker.address)
        #expect(records.count == 500)
        let ids = records.compactMap { Self.orderID($0.value) }
        #expect(ids.count == 500 && Set(ids).count == 500)
        #expect(ids.allSatisfy { OrderIDs.parts(of: $0).till == 11 && $0 <= OrderIDs.maximum })
        // Key = order id; record time = event time.
        for record in records.prefix(50) {
            let id = try #require(Self.orderID(record.value))
            #expect(record.key == Array(String(id).utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
            #expect(record.timestamp == ((object["timestamp"] as? NSNumber)?.int64Value ?? -1) * 1000)
        }
        // Every one is valid: the dashboard counts 500 orders, nothing rejected.
        let report = try Run("dashboard", ["-b", broker.address, "--json", "--from", "beginning"] + Self.log)
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect((snapshot["orders"] as? NSNumber)?.intValue == 500, "\(report.stdout.prefix(400))")
        #expect(try Outbox.inspect(directory: outbox).waiting == 0)
    }

    /// Kafka unreachable: the orders are journaled, the command says where they are and exits 1
    /// within its timeout; once a broker is there, `outbox --send` delivers every one, and the
    /// dashboard counts each exactly once.
    @Test func ordersKeptWhileKafkaIsDownAreDeliveredOnceItIsBack() throws {
        let outbox = Self.temporaryDirectory()
        let nowhere = "127.0.0.1:\(try freeLoopbackPort())"
        let offline = try Run("producer", [
            "simulate", "-b", nowhere, "--count", "300", "--rate", "0", "--fault-rate", "0", "--till", "12",
            "--outbox", outbox, "--timeout", "2",
        ] + Self.log)
        #expect(offline.status == 1, "\(offline.stderr)")
        #expect(offline.stderr.split(separator: "\n").count == 1, "\(offline.stderr)")
        #expect(offline.stderr.contains("did not answer within 2 s: 300 orders are kept in the outbox (\(outbox)); run `producer outbox --send` when Kafka is reachable"), "\(offline.stderr)")
        #expect(offline.seconds < 2 + 8)
        let waiting = try Run("producer", ["outbox", "--outbox", outbox])
        #expect(waiting.status == 0)
        #expect(waiting.stdout.contains("300 orders wait in the outbox \(outbox)"), "\(waiting.stdout)")

        let broker = try BrokerProcess(arguments: ["--partitions", "4"] + Self.log)
        let send = try Run("producer", ["outbox", "--send", "-b", broker.address, "--outbox", outbox, "--till", "12"] + Self.log)
        #expect(send.status == 0, "\(send.stderr)")
        #expect(send.stderr.contains("sent the 300 orders an earlier run left in the outbox; 300 delivered"), "\(send.stderr)")
        let empty = try Run("producer", ["outbox", "--outbox", outbox])
        #expect(empty.stdout.contains("is empty"), "\(empty.stdout)")

        let report = try Run("dashboard", ["-b", broker.address, "--json", "--from", "beginning"] + Self.log)
        let snapshot = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        #expect((snapshot["orders"] as? NSNumber)?.intValue == 300)
        let ids = try Self.records(broker.address).compactMap { Self.orderID($0.value) }
        #expect(Set(ids).count == 300)
    }

    /// SIGKILL in the middle of a fast `simulate`: nothing it journaled is lost. After a
    /// restart (`outbox --send`) the topic holds every id up to the last one journaled, without
    /// a hole (duplicates allowed: the dashboard dedupes them).
    @Test func aProducerKilledMidSimulateLosesNothingItJournaled() throws {
        let broker = try BrokerProcess(arguments: ["--partitions", "4"] + Self.log)
        let outbox = Self.temporaryDirectory()
        let producer = try Spawned("producer", [
            "simulate", "-b", broker.address, "--count", "2000000", "--rate", "0", "--fault-rate", "0",
            "--till", "13", "--outbox", outbox,
        ] + Self.log)
        // Kill it once it has journaled a good number of orders.
        let journal = outbox + "/journal"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: journal)[.size] as? Int) ?? 0
            if size > 3_000_000 { break }
            usleep(20_000)
        }
        producer.signal(SIGKILL)
        producer.wait(upTo: 5)

        let lastJournaled: Int64
        do {
            let opened = try Outbox(directory: outbox, now: Int64(Date().timeIntervalSince1970))
            lastJournaled = try #require(opened.lastOrderID)
            opened.close()
        }
        let send = try Run("producer", ["outbox", "--send", "-b", broker.address, "--outbox", outbox, "--till", "13"] + Self.log)
        #expect(send.status == 0, "\(send.stderr)")

        let ids = Set(try Self.records(broker.address).compactMap { Self.orderID($0.value) }).sorted()
        #expect(ids.count > 1000)
        #expect(ids.last == lastJournaled)
        #expect(OrderIDs.parts(of: ids.first ?? 0).sequence == 0)
        #expect(Self.holes(in: ids) == 0)
    }

    @Test func sendReportsARecordKafkaRefusesByLineAndSendsTheRest() throws {
        let broker = try BrokerProcess(arguments: ["--partitions", "2"] + Self.log)
        let outbox = Self.temporaryDirectory()
        let file = outbox + "-orders.jsonl"
        var lines: [String] = []
        var generator = OrderGenerator(seed: 3, firstOrderID: 500)
        let now = Int64(Date().timeIntervalSince1970)
        for i in 0..<100 {
            lines.append(i == 49 ? "{\"order_id\": 9, \"pad\": \"\(String(repeating: "x", count: 2_000_000))\"}" : generator.next(at: now).json)
        }
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        for timeout in ["1", "30"] {
            let run = try Run("producer", [
                "send", "-b", broker.address, "--file", file, "--outbox", outbox + timeout, "--timeout", timeout, "--till", "15",
            ] + Self.log)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(run.stderr.contains("line 50: Kafka refused the record"), "\(run.stderr)")
            #expect(run.stderr.contains("sent 100 records; 99 delivered to restaurant-sales, 1 refused by Kafka"), "\(run.stderr)")
        }
        let values = try Self.records(broker.address).map(\.value)
        #expect(values.count == 2 * 99)
    }

    @Test(arguments: [["--file", "/"], ["--file", "/nonexistent/orders.jsonl"], []])
    func aBadSourceIsOneSentenceAndExitTwo(flags: [String]) throws {
        let run = try Run("producer", ["send", "-b", "127.0.0.1:1"] + flags + Self.log)
        #expect(run.status == 2)
        #expect(run.stderr.split(separator: "\n").count <= 3, "\(run.stderr)")
        #expect(!run.stderr.contains("Fatal error"))
        #expect(run.stderr.contains(flags.isEmpty ? "--file FILE" : flags[1]), "\(run.stderr)")
    }

    /// Two producers for the same till on one machine would issue the same ids, whatever
    /// their outboxes: the second is refused in one sentence.
    @Test func twoProducersCannotShareATill() throws {
        let first = try Spawned("producer", [
            "simulate", "-b", "127.0.0.1:1", "--rate", "1", "--till", "16", "--outbox", Self.temporaryDirectory(),
            "--timeout", "30",
        ] + Self.log)
        usleep(1_000_000)
        let second = try Run("producer", [
            "simulate", "-b", "127.0.0.1:1", "--count", "1", "--till", "16", "--outbox", Self.temporaryDirectory(),
        ] + Self.log)
        first.signal(SIGTERM)
        first.wait(upTo: 10)
        #expect(second.status == 2)
        #expect(second.stderr.contains("till 16 is in use by another producer on this machine"), "\(second.stderr)")
    }

    @Test func helpShowsEverySubcommandWithExamples() throws {
        let run = try Run("producer", ["--help"])
        #expect(run.status == 0)
        for word in ["form", "simulate", "send", "outbox", "Examples:"] {
            #expect(run.stdout.contains(word), "\(word)")
        }
    }

    @Test func twoProducersCannotShareAnOutbox() throws {
        let outbox = Self.temporaryDirectory()
        let holder = try Outbox(directory: outbox, now: 0)
        defer { holder.close() }
        let run = try Run("producer", ["simulate", "-b", "127.0.0.1:1", "--count", "1", "--outbox", outbox, "--till", "14"] + Self.log)
        #expect(run.status == 2)
        #expect(run.stderr.contains("in use"), "\(run.stderr)")
    }
}
