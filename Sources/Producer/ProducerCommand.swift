import ArgumentParser
import Foundation
import Kafka
import Logging
import TiffinCLI
import Transform

/// `producer`: sends orders to the topic — simulated, or replayed from a file of JSON lines.
/// (The order-entry form arrives with the terminal UI.)
@main
struct ProducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "Send restaurant orders to Kafka: simulate a busy till, or replay a file.",
        discussion: """
            Every order is sent idempotently (acks=all) with its event time as the record \
            timestamp; the command waits for every delivery before it exits and reports \
            failures with exit code 1.

            Examples:
              producer -b 127.0.0.1:9092 --simulate --rate 5
              producer -b 127.0.0.1:9092 --simulate --count 100000 --rate 0 --spread-today
              producer -b 127.0.0.1:9092 --file orders.jsonl
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions

    @Flag(help: "Generate plausible orders.")
    var simulate = false

    @Option(help: ArgumentHelp("Simulated orders per second (0: as fast as possible).", valueName: "n"))
    var rate: Double = 2

    @Option(help: ArgumentHelp("Stop after this many simulated orders (default: run until Ctrl-C).", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Share of faulty simulated records, 0 to 1 (duplicates, truncations, …).", valueName: "share"))
    var faultRate: Double = 0.02

    @Flag(help: "Spread the event times of --count orders over today so far (instead of now).")
    var spreadToday = false

    @Option(help: ArgumentHelp("Seed for the simulation (same seed, same orders).", valueName: "n"))
    var seed: UInt64?

    @Option(help: ArgumentHelp("Replay records from a file of JSON lines ('-' for standard input).", valueName: "file"))
    var file: String?

    @Option(name: .customLong("menu"), help: ArgumentHelp("Restaurant configuration (YAML) for simulated orders.", valueName: "file"))
    var menuFile: String?

    @OptionGroup(title: "Logging") var log: LogOptions

    static func main() { Runner.main(Self.self) }

    func validate() throws {
        if simulate == (file != nil) {
            throw ValidationError("choose one source: --simulate or --file FILE")
        }
        if rate < 0 { throw ValidationError("--rate \(rate): expected 0 or more orders per second") }
        if let count, count < 0 { throw ValidationError("--count \(count): expected 0 or more") }
        if !(0...1).contains(faultRate) { throw ValidationError("--fault-rate \(faultRate): expected 0 to 1") }
        if spreadToday && count == nil { throw ValidationError("--spread-today needs --count") }
        if rate == 0 && count == nil && simulate {
            throw ValidationError("--rate 0 sends as fast as possible; give --count too")
        }
    }

    func run() throws {
        // Delivery can take up to the 60 s flush below: let a Ctrl-C wait for it.
        Signals.start(grace: 65)
        let logger = try log.bootstrap(label: "producer", defaultPath: nil)
        let restaurant = try menuFile.map(RestaurantFile.load) ?? .seed
        let config = try kafka.makeConfig()
        let producer = try Producer(config: config, logger: logger)
        _ = try producer.checkTopic(kafka.topic, timeout: 10)

        var sent = 0
        if let file {
            sent = try replay(file, producer)
        } else {
            sent = try simulate(producer, restaurant: restaurant, logger: logger)
        }
        writeStandardError("producer: waiting for \(producer.outstanding) deliveries…\n")
        try producer.flush(timeout: 60)
        writeStandardError("producer: \(producer.deliveredCount) of \(sent) orders delivered to \(kafka.topic)"
            + (producer.failedCount > 0 ? ", \(producer.failedCount) failed (see the log)" : "") + "\n")
        if producer.failedCount > 0 { throw ExitCode(1) }
    }

    private func replay(_ path: String, _ producer: Producer) throws -> Int {
        let handle: FileHandle
        if path == "-" {
            handle = .standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw ValidationError("--file \(path): cannot read it")
            }
            handle = opened
        }
        var sent = 0
        var pending = Data()
        func sendLines(final: Bool) throws {
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                if !line.isEmpty {
                    try producer.send(topic: kafka.topic, value: Array(line))
                    sent += 1
                }
            }
            if final, !pending.isEmpty {
                try producer.send(topic: kafka.topic, value: Array(pending))
                pending.removeAll()
                sent += 1
            }
        }
        while true {
            if Signals.pending() != nil { break }
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            } catch {
                throw ValidationError("--file \(path): cannot read it (\(error.localizedDescription))")
            }
            if chunk.isEmpty { break }
            pending.append(chunk)
            try sendLines(final: false)
        }
        try sendLines(final: true)
        return sent
    }

    private func simulate(_ producer: Producer, restaurant: Restaurant, logger: Logger) throws -> Int {
        var settings = OrderSimulator.Settings()
        settings.topic = kafka.topic
        settings.rate = rate
        settings.faultRate = faultRate
        settings.restaurant = restaurant
        if let seed { settings.seed = seed }
        let simulator = OrderSimulator(producer: producer, settings: settings, logger: logger)
        let now = Int64(Date().timeIntervalSince1970)
        if let count, spreadToday || rate == 0 {
            let from = spreadToday ? DayWindow.containing(now, zone: .current).start : now
            try simulator.backfill(count: count, from: from, to: max(now, from + 1))
            return simulator.sent
        }
        let started = Date()
        var next = started
        while count.map({ simulator.sent < $0 }) ?? true {
            if Signals.pending() != nil { break }
            let wait = next.timeIntervalSinceNow
            if wait > 0 { Thread.sleep(forTimeInterval: min(wait, 0.2)); continue }
            try simulator.send(at: Int64(Date().timeIntervalSince1970))
            next = next.addingTimeInterval(1 / rate)
        }
        return simulator.sent
    }
}
