import Foundation
import Kafka
import Terminal
import Transform

/// Everything the full-screen dashboard shows and remembers: the latest snapshot, the
/// connection, the clock, the UI's own choices. Changed only by `update` (keys) and `refresh`
/// (what the ingest thread and the consumer report on each tick), both pure.
struct DashboardState {
    var snapshot: Snapshot
    /// Wall clock, Unix seconds.
    var now: Int64
    var topic: String
    var brokers: String
    var connection: ConnectionState = .connecting
    var connectionSince: Date = Date()
    var caughtUp = false
    /// Accepted orders per second, lately.
    var ordersPerSecond: Double = 0
    var itemsByRevenue = false
    var showHelp = false
    var kiosk = false
    /// Which panel the kiosk shows in its rotating slot.
    var kioskPanel = 0
    /// A problem to show in the status line (for example the last Kafka error).
    var notice: String?
    /// Until Kafka first answers: since when the view has been connecting (Unix seconds).
    var waitingSince: Int64?
    /// When the view started (Unix seconds): the kiosk rotates from here.
    var started: Int64 = 0
    var rate = RateMeter()

    // MARK: - Keys

    enum Action: Sendable {
        case quit, itemsOrder, kiosk, help, redraw
    }

    /// The dashboard's keys: what they do and what the help overlay says, from one table.
    static let keys = KeyMap<Action>([
        .init([.character("q"), .character("Q"), .escape], "quit", .quit, label: "q, Esc"),
        .init([.character("i"), .character("I")], "popular items by quantity / revenue", .itemsOrder, label: "i"),
        .init([.character("k"), .character("K")], "kiosk view (wall screen) on / off", .kiosk, label: "k"),
        .init([.character("?"), .character("h")], "this help", .help),
        .init([.ctrl("l")], "redraw the whole screen", .redraw),
    ])

    /// A key (or a resize) changes what is shown; the clock changes nothing here (see `refresh`).
    mutating func update(_ event: AppEvent) -> AppCommand {
        guard case let .key(key) = event, let action = Self.keys.action(for: key) else { return .none }
        switch action {
        case .quit: return .quit
        case .itemsOrder: itemsByRevenue.toggle()
        case .kiosk: kiosk.toggle()
        case .help: showHelp.toggle()
        case .redraw: return .redrawAll
        }
        return .none
    }

    // MARK: - The tick

    /// What the ingest thread and the consumer report, read on each tick.
    struct Feed {
        var snapshot: Snapshot
        var now: Date
        /// nil until the consumer exists (still connecting).
        var health: ClientHealth?
        var caughtUp = false
    }

    mutating func refresh(_ feed: Feed) {
        snapshot = feed.snapshot
        now = Int64(feed.now.timeIntervalSince1970)
        kioskPanel = Int(max(0, now - started) / 10)
        guard let health = feed.health else {
            connection = .connecting
            if waitingSince == nil { waitingSince = now }
            return
        }
        waitingSince = nil
        connection = health.state
        connectionSince = health.since
        caughtUp = feed.caughtUp
        ordersPerSecond = rate.update(orders: snapshot.orders, at: feed.now)
        notice = Self.notice(health, now: feed.now)
    }

    /// What the status line should say besides the numbers: a cluster replaced in the last
    /// minute (the day is being read again), else the last error while not connected.
    static func notice(_ health: ClientHealth, now: Date) -> String? {
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
