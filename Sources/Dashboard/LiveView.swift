import Foundation
import Kafka
import Synchronization
import Terminal
import TiffinCLI
import Transform

/// The full-screen dashboard. Ingest runs on its own thread as fast as data comes and
/// publishes a snapshot at most ten times a second; the main thread owns the screen and
/// renders on its clock, on a key or on a resize — never per message, and never blocking
/// the ingest loop.
struct LiveView {
    var topic: String
    var brokers: String
    var kiosk: Bool
    var refresh: Double
    var theme: Theme
    var ascii: Bool
    /// Roll over to the new day at local midnight (false when --day fixed the day).
    var followToday: Bool

    /// What the ingest thread shares with the screen: the latest picture it made, the consumer
    /// once connected, an error that ends the view, and the stop signal.
    private final class Board: Sendable {
        let snapshot: Mutex<Snapshot>
        let consumer = Mutex<Consumer?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        let stop = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)

        init(snapshot: Snapshot) {
            self.snapshot = Mutex(snapshot)
        }
    }

    /// Opens the screen at once and connects behind it: until Kafka answers (up to --timeout)
    /// the view says where it is connecting and q or Ctrl-C end it. A connection or quarantine
    /// error closes the screen and is thrown, to be said in one sentence.
    func run(initial: Snapshot, connect: @escaping @Sendable () throws -> Ingest) throws {
        let screen = try Screen(ascii: ascii, noColor: theme.monochrome)
        defer { screen.close() }
        let board = Board(snapshot: initial)
        let followToday = self.followToday
        let thread = Thread {
            defer { board.finished.store(true, ordering: .releasing) }
            var ingest: Ingest
            do {
                ingest = try connect()
            } catch {
                board.failure.withLock { $0 = error }
                return
            }
            let consumer = ingest.consumer
            board.consumer.withLock { $0 = consumer }
            var lastPublish = Date.distantPast
            while !board.stop.load(ordering: .relaxed) {
                var changed = false
                switch consumer.next(timeout: 0.1) {
                case let .batch(batch):
                    do {
                        try ingest.apply(batch)
                    } catch {
                        board.failure.withLock { $0 = error }
                        return
                    }
                    changed = !batch.isEmpty || batch.restarted
                case .closed:
                    usleep(100_000)  // nothing more will come; keep showing what there is
                case .timedOut:
                    break
                }
                if followToday, ingest.rollOverIfPastMidnight(now: Int64(Date().timeIntervalSince1970)) {
                    changed = true
                }
                if changed || Date().timeIntervalSince(lastPublish) > 1, Date().timeIntervalSince(lastPublish) >= 0.1 {
                    let snapshot = ingest.state.snapshot()
                    board.snapshot.withLock { $0 = snapshot }
                    lastPublish = Date()
                }
            }
        }
        thread.name = "tiffin-ingest"
        thread.start()
        defer {
            board.stop.store(true, ordering: .relaxed)
            // A thread still connecting is not waited for (that can take --timeout); one that
            // is applying a batch finishes it, so its rejects reach the quarantine.
            if let consumer = board.consumer.withLock({ $0 }) {
                let deadline = Date().addingTimeInterval(1)
                while !board.finished.load(ordering: .acquiring), Date() < deadline { usleep(2_000) }
                consumer.close(within: 2)
            }
        }

        let view = DashboardView(theme: theme, glyphs: screen.glyphs)
        var ui = ViewModel(
            snapshot: initial, now: 0, topic: topic, brokers: brokers, kiosk: kiosk)
        var rate = RateMeter()
        var lastRender = Date.distantPast
        let started = Date()
        while Signals.pending() == nil {
            if let failure = board.failure.withLock({ $0 }) { throw failure }
            let key = screen.nextKey(milliseconds: 100)
            switch key {
            case .character("q"), .character("Q"), .escape, .hangup:
                return
            case .character("i"), .character("I"):
                ui.itemsByRevenue.toggle()
            case .character("k"), .character("K"):
                ui.kiosk.toggle()
            case .character("?"), .character("h"):
                ui.showHelp.toggle()
            case .character("\u{0C}"):  // Ctrl-L: redraw everything
                screen.invalidate()
            default:
                break
            }
            guard key != nil || Date().timeIntervalSince(lastRender) >= refresh else { continue }
            lastRender = Date()
            ui.snapshot = board.snapshot.withLock { $0 }
            ui.now = Int64(Date().timeIntervalSince1970)
            ui.kioskPanel = Int(Date().timeIntervalSince(started) / 10)
            guard let consumer = board.consumer.withLock({ $0 }) else {
                ui.connection = .connecting
                ui.waiting = [
                    "Connecting to \(brokers) \(screen.glyphs.ellipsis)",
                    "topic \(topic) \(screen.glyphs.middleDot) waiting \(Int(Date().timeIntervalSince(started))) s",
                    "", "q or Ctrl-C to quit",
                ]
                screen.draw(view.render(ui, width: screen.width, height: screen.height))
                continue
            }
            ui.waiting = nil
            let health = consumer.health
            ui.connection = health.state
            ui.connectionSince = health.since
            ui.caughtUp = consumer.isCaughtUp
            ui.ordersPerSecond = rate.update(orders: ui.snapshot.orders, at: lastRender)
            ui.notice = Self.notice(health)
            screen.draw(view.render(ui, width: screen.width, height: screen.height))
        }
    }

    /// What the status line should say besides the numbers: a cluster replaced in the last
    /// minute (the day is being read again), else the last error while not connected.
    static func notice(_ health: ClientHealth, now: Date = Date()) -> String? {
        if let replaced = health.clusterReplacedAt, now.timeIntervalSince(replaced) < 60 {
            return "Kafka cluster replaced: re-reading the day"
        }
        return health.state == .connected ? nil : health.lastError
    }
}

/// Accepted orders per second over the last ten seconds, from successive order counts.
struct RateMeter {
    private var samples: [(at: Date, orders: Int64)] = []

    mutating func update(orders: Int64, at now: Date) -> Double {
        // A new day starts from zero: forget the old counts.
        if let last = samples.last, orders < last.orders { samples.removeAll() }
        samples.append((now, orders))
        samples.removeAll { now.timeIntervalSince($0.at) > 10 }
        guard let first = samples.first, now.timeIntervalSince(first.at) > 0.5 else { return 0 }
        return Double(orders - first.orders) / now.timeIntervalSince(first.at)
    }
}
