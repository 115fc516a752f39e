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

    /// The latest picture the ingest thread made, and the stop signal for it.
    private final class Board: Sendable {
        let snapshot = Mutex<Snapshot?>(nil)
        let stop = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
    }

    func run(_ ingest: Ingest) throws {
        let screen = try Screen(ascii: ascii, noColor: theme.monochrome)
        defer { screen.close() }
        let board = Board()
        board.snapshot.withLock { $0 = ingest.state.snapshot() }
        let consumer = ingest.consumer
        let followToday = self.followToday
        let thread = Thread {
            var ingest = ingest
            var lastPublish = Date.distantPast
            while !board.stop.load(ordering: .relaxed) {
                var changed = false
                switch consumer.next(timeout: 0.1) {
                case let .batch(batch):
                    ingest.apply(batch)
                    changed = !batch.isEmpty
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
            ingest.quarantine?.flush()
            board.finished.store(true, ordering: .releasing)
        }
        thread.name = "tiffin-ingest"
        thread.start()
        defer {
            board.stop.store(true, ordering: .relaxed)
            while !board.finished.load(ordering: .acquiring) { usleep(2_000) }
            consumer.close()
        }

        let view = DashboardView(theme: theme, glyphs: screen.glyphs)
        var ui = ViewModel(
            snapshot: board.snapshot.withLock { $0! }, now: 0, topic: topic, brokers: brokers, kiosk: kiosk)
        var rate = RateMeter()
        var lastRender = Date.distantPast
        let started = Date()
        while Signals.pending() == nil {
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
            let health = consumer.health
            ui.snapshot = board.snapshot.withLock { $0! }
            ui.now = Int64(Date().timeIntervalSince1970)
            ui.connection = health.state
            ui.connectionSince = health.since
            ui.caughtUp = consumer.isCaughtUp
            ui.ordersPerSecond = rate.update(orders: ui.snapshot.orders, at: lastRender)
            ui.kioskPanel = Int(Date().timeIntervalSince(started) / 10)
            ui.notice = health.state == .connected ? nil : health.lastError
            screen.draw(view.render(ui, width: screen.width, height: screen.height))
        }
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
