import ArgumentParser
import Foundation
import Kafka
import Synchronization
import Terminal
import Till
import TiffinCLI
import Transform

/// `producer` / `producer form`: the order form staff use at the till. The form's logic is
/// `TillState` (pure) and its look `TillView` (pure); this is the thin shell around them: it
/// stamps each order with an id and the time, journals it (fsync) and hands it to Kafka before
/// the form says "queued", and feeds delivery reports and the link state back in.
struct FormCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "form",
        abstract: "The order form (the default): dishes, table, customers, payment; Enter sends.",
        discussion: """
            Opens even when Kafka is unreachable: orders wait in the outbox and go out when \
            it is back. Keys: Up/Down move, Right/+ and Left/- change, digits type a \
            quantity, Enter sends, c clears, q quits, ? shows every key.

            Examples:
              producer -b 127.0.0.1:9092
              producer form -b 127.0.0.1:9092 --till 3 --menu restaurant.yaml
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions
    @OptionGroup(title: "Till") var tillOptions: TillOptions

    @Option(name: .customLong("menu"), help: ArgumentHelp("Restaurant configuration (YAML: menu, payment_modes, tables).", valueName: "file"))
    var menuFile: String?

    @Flag(help: "No colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "ASCII only: no box drawing or ₹ (automatic when the locale is not UTF-8).")
    var ascii = false

    @OptionGroup(title: "Logging") var log: LogOptions

    func run() throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw ValidationError(
                "the order form needs a terminal; to send orders without one use `producer simulate` or `producer send`")
        }
        if log.logFile == "-" {
            throw ValidationError("--log-file -: standard error is the screen while the form is open; give a file")
        }
        Signals.start(grace: 4)
        let logger = try log.bootstrap(label: "producer", defaultPath: LogOptions.defaultFile(for: "producer"))
        let restaurant = try menuFile.map(RestaurantFile.load) ?? .seed
        let updates = Mutex<[OrderSender.Update]>([])
        let session = try TillSession(kafka: kafka, till: tillOptions, logger: logger, quiet: true, reportsOnCaller: false) { update in
            updates.withLock { $0.append(update) }
        }
        let sender = session.sender
        // Whether the cluster answers (or the topic is missing, or TLS fails) is found out
        // behind the form: it opens at once, whatever Kafka does.
        let problem = Mutex<String?>(nil)
        let timeout = tillOptions.timeout
        let checker = Worker(name: "tiffin-check") { _ in
            do {
                _ = try sender.checkCluster(timeout: timeout)
            } catch {
                problem.withLock { $0 = "\(error)" }
            }
        }
        defer { checker.join(timeout: 0.1) }

        let noColor = self.noColor || !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let screen = try Screen(ascii: ascii, noColor: noColor)
        Signals.handleSuspendInLoop(true)
        let view = TillView(theme: noColor ? .mono : .standard, glyphs: screen.glyphs)
        let started = Date()
        var ids = OrderIDs(till: tillOptions.tillNumber, resuming: session.outbox.lastOrderID)
        var state = TillState(
            restaurant: restaurant, till: tillOptions.tillNumber, brokers: kafka.brokers ?? "",
            topic: kafka.topic, now: started)
        if let damage = session.outbox.damage { _ = state.update(.notice(damage, isError: true)) }
        if session.carriedOver > 0 {
            _ = state.update(.notice("sending the \(session.carriedOver) orders an earlier run left in the outbox", isError: false))
        }
        var sent = 0
        var problemShown = false
        App(screen: screen).run(
            &state,
            tick: { _ in 0.25 },
            update: { state, event in
                if case let .tick(now) = event {
                    // The one impure step: what Kafka and the outbox say now.
                    for update in updates.withLock({ list in defer { list.removeAll() }; return list }) {
                        switch update {
                        case let .delivered(_, orderID, partition, offset):
                            if let orderID { _ = state.update(.delivered(orderID: orderID, partition: partition, offset: offset)) }
                        case let .refused(_, orderID, reason):
                            _ = state.update(.refused(orderID: orderID ?? 0, reason: reason))
                        }
                    }
                    if !problemShown, let text = problem.withLock({ $0 }) {
                        problemShown = true
                        _ = state.update(.notice(text, isError: true))
                    }
                    _ = state.update(.status(
                        link: Self.link(sender.health, since: started, now: now), waiting: sender.waiting, sent: sent))
                }
                switch state.update(.app(event)) {
                case .none: return .none
                case .redrawAll: return .redrawAll
                case .quit: return .quit
                case let .send(draft):
                    let now = Int64(Date().timeIntervalSince1970)
                    let id = ids.next(now: now)
                    let order = draft.order(id: id, timestamp: now)
                    do {
                        // Journaled and fsync'ed before Kafka sees it and before the form says
                        // "queued"; never waits for Kafka (a full queue leaves it in the outbox).
                        try sender.submit(
                            [Outbox.NewEntry(order: id, record: order.jsonBytes, eventTime: now)],
                            now: now, sync: true, wait: 0)
                        sent += 1
                        _ = state.update(.queued(orderID: id))
                        _ = state.update(.status(
                            link: Self.link(sender.health, since: started, now: Date()), waiting: sender.waiting, sent: sent))
                    } catch {
                        logger.error("order \(id) was not saved: \(error)")
                        _ = state.update(.notSaved(reason: "\(error)"))
                    }
                    return .none
                }
            },
            view: { state, width, height in view.render(state, width: width, height: height) },
            stop: { Signals.pending() != nil },
            suspend: { Signals.takeSuspend() })
        Signals.handleSuspendInLoop(false)
        screen.close()
        let waiting = sender.waiting
        sender.close()
        var line = "producer: \(sent) order\(sent == 1 ? "" : "s") sent this session"
        if waiting > 0 {
            line += "; \(waiting) wait in the outbox (\(session.outbox.directory)) and go out the next time "
                + "the producer starts, or with `producer outbox --send`"
        }
        writeStandardError(line + "\n")
    }

    /// The link as the form shows it: connecting for the first few seconds, then offline
    /// until a broker answers.
    static func link(_ health: ClientHealth, since started: Date, now: Date) -> TillLink {
        switch health.state {
        case .connected, .degraded: return .connected
        case .allBrokersDown: return .offline
        case .connecting: return now.timeIntervalSince(started) < 5 ? .connecting : .offline
        }
    }
}
