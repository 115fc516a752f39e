import Foundation
import TestSupport
import Testing

/// Outages end to end: a `broker --control` cluster of three, `producer simulate` streaming
/// orders through its outbox, and the full-screen dashboard in tmux, while the broker goes down
/// for 30 s and comes back, request errors are pushed on produce and fetch, and partition
/// leadership moves between brokers. The dashboard keeps drawing and says what happens; the
/// numbers stay on screen; afterwards `dashboard --json` holds exactly the orders the producer
/// had confirmed, none lost and none doubled.
@Suite(
    .timeLimit(.minutes(5)), .serialized,
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") && FileManager.default.isExecutableFile(atPath: "/usr/bin/kcat"),
        "needs tmux and kcat (make test installs them)"))
struct OutageTests {
    static let partitions = 8

    /// The number the ORDERS tile shows: the line under its label, from the label's column.
    static func orders(on pane: String) -> Int? {
        let lines = pane.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        for (n, line) in lines.enumerated() where n + 1 < lines.count {
            let text = String(line)
            guard let label = text.range(of: "ORDERS") else { continue }
            let column = text.distance(from: text.startIndex, to: label.lowerBound)
            let below = lines[n + 1]
            guard column < below.count else { return nil }
            let digits = below[column...].prefix { $0.isNumber || $0 == "," }.filter(\.isNumber)
            return Int(String(digits))
        }
        return nil
    }

    @Test func theDashboardSeesAnOutageThroughAndTheOrdersAddUp() throws {
        let broker = try BrokerProcess(
            arguments: ["--brokers", "3", "--partitions", "\(Self.partitions)"], control: true)
        let dir = NSTemporaryDirectory() + "tiffin-outage-\(UUID().uuidString.prefix(8))"
        // Kept when a check failed: the outbox, the producer's and the dashboards' logs.
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: dir) } }
        // A steady till through everything; it keeps what Kafka cannot take and sends it later.
        // One Produce request in flight per connection: the embedded broker takes an error
        // pushed for one request only, and does not check an idempotent producer's sequence
        // numbers unless it is transactional (librdkafka 2.0's mock). With several requests in
        // flight, an injected NOT_LEADER on a partition's first request and none on its second
        // gives a gap a real broker refuses (OUT_OF_ORDER_SEQUENCE_NUMBER) and this one stores;
        // librdkafka then takes the first batch as stored ("implicitly acked by subsequent batch
        // success") and confirms an order that is not there. Seen 2026-11-26: 1 of 10 runs of
        // this sequence at the default 5 in flight, 0 of 10 at 1 (README, Reliability). With a
        // real broker the implicit ack is right. `debug=eos` puts librdkafka's implicit acks in
        // the log, so a failure here says whether one happened.
        let till = try Spawned("producer", [
            "simulate", "-b", broker.address, "--rate", "40", "--duration", "70", "--fault-rate", "0",
            "--till", "73", "--outbox", dir + "/outbox", "--timeout", "60", "--log-file", dir + "/producer.log",
            "-X", "message.timeout.ms=120000", "-X", "max.in.flight.requests.per.connection=1",
            "-X", "debug=eos", "--log-level", "debug",
        ])
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let screen = try TmuxSession(
            "TERM=xterm-256color LANG=C.UTF-8 \(dashboard) -b \(broker.address) --from beginning --log-file \(dir)/dashboard.log",
            width: 120, height: 36)
        var pane = screen.wait(seconds: 30) { ($0.contains("caught up") || $0.contains("live")) && (Self.orders(on: $0) ?? 0) > 20 }
        let before = Self.orders(on: pane) ?? 0
        #expect(before > 20, "\(pane)")

        // (a) Every broker down for 30 s: the dashboard says so, with the time, and keeps what
        // it has on screen; then it says it reconnected.
        #expect(broker.control("down") == "ok all 3 brokers down")
        pane = screen.wait(seconds: 20) { $0.contains("broker down since") }
        #expect(pane.contains("broker down since"), "\(pane)")
        #expect(pane.range(of: #"broker down since \d\d:\d\d:\d\d"#, options: .regularExpression) != nil)
        #expect((Self.orders(on: pane) ?? 0) >= before, "the numbers left the screen: \(pane)")
        usleep(20_000_000)
        let during = screen.capture()
        #expect(during.contains("broker down since"), "\(during)")
        #expect((Self.orders(on: during) ?? 0) >= before)
        #expect(broker.control("up") == "ok all 3 brokers up")
        pane = screen.wait(seconds: 30) { $0.contains("reconnected") }
        #expect(pane.range(of: #"reconnected \d\d:\d\d:\d\d after \d+ s down"#, options: .regularExpression) != nil, "\(pane)")

        // (b) Transport and NOT_LEADER errors on produce and fetch.
        for line in ["error produce transport 4", "error fetch transport 4", "error produce not_leader 4",
                     "error fetch not_leader 4"] {
            #expect(broker.control(line).hasPrefix("ok the next 4"))
            usleep(1_000_000)
        }
        // (c) Leadership moves between the three brokers, partition by partition.
        for partition in 0..<Self.partitions {
            #expect(broker.control("leader \(partition) \(partition % 3 + 1)").hasPrefix("ok restaurant-sales [\(partition)] led by broker"))
            usleep(300_000)
        }
        let moved = Self.orders(on: screen.wait(seconds: 10) { (Self.orders(on: $0) ?? 0) > before })
        #expect((moved ?? 0) > before, "no new orders reached the screen after the faults")

        // The till ends (everything it journaled delivered: exit 0) and says how many.
        #expect(till.wait(upTo: 150), "the producer did not finish")
        #expect(till.status == 0, "\(till.stderr)")
        let said = till.stderr.range(of: #"sent (\d+) orders; (\d+) delivered"#, options: .regularExpression)
            .map { String(till.stderr[$0]) } ?? ""
        let numbers = said.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 1_500, "\(till.stderr)")
        let confirmed = numbers.first ?? -1

        // Exactly those orders, each once; and the screen shows the same number.
        let json = try Run("dashboard", [
            "-b", broker.address, "--json", "--from", "beginning", "--timeout", "30", "--log-file", dir + "/json.log",
        ])
        #expect(json.status == 0, "\(json.stderr)")
        let snapshot = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        // What the broker holds, read by kcat (not our consumer): every record, by key (the
        // order id).
        let dump = try Run("/bin/sh", ["-c", "kcat -b \(broker.address) -C -t restaurant-sales -e -q -o beginning -f '%p %o %k %T\\n' > \(dir)/topic.txt"])
        #expect(dump.status == 0, "\(dump.stderr)")
        let records = ((try? String(contentsOfFile: dir + "/topic.txt", encoding: .utf8)) ?? "").split(separator: "\n")
        let held = Set(records.compactMap { $0.split(separator: " ").dropFirst(2).first }).count
        let log = (try? String(contentsOfFile: dir + "/producer.log", encoding: .utf8)) ?? ""
        let implicit = log.split(separator: "\n").filter { $0.contains("implicitly acked") }.count
        let where_ = "the topic holds \(records.count) records with \(held) distinct keys; the producer confirmed \(confirmed)"
            + "; librdkafka acked \(implicit) batches implicitly (logs, outbox and topic.txt kept in \(dir))"

        // Reading: the dashboard counts each order the broker holds exactly once, in the
        // report and on the screen.
        if snapshot?["orders"] as? Int != held || held != confirmed || implicit > 0 { keep = true }
        #expect(snapshot?["orders"] as? Int == held, "\(json.stdout); \(where_)")
        let rejected = (snapshot?["rejected"] as? [String: Int])?.values.reduce(0, +)
        #expect(rejected == 0)
        pane = screen.wait(seconds: 30) { Self.orders(on: $0) == held }
        #expect(Self.orders(on: pane) == held, "\(pane)")

        // Writing: the broker holds every order the producer was told it holds, and no other.
        #expect(held == confirmed, "\(where_)")
        try screen.keys("q")
        #expect(screen.exitStatus() == "0")
    }
}
