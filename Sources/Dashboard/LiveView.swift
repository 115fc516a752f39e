import Foundation
import Kafka
import Synchronization
import Terminal
import TiffinCLI
import Transform

/// The full-screen dashboard. Ingest runs on its own thread as fast as data comes and
/// publishes a snapshot after a change, at the screen's pace; the main thread runs the
/// `App` loop over `DashboardState` and renders on its clock, on a key or on a resize —
/// never per message, and never blocking the ingest loop.
struct LiveView {
    var topic: String
    var brokers: String
    var kiosk: Bool
    var rotate: Int
    var refresh: Double
    var themes: ThemeChoice
    var ascii: Bool
    /// Roll over to the new day at local midnight (false when --day fixed the day).
    var followToday: Bool

    /// What the ingest thread shares with the screen: the latest picture it made, the consumer
    /// once connected, an error that ends the view, and the stop signal.
    private final class Board: Sendable {
        let snapshot: Mutex<Snapshot>
        let consumer = Mutex<Consumer?>(nil)
        let failure = Mutex<(any Error)?>(nil)

        init(snapshot: Snapshot) {
            self.snapshot = Mutex(snapshot)
        }
    }

    /// Opens the screen at once and connects behind it: until Kafka answers (up to --timeout)
    /// the view says where it is connecting and q or Ctrl-C end it. A connection or quarantine
    /// error closes the screen and is thrown, to be said in one sentence.
    func run(initial: Snapshot, connect: @escaping @Sendable () throws -> Ingest) throws {
        let screen = try Screen(ascii: ascii, noColor: themes.themes.allSatisfy(\.theme.monochrome))
        Signals.handleSuspendInLoop(true)
        defer {
            Signals.handleSuspendInLoop(false)
            screen.close()
        }
        let board = Board(snapshot: initial)
        let followToday = self.followToday
        // Snapshots at the screen's pace: one per half refresh at most, and only after a change.
        let publishInterval = max(0.05, refresh / 2)
        let ingestWorker = Worker(name: "tiffin-ingest") { worker in
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
            var unpublished = false
            var caughtUp = false
            var memory = GiveBackSchedule()
            while !worker.isStopping {
                var changed = false
                do {
                    switch try ingest.step(timeout: 0.1, followToday: followToday) {
                    case let .applied(moved, reachedEnd):
                        changed = moved
                        caughtUp = reachedEnd
                    case let .idle(moved): changed = moved
                    case .closed: usleep(100_000)  // nothing more will come; keep showing what there is
                    }
                } catch {
                    board.failure.withLock { $0 = error }
                    return
                }
                if memory.due(caughtUp: caughtUp, now: ProcessInfo.processInfo.systemUptime) {
                    Memory.giveBack()
                }
                unpublished = unpublished || changed
                if unpublished, Date().timeIntervalSince(lastPublish) >= publishInterval {
                    let snapshot = ingest.state.snapshot()
                    board.snapshot.withLock { $0 = snapshot }
                    lastPublish = Date()
                    unpublished = false
                }
            }
        }
        defer {
            ingestWorker.stop()
            // A thread still connecting is not waited for (that can take --timeout); one that
            // is applying a batch finishes it, so its rejects reach the quarantine.
            if let consumer = board.consumer.withLock({ $0 }) {
                ingestWorker.join(timeout: 1)
                consumer.close(within: 2)
            }
        }

        let views = themes.themes.map { DashboardView(theme: $0.theme, glyphs: screen.glyphs) }
        let now = Int64(Date().timeIntervalSince1970)
        var state = DashboardState(
            snapshot: initial, now: now, topic: topic, brokers: brokers, kiosk: kiosk, started: now)
        state.refreshInterval = refresh
        state.wall = kiosk
        state.rotateSeconds = Int64(rotate)
        state.lastRepaint = now
        state.themeNames = themes.themes.map(\.name)
        state.themeIndex = themes.start
        if let problem = themes.problems.first { state.show(problem, seconds: 15) }
        var failure: (any Error)?
        App(screen: screen).run(
            &state,
            tick: { $0.refreshInterval },
            update: { state, event in
                if case let .tick(now) = event {
                    if let error = board.failure.withLock({ $0 }) {
                        failure = error
                        return .quit
                    }
                    // The one impure step: what the ingest thread and the consumer report now.
                    let consumer = board.consumer.withLock { $0 }
                    state.refresh(DashboardState.Feed(
                        snapshot: board.snapshot.withLock { $0 }, now: now, health: consumer?.health,
                        caughtUp: consumer?.isCaughtUp ?? false, lag: consumer?.lag))
                }
                return state.update(event)
            },
            view: { state, width, height in
                views[state.themeIndex % views.count].render(state, width: width, height: height)
            },
            stop: { Signals.pending() != nil },
            suspend: { Signals.takeSuspend() })
        if let failure { throw failure }
    }
}

/// When the live view gives freed heap back to the system. Catching up on a day leaves
/// librdkafka's pre-fetch buffers and the batches freed but held by the allocator: they are given
/// back when the view gets there, once more a few seconds later (librdkafka's threads free the
/// last fetched buffers after the view has applied them), and every ten minutes while it stays
/// caught up, so a wall screen stays small for weeks.
struct GiveBackSchedule {
    static let settle = 3.0
    static let every = 600.0
    /// The next give-back while caught up; nil while catching up.
    private var next: Double?

    /// True when memory should be given back now (`now` in seconds since any fixed moment,
    /// e.g. the system's uptime, which a clock change does not move).
    mutating func due(caughtUp: Bool, now: Double) -> Bool {
        guard caughtUp else {
            next = nil
            return false
        }
        guard let next else {
            // Just caught up.
            self.next = now + Self.settle
            return true
        }
        guard now >= next else { return false }
        self.next = now + Self.every
        return true
    }
}
