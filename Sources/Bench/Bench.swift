import ArgumentParser
import Foundation
import Kafka
import Logging
import TiffinCLI
import Transform

/// `make bench`: measurements for BENCHMARKS.md, each a ratio against a reference measured in
/// the same run on the same input. Build with `-c release`; numbers from debug builds mean nothing.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Bench",
        abstract: "Tiffin's benchmarks (release build).",
        subcommands: [ParserBench.self, PipelineBench.self, ConsumeBench.self, ProduceBench.self, MemoryBench.self],
        defaultSubcommand: nil)

    static func main() { Runner.main(Self.self) }

    func run() throws {
        try ParserBench.parse([]).run()
        try PipelineBench.parse([]).run()
    }
}

/// Runs a program to completion and returns its wall time in seconds; with `expectInOutput`,
/// checks that its standard output says so (standard error passes through).
func timeProcess(_ path: String, _ arguments: [String], expectInOutput: String? = nil) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = expectInOutput == nil ? FileHandle(forWritingAtPath: "/dev/null") : out
    p.standardError = FileHandle.standardError
    let start = DispatchTime.now().uptimeNanoseconds
    try p.run()
    let data = expectInOutput == nil ? Data() : (try out.fileHandleForReading.readToEnd() ?? Data())
    p.waitUntilExit()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard p.terminationStatus == 0 else { throw ValidationError("\(path) exited \(p.terminationStatus)") }
    if let expectInOutput, !String(decoding: data, as: UTF8.self).contains(expectInOutput) {
        throw ValidationError("\(path) did not report \(expectInOutput): \(String(decoding: data.prefix(300), as: UTF8.self))")
    }
    return seconds
}

/// Errors only, on standard error: the measurements go to standard output.
func benchLogger() -> Logger {
    Logger(label: "bench") { FileLogHandler(label: $0, sink: .standardError, level: .error) }
}

/// Times `body` `repeats` times and returns the median seconds.
func median(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

func rate(_ count: Int, _ seconds: Double) -> String {
    let r = Double(count) / seconds
    return r >= 1e6 ? String(format: "%.2fM/s", r / 1e6) : String(format: "%.0fk/s", r / 1e3)
}

/// Parser and full ingest against Foundation's JSONDecoder, on the same orders.
struct ParserBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parser")

    @Option var orders = 200_000
    @Option var repeats = 5

    /// The order schema for JSONDecoder (the reference).
    struct CodableOrder: Decodable {
        struct Item: Decodable {
            let name: String
            let quantity: Int64
            let price: Int64
        }
        let order_id: Int64
        let table_id: String
        let customer_per_order: Int64
        let payment_mode: String
        let items: [Item]
        let amount: Int64
        let timestamp: Int64
    }

    func run() throws {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "Asia/Kolkata")!)
        var generator = OrderGenerator(seed: 1)
        var records: [[UInt8]] = []
        for i in 0..<orders {
            records.append(Array(generator.next(at: window.start + Int64(i % 86_000)).json.utf8))
        }
        let bytes = records.reduce(0) { $0 + $1.count }
        print("parser: \(orders) orders, \(bytes / orders) bytes each on average, median of \(repeats)")

        var parser = OrderParser()
        var check = 0
        let parse = median(repeats: repeats) {
            for r in records { r.withUnsafeBytes { if parser.parse($0) { check &+= Int(parser.order.amount.integer) } } }
        }
        var ingested = 0
        let ingest = median(repeats: repeats) {
            var state = SalesState(window: window)
            for r in records { r.withUnsafeBytes { _ = state.ingest($0, now: window.end) } }
            ingested = Int(state.snapshot().orders)
        }
        precondition(ingested == orders, "every order should be accepted")
        let sample = Array(records.prefix(max(1, orders / 10)))
        let decoder = JSONDecoder()
        let foundation = try median(repeats: repeats) {
            for r in sample { check &+= Int(try decoder.decode(CodableOrder.self, from: Data(r)).amount) }
        }
        let parseRate = Double(orders) / parse
        let ingestRate = Double(orders) / ingest
        let foundationRate = Double(sample.count) / foundation
        print("  OrderParser.parse            \(rate(orders, parse))   (\(String(format: "%.0f", parseRate / foundationRate))× JSONDecoder)")
        print("  SalesState.ingest (all steps) \(rate(orders, ingest))   (\(String(format: "%.0f", ingestRate / foundationRate))× JSONDecoder)")
        print("  JSONDecoder + Codable        \(rate(sample.count, foundation))   (reference)")
        if check == 42 { print("") }
    }
}

/// The whole path through a real broker: our Consumer and `dashboard --json` against kcat.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline")

    @Option var orders = 1_000_000
    @Option var partitions = 64
    @Option var repeats = 3

    func run() throws {
        let logger = benchLogger()
        let broker = try EmbeddedBroker(logger: logger)
        try broker.createTopic("restaurant-sales", partitions: partitions)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let now = Int64(Date().timeIntervalSince1970)
        let window = DayWindow.containing(now, zone: TimeZone(identifier: "UTC")!)
        do {
            var producerConfig = config
            producerConfig.set("linger.ms", "50")
            producerConfig.set("batch.num.messages", "10000")
            producerConfig.set("statistics.interval.ms", "0")
            let producer = try Producer(config: producerConfig, logger: logger)
            var generator = OrderGenerator(seed: 2)
            let start = Date()
            for i in 0..<orders {
                let order = generator.next(at: window.start + Int64(i) * (now - window.start) / Int64(orders))
                // Keyed by order id, so the orders spread evenly over the partitions.
                try producer.send(
                    topic: "restaurant-sales", key: Array(String(order.orderID).utf8),
                    value: Array(order.json.utf8))
            }
            try producer.flush(timeout: 120)
            guard producer.deliveredCount == orders else {
                throw ValidationError("\(producer.failedCount) of \(orders) deliveries failed")
            }
            print("pipeline: produced \(orders) orders to \(partitions) partitions in "
                + String(format: "%.1f s (%@)", Date().timeIntervalSince(start), rate(orders, Date().timeIntervalSince(start))))
        }
        // Make sure the broker kept everything (it prunes ~5 MiB per partition).
        let probe = try Consumer(
            config: config, options: .init(topic: "restaurant-sales", stopAtStartWatermarks: true), logger: logger)
        let held = probe.progress.reduce(Int64(0)) { $0 + $1.high - $1.low }
        if ProcessInfo.processInfo.environment["BENCH_DEBUG"] != nil {
            print(probe.progress.map { "\($0.partition):\($0.low)-\($0.high)" }.joined(separator: " "))
        }
        probe.close()
        guard held == orders else {
            throw ValidationError("the embedded broker kept \(held) of \(orders) records; use more partitions")
        }

        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let dashboard = folder.appendingPathComponent("dashboard").path
        let kcat = "/usr/bin/kcat"
        var kcatTimes: [Double] = []
        var consumerTimes: [Double] = []
        var dashboardTimes: [Double] = []
        for _ in 0..<repeats {
            kcatTimes.append(try timeProcess(kcat, ["-b", broker.bootstrapServers, "-t", "restaurant-sales", "-C", "-o", "beginning", "-e", "-q"]))
            consumerTimes.append(try timeConsumer(config, logger: logger))
            dashboardTimes.append(try timeProcess(dashboard, [
                "-b", broker.bootstrapServers, "--from", "beginning", "--json", "--tz", "UTC",
                "--day", window.day.description, "--log-file", "/dev/null",
            ], expectInOutput: "\"orders\":\(orders)"))
        }
        func med(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        let k = med(kcatTimes), c = med(consumerTimes), d = med(dashboardTimes)
        print("  kcat -C -e -q > /dev/null           \(String(format: "%.2f s", k))  \(rate(orders, k))   (reference)")
        print("  Consumer, watch mode, batches       \(String(format: "%.2f s", c))  \(rate(orders, c))   \(String(format: "%.2f", k / c))× kcat")
        print("  dashboard --json --until-caught-up  \(String(format: "%.2f s", d))  \(rate(orders, d))   \(String(format: "%.2f", k / d))× kcat")
        print("  (medians of \(repeats); all times include start-up and metadata)")
    }

    private func timeConsumer(_ config: KafkaConfig, logger: Logger) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let consumer = try Consumer(
            config: config, options: .init(topic: "restaurant-sales", stopAtStartWatermarks: true), logger: logger)
        var count = 0
        var bytes = 0
        loop: while true {
            switch consumer.next(timeout: 5) {
            case let .batch(batch):
                count += batch.count
                batch.forEach { bytes += $1.count }
            case .closed: break loop
            case .timedOut: throw ValidationError("consumer stalled at \(count)")
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard count == orders else { throw ValidationError("consumer read \(count) of \(orders)") }
        return seconds
    }

}

/// Reads a topic on another broker with the Consumer alone (no parsing), to separate the
/// Kafka side from the Transform side when profiling.
struct ConsumeBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "consume")

    @Option(name: .customShort("b")) var brokers: String
    @Option(name: .customShort("t")) var topic = "restaurant-sales"
    @Option(name: .customShort("X")) var properties: [String] = []

    func run() throws {
        var config = KafkaConfig()
        config.set("bootstrap.servers", brokers)
        for p in properties { try config.apply(assignment: p) }
        let logger = benchLogger()
        let start = DispatchTime.now().uptimeNanoseconds
        let consumer = try Consumer(
            config: config, options: .init(topic: topic, stopAtStartWatermarks: true), logger: logger)
        var count = 0
        var bytes = 0
        while case let .batch(batch) = consumer.next(timeout: 10) {
            count += batch.count
            batch.forEach { bytes += $1.count }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("consumed \(count) records, \(bytes) bytes in \(String(format: "%.2f", seconds)) s (\(rate(count, seconds)))")
    }
}

/// The till's sending path against kcat's: `producer simulate --count N --rate 0` (outbox on:
/// every order journaled and fsync'ed in groups of 4,000 before Kafka sees it, delivery marks
/// written, every delivery awaited) vs `kcat -P` of the same number of keyed records read from a
/// file, both idempotent with acks=all. Each pair gets a fresh embedded broker (one that holds
/// earlier runs' records gets slower, for both), and the two take turns at going first.
struct ProduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "produce")

    @Option var orders = 1_000_000
    @Option var partitions = 64
    @Option var repeats = 3

    func run() throws {
        let logger = benchLogger()
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let producer = folder.appendingPathComponent("producer").path
        let scratch = NSTemporaryDirectory() + "tiffin-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        // kcat's input: the same kind of orders, "key<TAB>value" per line.
        let input = scratch + "/orders.tsv"
        do {
            var generator = OrderGenerator(seed: 4, firstOrderID: 1_795_000_000_000_000)
            let now = Int64(Date().timeIntervalSince1970)
            var text = ""
            text.reserveCapacity(orders * 260)
            for _ in 0..<orders {
                let order = generator.next(at: now)
                text += "\(order.orderID)\t\(order.json)\n"
            }
            try text.write(toFile: input, atomically: false, encoding: .utf8)
        }
        var kcatTimes: [Double] = []
        var producerTimes: [Double] = []
        var ratios: [Double] = []
        for run in 0..<repeats {
            let broker = try EmbeddedBroker(logger: logger)
            try broker.createTopic("kcat", partitions: partitions)
            try broker.createTopic("till", partitions: partitions)
            func kcat() throws -> Double {
                try timeProcess("/usr/bin/kcat", [
                    "-P", "-b", broker.bootstrapServers, "-t", "kcat", "-K", "\t", "-l",
                    "-X", "enable.idempotence=true", "-X", "acks=all", input,
                ])
            }
            func till() throws -> Double {
                try timeProcess(producer, [
                    "simulate", "-b", broker.bootstrapServers, "-t", "till", "--count", "\(orders)", "--rate", "0",
                    "--fault-rate", "0", "--till", "1", "--outbox", scratch + "/outbox-\(run)", "--log-file", "/dev/null",
                ])
            }
            if run % 2 == 0 {
                kcatTimes.append(try kcat())
                producerTimes.append(try till())
            } else {
                producerTimes.append(try till())
                kcatTimes.append(try kcat())
            }
            ratios.append(kcatTimes[run] / producerTimes[run])
        }
        func med(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        let k = med(kcatTimes), p = med(producerTimes)
        print("  kcat -P -K -l (idempotent, acks=all)        \(String(format: "%.2f s", k))  \(rate(orders, k))   (reference)")
        print("  producer simulate --rate 0 (outbox, fsync)  \(String(format: "%.2f s", p))  \(rate(orders, p))   \(String(format: "%.2f", med(ratios)))× kcat (median of the pairs' ratios)")
        print("  (\(repeats) pairs, each on a fresh broker: kcat \(kcatTimes.map { String(format: "%.2f", $0) }), producer \(producerTimes.map { String(format: "%.2f", $0) }), ratios \(ratios.map { String(format: "%.2f", $0) }))")
    }

}

/// Memory over a long stream: `--orders` distinct orders spread over `--days` days go through
/// the dashboard's core (`SalesState`, check and aggregate, the day rolled at each midnight as
/// the live dashboard rolls it), and the process's resident memory is sampled after every
/// tenth. Flat means: what the state keeps is bounded by a day or two, not by the stream.
struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory")

    @Option var orders = 10_000_000
    @Option var days = 10
    @Option var zone = "Asia/Kolkata"

    func run() throws {
        guard let zone = TimeZone(identifier: zone) else { throw ValidationError("--zone \(zone): unknown") }
        let first = DayWindow.containing(1_764_000_000, zone: zone)
        var window = first
        var state = SalesState(window: window)
        var generator = OrderGenerator(seed: 11, firstOrderID: 1)
        let perDay = max(1, orders / days)
        let step = max(1, 86_400 / perDay)
        var record: [UInt8] = []
        record.reserveCapacity(512)
        var samples: [(orders: Int, day: String, rss: Double)] = []
        let started = Date()
        for n in 0..<orders {
            let day = n / perDay
            let t = first.start + Int64(day) * 86_400 + Int64((n % perDay) * step % 86_400)
            if t >= window.end {
                window = DayWindow.containing(t, zone: zone)
                state.roll(to: window)
                Memory.giveBack()  // as the live view does when it has caught up
            }
            record.removeAll(keepingCapacity: true)
            _ = generator.appendRecord(at: t, faultRate: 0.02, id: nil, to: &record)
            _ = state.ingest(record, now: t + 60)
            if (n + 1) % max(1, orders / 10) == 0 {
                samples.append((n + 1, window.day.description, residentMegabytes()))
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("memory: \(orders) orders over \(days) days (\(perDay) a day) through SalesState in \(String(format: "%.1f", seconds)) s")
        for sample in samples {
            print("  after \(sample.orders) orders (day \(sample.day)): RSS \(String(format: "%.1f", sample.rss)) MB")
        }
        let settled = samples.dropFirst(samples.count / 5).map(\.rss)
        print("  from the third sample on: \(String(format: "%.1f", settled.min() ?? 0))–\(String(format: "%.1f", settled.max() ?? 0)) MB")
    }

    func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])
        else { return 0 }
        return kb / 1024
    }
}
