import ArgumentParser
import Foundation
import Kafka
import Logging
import Terminal
import TiffinCLI
import Transform

/// Where to start reading the topic.
/// What the dashboard reads: raw orders (and checks them itself), or the `transform` service's
/// gold rows and rejects.
enum SourceChoice: String, ExpressibleByArgument, CaseIterable {
    case raw, gold
}

enum StartChoice: String, ExpressibleByArgument, CaseIterable {
    case beginning, end, today, stored
}

@main
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Live restaurant sales from a Kafka topic.",
        discussion: """
            Reads every partition of the topic (no consumer group unless --group), checks and \
            counts each order, and shows the day's sales. --json and --once read up to the end \
            the topic had at start, print one report and exit; otherwise the full-screen \
            view runs until q (? lists the keys). Logs go to \
            ~/.local/state/tiffin/dashboard.log (--log-file).

            Examples:
              dashboard --demo
              dashboard -b 127.0.0.1:9092 --from beginning --json --tz Asia/Kolkata
              dashboard -b kafka.example.com:12345 --ca ca.pem --cert service.cert \\
                --key service.key --once
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions

    @Option(help: "Where to start: beginning, end, today (start of the day less an hour), stored (group offsets).")
    var from: StartChoice = .today

    @Flag(help: "Stop once every partition reached the end it had at start (implied by --json and --once).")
    var untilCaughtUp = false

    @Option(help: "raw: read the orders topic (-t) and check every order here; gold: read the gold rows and rejects `transform` publishes.")
    var source: SourceChoice = .raw

    @Option(help: ArgumentHelp("Gold topic (--source gold).", valueName: "topic"))
    var gold = "restaurant-sales-gold"

    @Option(help: ArgumentHelp("Rejects topic (--source gold).", valueName: "topic"))
    var rejects = "restaurant-sales-rejects"

    @Flag(help: "Print the day's snapshot as one JSON object and exit.")
    var json = false

    @Flag(help: "Print the day's report as plain text and exit.")
    var once = false

    @Option(help: ArgumentHelp("The day to show (default: today in --tz).", valueName: "YYYY-MM-DD"))
    var day: String?

    @Option(help: ArgumentHelp("IANA time zone of the day (default: this machine's).", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("Seconds to wait for Kafka before giving up.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: ArgumentHelp("Consume as this consumer group (scale-out) instead of reading every partition.", valueName: "id"))
    var group: String?

    @Option(name: .customLong("menu"), help: ArgumentHelp("Restaurant configuration (YAML: menu, payment_modes, tables).", valueName: "file"))
    var menuFile: String?

    @Option(help: ArgumentHelp("Append rejected records, with their reasons, to this file (JSON lines).", valueName: "file"))
    var quarantine: String?

    @Flag(help: "Run on an embedded Kafka broker with simulated orders (no cluster needed).")
    var demo = false

    @Flag(help: "Wall-screen view, read-only (only q): the revenue in big digits, a panel rotating every --rotate seconds, no key hints.")
    var kiosk = false

    @Option(help: ArgumentHelp("Kiosk: seconds each panel stays before the next.", valueName: "seconds"))
    var rotate: Int = 20

    @Option(help: ArgumentHelp("Seconds between screen updates.", valueName: "seconds"))
    var refresh: Double = 0.5

    @Option(help: ArgumentHelp(
        "Theme: default, light, high-contrast, colorblind, mono, a name from --themes-dir or "
            + "~/.config/tiffin/themes, or a file in btop's format; t cycles them.", valueName: "name|file"))
    var theme: String?

    @Option(help: ArgumentHelp("A folder of NAME.theme files to choose from with --theme NAME.", valueName: "dir"))
    var themesDir: String?

    @Flag(help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "ASCII only: no box drawing, blocks or ₹ (automatic when the locale is not UTF-8).")
    var ascii = false

    @OptionGroup(title: "Logging") var log: LogOptions

    static func main() { Runner.main(Self.self) }

    func validate() throws {
        if json && once { throw ValidationError("--json and --once each print one report; choose one") }
        try KafkaOptions.checkTopic(gold, flag: "--gold")
        try KafkaOptions.checkTopic(rejects, flag: "--rejects")
        if let day, LocalDay(day) == nil {
            throw ValidationError("--day \(day): expected a date as YYYY-MM-DD, e.g. 2026-11-20")
        }
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("--tz \(tz): not an IANA time zone (try Asia/Kolkata or UTC)")
        }
        guard timeout > 0 && timeout <= 3600 else {
            throw ValidationError("--timeout \(String(format: "%g", timeout)): expected more than 0 and at most 3600 seconds")
        }
        if demo && kafka.brokers != nil {
            throw ValidationError("--demo runs its own broker; leave out -b")
        }
        guard (2...3600).contains(rotate) else {
            throw ValidationError("--rotate \(rotate): expected 2 to 3600 seconds")
        }
        guard refresh >= 0.05 && refresh <= 60 else {
            throw ValidationError("--refresh \(refresh): expected 0.05 to 60 seconds")
        }
        if from == .stored && group == nil {
            throw ValidationError("--from stored needs --group (stored offsets belong to a group)")
        }
    }

    var headless: Bool { json || once }

    func run() throws {
        let fullScreen = !headless && !untilCaughtUp && isatty(0) == 1 && isatty(1) == 1
        if fullScreen && log.logFile == "-" {
            throw ValidationError("--log-file -: standard error is the screen in the full-screen view; give a file")
        }
        // A wall screen runs for weeks: two allocator arenas keep less memory in free pages
        // than one per thread (measured after a 1M-order day: release 52–54 MB instead of
        // 58–59 MB; debug 54–56 MB instead of 57–68 MB).
        if fullScreen { Memory.keepArenas(2) }
        // A report not yet printed has nothing to wind down: a stop signal ends it at once. The
        // live views close the consumer first (at most 3 s), then exit 0.
        Signals.start(grace: headless || untilCaughtUp ? 0.5 : 4)
        let logger = try log.bootstrap(label: "dashboard", defaultPath: LogOptions.defaultFile(for: "dashboard"))
        let restaurant = try menuFile.map(RestaurantFile.load) ?? .seed
        let zone = tz.flatMap(TimeZone.init(identifier:)) ?? TimeZone.current
        let now = Int64(Date().timeIntervalSince1970)
        let zoneName = tz ?? zone.identifier
        let window = day.flatMap(LocalDay.init).map { DayWindow(day: $0, zone: zone, zoneName: zoneName) }
            ?? DayWindow.containing(now, zone: zone, zoneName: zoneName)
        let noColor = self.noColor || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let themes = ThemeChoice.resolve(argument: theme, themesDir: themesDir, noColor: noColor)
        for problem in themes.problems where fullScreen {
            writeStandardError("dashboard: \(problem)\n")
            logger.warning("\(problem)")
        }
        let quarantine = try self.quarantine.map { try Quarantine(path: $0) }

        var demoCluster: Demo?
        var config: KafkaConfig
        if demo {
            writeStandardError("dashboard: starting an embedded Kafka broker and a simulated till…\n")
            let cluster = try Demo(
                topic: kafka.topic, window: window, restaurant: restaurant, logger: logger,
                gold: source == .gold ? (gold, rejects) : nil)
            demoCluster = cluster
            config = try kafka.makeConfig(requireBrokers: false)
            config.set("bootstrap.servers", cluster.broker.bootstrapServers, origin: "--demo")
        } else {
            config = try kafka.makeConfig()
        }
        defer { withExtendedLifetime(demoCluster) {} }

        let start: Consumer.StartPosition
        switch from {
        case .beginning: start = .beginning
        case .end: start = .end
        case .stored: start = .stored
        case .today: start = .timestamp(milliseconds: (window.start - 3600) * 1000)
        }
        let options = Consumer.Options(
            topic: kafka.topic, mode: group.map { .group(id: $0) } ?? .watch, start: start,
            stopAtStartWatermarks: headless || untilCaughtUp, timeout: timeout)
        let brokers = config["bootstrap.servers"] ?? "?"
        var limits = SalesState.Limits()
        // `--json` prints no recent orders: keeping them cost ~5 % of reading a day.
        limits.recentOrders = json ? 0 : DashboardState.ordersKept
        let state = SalesState(window: window, restaurant: restaurant, limits: limits)
        let topic = source == .gold ? gold : kafka.topic
        let finalConfig = config
        let sourceChoice = source
        let goldTopic = gold
        let rejectsTopic = rejects
        // Connecting can take up to --timeout: the full-screen view does it behind its
        // "connecting" screen, the other modes before anything else.
        let connect: @Sendable () throws -> Ingest = {
            logger.info("reading \(topic) from \(brokers) for \(window.day) in \(zone.identifier)")
            if sourceChoice == .gold {
                // Gold rows and rejects: committed records only (a real cluster hides aborted
                // transactions; dedupe by order id and by source coordinates covers the rest).
                var goldConfig = finalConfig
                goldConfig.setIfAbsent("isolation.level", "read_committed")
                var goldOptions = options
                goldOptions.topic = goldTopic
                var rejectOptions = options
                rejectOptions.topic = rejectsTopic
                // Rejects carry their source's record time, gold rows the event time: a gold
                // row whose order came in time may be stamped up to days earlier, so the gold
                // topic is read from two days before, and rows whose source came before the
                // start are left out (`sourceStart`).
                var sourceStart: Int64?
                if case let .timestamp(milliseconds) = options.start {
                    sourceStart = milliseconds
                    goldOptions.start = .timestamp(milliseconds: milliseconds - 2 * 86_400_000)
                }
                let consumer = try Consumer(config: goldConfig, options: goldOptions, logger: logger)
                let rejectsConsumer = try Consumer(config: goldConfig, options: rejectOptions, logger: logger)
                var ingest = Ingest(consumer: consumer, state: state, quarantine: quarantine, brokers: brokers)
                ingest.gold = Ingest.GoldSource(
                    rejects: rejectsConsumer, check: OrderCheck(restaurant: restaurant),
                    bounded: options.stopAtStartWatermarks, sourceStart: sourceStart)
                return ingest
            }
            let consumer = try Consumer(config: finalConfig, options: options, logger: logger)
            if case let .fellBackToBeginning(reason) = consumer.startResolution {
                logger.notice("--from today: \(reason); reading from the beginning and keeping only the day's orders")
            }
            return Ingest(consumer: consumer, state: state, quarantine: quarantine, brokers: brokers)
        }

        if fullScreen {
            let live = LiveView(
                topic: topic, brokers: brokers, kiosk: kiosk, rotate: rotate,
                refresh: refresh, themes: themes, ascii: ascii, followToday: day == nil)
            try live.run(initial: state.snapshot(), connect: connect)
            return
        }
        var ingest = try connect()
        defer { ingest.consumer.close() }
        if headless || untilCaughtUp {
            try ingest.untilCaughtUp(stallLimit: timeout)
            let snapshot = ingest.state.snapshot()
            if json {
                try writeStandardOutput(snapshot.json + "\n")
            } else {
                try writeStandardOutput(
                    DashboardView.report(snapshot, topic: topic, now: Int64(Date().timeIntervalSince1970)))
            }
        } else {
            try reports(&ingest)
        }
    }

    /// Without a terminal (output piped or logged): the plain-text report every five seconds.
    private func reports(_ ingest: inout Ingest) throws {
        writeStandardError("dashboard: not a terminal; printing a report every 5 s (Ctrl-C to stop)\n")
        var lastReport = Date.distantPast
        while Signals.pending() == nil {
            if case .closed = try ingest.step(timeout: 0.25, followToday: day == nil) { usleep(250_000) }
            if Date().timeIntervalSince(lastReport) >= 5 {
                lastReport = Date()
                let health = ingest.consumer.health
                try writeStandardOutput(
                    "\n── \(health.state) · \(ingest.consumer.isCaughtUp ? "caught up" : "catching up") ──\n"
                        + DashboardView.report(
                            ingest.state.snapshot(), topic: kafka.topic, now: Int64(Date().timeIntervalSince1970)))
            }
        }
    }
}
