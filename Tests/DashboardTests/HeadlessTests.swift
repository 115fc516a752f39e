import Foundation
import Kafka
import Terminal
import TestSupport
import Testing
import Transform

/// The dashboard as a user runs it: a separate process reading an embedded broker over TCP.
@Suite(.timeLimit(.minutes(3))) struct HeadlessTests {
    /// 2025-11-20 00:00:00 in Asia/Kolkata.
    static let dayStart: Int64 = 1_763_577_000

    static func record(_ id: Int, _ table: String, _ customers: Int, _ mode: String,
                       _ items: [(String, Int, Int)], amount: Int, at t: Int64) -> String {
        let lines = items.map { #"{"name": "\#($0.0)", "quantity": \#($0.1), "price": \#($0.2)}"# }
        return #"{"order_id": \#(id), "table_id": "\#(table)", "customer_per_order": \#(customers), "payment_mode": "\#(mode)", "items": [\#(lines.joined(separator: ", "))], "amount": \#(amount), "timestamp": \#(t)}"#
    }

    /// A small day whose totals were worked out by hand.
    static let day: [(key: String, value: String)] = [
        ("1", record(1, "T1", 2, "CASH", [("Masala Dosa", 2, 70)], amount: 140, at: dayStart + 12 * 3600 + 5 * 60 + 10)),
        ("2", record(2, "T2", 3, "upi", [("Idli", 1, 40), ("Tea", 3, 10)], amount: 70, at: dayStart + 12 * 3600 + 5 * 60 + 50)),
        ("1", record(1, "T9", 9, "CARD", [("Lassi", 1, 25)], amount: 25, at: dayStart + 13 * 3600)),
        ("3", record(3, "T3", 1, "CASH", [("Tea", 1, 10)], amount: 10, at: dayStart - 1)),
        ("4", record(4, "T4", 1, "CARD", [("Filter Coffee", 1, 30), ("Coffee", 1, 20)], amount: 50, at: dayStart + 86_399)),
        ("x", "{bad"),
        ("5", record(5, "T5", 1, "CASH", [("Tea", 1, 10)], amount: 11, at: dayStart + 3600)),
        ("6", record(6, "T6", 1, "CASH", [("Tea", 1, 10)], amount: 10, at: dayStart + 86_400)),
    ]

    static var expected: [String: Any] { [
        "day": "2025-11-20", "tz": "Asia/Kolkata",
        "orders": 3, "revenue": 260, "customers": 6,
        "items": [
            "Masala Dosa": ["quantity": 2, "revenue": 140], "Idli": ["quantity": 1, "revenue": 40],
            "Tea": ["quantity": 3, "revenue": 30], "Filter Coffee": ["quantity": 1, "revenue": 30],
            "Coffee": ["quantity": 1, "revenue": 20],
        ],
        "payment_modes": [
            "CASH": ["orders": 1, "revenue": 140], "UPI": ["orders": 1, "revenue": 70],
            "CARD": ["orders": 1, "revenue": 50],
        ],
        "minutes": ["12:05": ["orders": 2, "revenue": 210], "23:59": ["orders": 1, "revenue": 50]],
        "rejected": [
            "too_large": 0, "malformed_json": 1, "missing_order_id": 0, "invalid_field": 0,
            "empty_items": 0, "unknown_payment_mode": 0, "invalid_timestamp": 0, "amount_mismatch": 1,
        ],
        "warnings": ["unknown_item": 1, "price_mismatch": 1],
        "duplicates": 1, "outside_day": 2,
    ] }

    func loadedBroker(partitions: Int) throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: partitions)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)
        for r in Self.day {
            try producer.send(topic: "restaurant-sales", key: Array(r.key.utf8), value: Array(r.value.utf8))
        }
        try producer.flush(timeout: 10)
        return broker
    }

    func args(_ broker: EmbeddedBroker, _ extra: [String]) -> [String] {
        ["-b", broker.bootstrapServers, "--from", "beginning", "--day", "2025-11-20",
         "--tz", "Asia/Kolkata", "--log-file", NSTemporaryDirectory() + "tiffin-test.log"] + extra
    }

    @Test func jsonMatchesTheDayWorkedOutByHand() throws {
        let broker = try loadedBroker(partitions: 4)
        let run = try Run("dashboard", args(broker, ["--json"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? NSDictionary
        #expect(object == Self.expected as NSDictionary)
    }

    @Test func untilCaughtUpIsImpliedAndTheQuarantineKeepsRejects() throws {
        let broker = try loadedBroker(partitions: 2)
        let file = NSTemporaryDirectory() + "tiffin-quarantine-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try Run("dashboard", args(broker, ["--json", "--until-caught-up", "--quarantine", file]))
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.contains { $0.contains(#""reason":"malformed_json""#) && $0.contains(#""value":"{bad""#) })
        #expect(lines.contains { $0.contains(#""reason":"amount_mismatch""#) })
    }

    @Test func onceIsAPlainTextReport() throws {
        let broker = try loadedBroker(partitions: 3)
        let run = try Run("dashboard", args(broker, ["--once"]))
        #expect(run.status == 0, "\(run.stderr)")
        let out = run.stdout
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("Tiffin · restaurant-sales · 2025-11-20 (Asia/Kolkata)") == true, "\(out)")
        // The screen's header: labels over their figures.
        #expect(lines.contains { $0.contains("REVENUE TODAY") && $0.contains("ORDERS") })
        #expect(lines.contains { $0.contains("₹260") && $0.contains(" 3 ") })
        // Every dish, the one not on the menu marked.
        #expect(lines.contains { $0.contains("Filter Coffee") && $0.contains(" * ") })
        for dish in ["Masala Dosa", "Idli", "Tea", "Coffee"] { #expect(out.contains(dish)) }
        // The Quality panel: every reason with its count.
        #expect(lines.contains { $0.contains("malformed_json") && $0.contains(" 1 ") })
        #expect(lines.contains { $0.contains("amount_mismatch") && $0.contains(" 1 ") })
        #expect(lines.contains { $0.contains("too_large") && $0.contains(" 0") })
        #expect(lines.allSatisfy { Frame.columns($0) <= 80 })
        #expect(!out.contains("\u{1B}["))
    }

    @Test func anEmptyTopicGivesTheAllZeroSnapshotAtOnce() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 8)
        let run = try Run("dashboard", args(broker, ["--json"]))
        #expect(run.status == 0)
        #expect(run.seconds < 5)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["orders"] as? Int == 0)
        #expect((object?["items"] as? [String: Any])?.isEmpty == true)
    }

    @Test func anUnreachableBrokerIsOneSentenceAndExitTwo() throws {
        let run = try Run("dashboard", ["-b", "127.0.0.1:1", "--json", "--timeout", "2", "--log-file", "-"])
        #expect(run.status == 2)
        #expect(run.seconds < 8)
        let lastLine = run.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.contains("cannot reach Kafka at 127.0.0.1:1"))
        #expect(run.stdout.isEmpty)
    }

    @Test func anUnknownTopicIsOneSentenceAndExitTwo() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        let run = try Run("dashboard", args(broker, ["-t", "resturant-sales", "--json"]))
        #expect(run.status == 2)
        #expect(run.stderr.contains("topic 'resturant-sales' does not exist"))
    }

    @Test(arguments: [
        ["--tz", "Mars/Olympus"], ["--day", "2025-02-30"], ["--json", "--once"],
        ["-X", "no.such.property=1"], ["-X", "novalue"], ["--timeout", "0"], ["--from", "yesterday"],
        ["--menu", "/nonexistent.yaml"],
    ])
    func badFlagsExitTwo(extra: [String]) throws {
        let run = try Run("dashboard", ["-b", "127.0.0.1:9", "--json", "--log-file", "-"] + extra)
        #expect(run.status == 2, "\(extra): \(run.stderr)")
        #expect(!run.stderr.isEmpty)
    }
}
