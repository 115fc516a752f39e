import ArgumentParser
import Foundation
import Kafka
import Till
import TiffinCLI
import Transform

/// `producer simulate`: plausible orders at a rate, through the outbox like any other order.
/// Orders are journaled in groups (one fsync per group: per tick at a steady rate, per 1,000
/// orders flat out), and each group is handed to Kafka only after its fsync.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Send simulated orders (a busy till), with a small share of faulty records.",
        discussion: """
            Examples:
              producer simulate -b 127.0.0.1:9092 --rate 5
              producer simulate -b 127.0.0.1:9092 --count 500
              producer simulate -b 127.0.0.1:9092 --count 1000000 --rate 0 --spread-today
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions
    @OptionGroup(title: "Till") var tillOptions: TillOptions

    @Option(name: .customLong("rate"), help: ArgumentHelp(
        "Orders per second (0: as fast as possible; default: 0 with --count, else 2).", valueName: "n"))
    var rateOption: Double?

    @Option(help: ArgumentHelp("Stop after this many orders (default: run until Ctrl-C).", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Seed (same seed, same orders).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Share of faulty records, 0 to 1 (duplicates, truncations, …).", valueName: "share"))
    var faultRate: Double = 0.02

    @Flag(help: "Spread the event times of --count orders over today so far (sent as fast as possible).")
    var spreadToday = false

    @Option(name: .customLong("menu"), help: ArgumentHelp("Restaurant configuration (YAML).", valueName: "file"))
    var menuFile: String?

    @OptionGroup(title: "Logging") var log: LogOptions

    /// `--count N` alone sends N orders at once; otherwise a steady 2 a second.
    var rate: Double { rateOption ?? (count != nil ? 0 : 2) }

    func validate() throws {
        if rate < 0 || !rate.isFinite { throw ValidationError("--rate \(rate): expected 0 or more orders per second") }
        if let count, count < 0 { throw ValidationError("--count \(count): expected 0 or more") }
        if let duration, !(duration > 0) { throw ValidationError("--duration \(duration): expected more than 0 seconds") }
        if !(0...1).contains(faultRate) { throw ValidationError("--fault-rate \(faultRate): expected 0 to 1") }
        if spreadToday && count == nil { throw ValidationError("--spread-today needs --count") }
        if rate == 0 && count == nil && duration == nil {
            throw ValidationError("--rate 0 sends as fast as possible; give --count or --duration too")
        }
    }

    func run() throws {
        Signals.start(grace: tillOptions.timeout + 10)
        let logger = try log.bootstrap(label: "producer", defaultPath: nil)
        let restaurant = try menuFile.map(RestaurantFile.load) ?? .seed
        let session = try TillSession(kafka: kafka, till: tillOptions, logger: logger)
        let reachable = try session.sender.checkCluster(timeout: tillOptions.timeout)

        let now = Int64(Date().timeIntervalSince1970)
        var ids = OrderIDs(till: tillOptions.tillNumber, resuming: session.outbox.lastOrderID)
        var generator = OrderGenerator(restaurant: restaurant, seed: seed ?? UInt64(now))
        let started = Date()
        let stopAt = duration.map { started.addingTimeInterval($0) }
        var journaled = 0
        func more() -> Bool {
            Signals.pending() == nil && count.map { journaled < $0 } ?? true
                && stopAt.map { Date() < $0 } ?? true
        }
        // One buffer for every group: each order is written once, into its journal frame, and
        // goes to Kafka from there.
        var batch = Outbox.Batch(capacity: 4000 * 320)
        var record: [UInt8] = []
        record.reserveCapacity(1024)
        func submit(count: Int, eventTime: (Int) -> Int64) throws {
            let clock = Int64(Date().timeIntervalSince1970)
            batch.removeAll()
            for n in 0..<count {
                let t = eventTime(n)
                record.removeAll(keepingCapacity: true)
                // The key is the id the record carries (a simulated resend carries an earlier one).
                let orderID = generator.appendRecord(at: t, faultRate: faultRate, id: ids.next(now: clock), to: &record)
                batch.add(orderID: orderID, timestamp: t * 1000) { $0.append(contentsOf: record) }
            }
            try session.sender.submit(&batch, now: clock, sync: true, wait: reachable ? 30 : 0)
            journaled += count
        }

        if rate == 0 || spreadToday, let total = count {
            // As fast as possible, 4,000 orders (~1 MB) per fsync; event times now, or over today.
            let from = spreadToday ? DayWindow.containing(now, zone: .current).start : now
            let step = Double(max(now, from + 1) - from) / Double(max(total, 1))
            while more() {
                let first = journaled
                try submit(count: min(4000, total - journaled)) { from + Int64(Double(first + $0) * step) }
            }
        } else if rate == 0 {
            while more() {
                let now = Int64(Date().timeIntervalSince1970)
                try submit(count: 4000) { _ in now }
            }
        } else {
            // A steady rate: every 50 ms, the orders now due, in one group.
            while more() {
                let due = Int(Date().timeIntervalSince(started) * rate) + 1 - journaled
                let batch = min(due, count.map { $0 - journaled } ?? due)
                if batch > 0 {
                    let now = Int64(Date().timeIntervalSince1970)
                    try submit(count: batch) { _ in now }
                } else {
                    session.sender.serveReports(timeout: 0.05)
                }
            }
        }
        try session.finish(
            idle: reachable ? tillOptions.timeout : 1, journaled: journaled, what: "orders",
            unreachable: reachable ? nil : "Kafka at \(kafka.brokers ?? "?") did not answer within \(String(format: "%g", tillOptions.timeout)) s")
    }
}
