import Foundation
import Kafka
import Terminal
import Transform

/// Everything the full-screen dashboard shows and remembers: the latest snapshot, the
/// connection, the clock, the UI's own choices. Changed only by `update` (keys) and `refresh`
/// (what the ingest thread and the consumer report on each tick), both pure.
struct DashboardState: Equatable {
    var snapshot: Snapshot
    /// Wall clock, Unix seconds.
    var now: Int64
    var topic: String
    var brokers: String
    var connection: ConnectionState = .connecting
    var connectionSince: Date = Date()
    /// The last time every broker came back, within the last minute, and how long they had
    /// been down: the status line says so instead of a plain "connected".
    var reconnected: Reconnection?
    var caughtUp = false
    /// Records behind the partitions' ends (nil until known).
    var lag: Int64?
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
    /// Key hints in titles ("s: sort"); off in the printed report, where no key works.
    var hints = true
    /// Started as a wall screen (--kiosk): read-only, only q works from a keyboard.
    var wall = false
    /// Seconds each kiosk panel stays (--rotate).
    var rotateSeconds: Int64 = 20
    /// When the kiosk last wrote the whole screen (nobody is there to press Ctrl-L).
    var lastRepaint: Int64 = 0
    /// Minutes between the kiosk's full repaints and its one-cell shifts against burn-in.
    static let kioskRepaintSeconds: Int64 = 300
    /// When the view started (Unix seconds): the kiosk rotates from here.
    var started: Int64 = 0
    var rate = RateMeter()

    // MARK: - Pages

    /// The four views; Tab/Shift-Tab and 1–4 switch, the header says which.
    enum Page: Int, CaseIterable, Sendable {
        case overview = 1, items, orders, quality

        var title: String {
            switch self {
            case .overview: return "Overview"
            case .items: return "Items"
            case .orders: return "Orders"
            case .quality: return "Quality"
            }
        }
    }

    /// How the Items page sorts; `s` cycles.
    enum ItemsSort: CaseIterable, Sendable {
        case quantity, revenue, name
    }

    /// Orders kept for the Orders page (newest by event time).
    static let ordersKept = 500

    var page = Page.overview
    /// Seconds between screen updates (`+`/`-` change it).
    var refreshInterval = 0.5
    /// The numbers stay as they were while paused; ingest goes on, `p` again jumps to now.
    var paused = false
    /// The themes `t` cycles through, and the one shown.
    var themeNames = ["default"]
    var themeIndex = 0
    /// A short message on the status line until `flashUntil` (a theme change, a theme problem).
    var flash: String?
    var flashUntil: Int64 = 0
    var itemsSort = ItemsSort.quantity
    var itemsTable = TableState()
    var ordersTable = TableState()
    /// The Orders page's filter (table, dish or payment mode), and whether it is being typed.
    var filter = ""
    var editingFilter = false
    /// The terminal's size, for how many rows a page of a table is.
    var width = 80
    var height = 24

    /// Rows a table shows on the Items and Orders pages: the screen less the header (4), the
    /// status line, the panel's borders and the table's own header.
    var tablePage: Int { max(1, height - 8) }

    // MARK: - Keys

    enum Action: Sendable, Equatable {
        case quit, itemsOrder, kiosk, help, redraw, nextPage, previousPage, page(Page), sort, scroll, filter
        case pause, faster, slower, theme
    }

    /// The dashboard's keys: what they do and what the help overlay says, from one table.
    static let keys = KeyMap<Action>([
        .init([.character("q"), .character("Q"), .escape], "quit (Esc clears a filter first)", .quit, label: "q, Esc"),
        .init([.tab], "next view", .nextPage),
        .init([.backTab], "previous view", .previousPage),
        .init([.character("1")], "overview", .page(.overview)),
        .init([.character("2")], "items: every dish of the day", .page(.items)),
        .init([.character("3")], "orders: the gold rows, newest first", .page(.orders)),
        .init([.character("4")], "quality: rejects, warnings, duplicates", .page(.quality)),
        .init([.character("i"), .character("I")], "overview: items by quantity / revenue", .itemsOrder, label: "i"),
        .init([.character("s"), .character("S")], "items: sort by quantity, revenue, name", .sort, label: "s"),
        .init([.up, .down, .pageUp, .pageDown, .home, .end], "scroll items / orders", .scroll,
              label: "Up/Down, PgUp/PgDn, Home/End"),
        .init([.character("/")], "orders: filter by table, dish, payment", .filter),
        .init([.character("p"), .character("P"), .character(" ")], "pause the numbers / back to now", .pause, label: "p, Space"),
        .init([.character("+"), .character("=")], "update the screen more often", .faster, label: "+"),
        .init([.character("-")], "update the screen less often", .slower),
        .init([.character("t"), .character("T")], "next theme", .theme, label: "t"),
        .init([.character("k"), .character("K")], "kiosk view (wall screen) on / off", .kiosk, label: "k"),
        .init([.character("?"), .character("h")], "this help", .help),
        .init([.ctrl("l")], "redraw the whole screen", .redraw),
    ])

    /// Whether `action` does anything on `page` (the help lists only those).
    static func applies(_ action: Action, on page: Page) -> Bool {
        switch action {
        case .itemsOrder: return page == .overview
        case .sort: return page == .items
        case .scroll: return page == .items || page == .orders
        case .filter: return page == .orders
        default: return true
        }
    }

    /// The help for the page on screen: every key that does something there.
    var helpLines: [String] { Self.keys.helpLines { Self.applies($0.action, on: page) } }

    /// Shows `text` on the status line for `seconds`.
    mutating func show(_ text: String, seconds: Int64) {
        flash = text
        flashUntil = now + seconds
    }

    /// The refresh intervals `+` and `-` step through, in seconds.
    static let refreshSteps: [Double] = [0.1, 0.25, 0.5, 1, 2, 5, 10]

    /// A key or a resize changes what is shown; the clock changes nothing here (see `refresh`).
    mutating func update(_ event: AppEvent) -> AppCommand {
        switch event {
        case let .resized(width, height):
            self.width = width
            self.height = height
            clampTables()
            return .none
        case .tick:
            // A wall screen repaints itself now and then, and moves by one cell (see the view).
            if kiosk && now - lastRepaint >= Self.kioskRepaintSeconds {
                lastRepaint = now
                return .redrawAll
            }
            return .none
        case let .key(key):
            if editingFilter { return typeFilter(key) }
            guard let action = Self.keys.action(for: key) else { return .none }
            // Read-only on the wall: a keyboard left attached can only end it.
            if wall && action != .quit { return .none }
            return perform(action, key: key)
        }
    }

    private mutating func perform(_ action: Action, key: Key) -> AppCommand {
        switch action {
        case .quit:
            if page == .orders && !filter.isEmpty {
                filter = ""
                ordersTable = TableState()
                return .none
            }
            return .quit
        case .itemsOrder: itemsByRevenue.toggle()
        case .kiosk: kiosk.toggle()
        case .help: showHelp.toggle()
        case .redraw: return .redrawAll
        case .nextPage: page = Page(rawValue: page.rawValue % Page.allCases.count + 1)!
        case .previousPage: page = Page(rawValue: (page.rawValue + Page.allCases.count - 2) % Page.allCases.count + 1)!
        case let .page(target): page = target
        case .sort:
            guard page == .items else { return .none }
            let all = ItemsSort.allCases
            itemsSort = all[(all.firstIndex(of: itemsSort)! + 1) % all.count]
        case .scroll:
            switch page {
            case .items: _ = itemsTable.handle(key, rowCount: snapshot.items.count, page: tablePage)
            case .orders: _ = ordersTable.handle(key, rowCount: filteredOrders.count, page: tablePage)
            default: break
            }
        case .filter:
            guard page == .orders else { return .none }
            editingFilter = true
        case .pause: paused.toggle()
        case .theme:
            themeIndex = (themeIndex + 1) % max(1, themeNames.count)
            show("theme: \(themeNames[themeIndex])", seconds: 3)
            return .redrawAll  // every cell changes: write the screen whole, once
        case .faster: refreshInterval = Self.refreshSteps.last { $0 < refreshInterval } ?? refreshInterval
        case .slower: refreshInterval = Self.refreshSteps.first { $0 > refreshInterval } ?? refreshInterval
        }
        return .none
    }

    /// While the filter is typed: characters add, Backspace removes, Enter keeps it, Esc clears.
    private mutating func typeFilter(_ key: Key) -> AppCommand {
        switch key {
        case let .character(c): filter.append(c)
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .enter: editingFilter = false
        case .escape:
            filter = ""
            editingFilter = false
        default: return .none
        }
        ordersTable = TableState()
        return .none
    }

    private mutating func clampTables() {
        itemsTable.clamp(rowCount: snapshot.items.count, visible: tablePage)
        ordersTable.clamp(rowCount: filteredOrders.count, visible: tablePage)
    }

    /// The day's dishes in the Items page's order.
    var sortedItems: [Snapshot.ItemTotal] {
        switch itemsSort {
        case .quantity: return snapshot.items.sorted { ($0.quantity, $1.name) > ($1.quantity, $0.name) }
        case .revenue: return snapshot.items.sorted { ($0.revenue, $1.name) > ($1.revenue, $0.name) }
        case .name: return snapshot.items.sorted { $0.name.localizedStandardCompare($1.name) == .orderedAscending }
        }
    }

    /// The recent orders the filter lets through: a table id, a dish or a payment mode that
    /// contains it (case-insensitively).
    var filteredOrders: [Order] {
        let needle = filter.lowercased()
        guard !needle.isEmpty else { return snapshot.recent }
        return snapshot.recent.filter { order in
            order.tableID.lowercased().contains(needle) || order.paymentMode.lowercased().contains(needle)
                || order.items.contains { $0.name.lowercased().contains(needle) }
        }
    }

    // MARK: - The tick

    /// What the ingest thread and the consumer report, read on each tick.
    struct Feed {
        var snapshot: Snapshot
        var now: Date
        /// nil until the consumer exists (still connecting).
        var health: ClientHealth?
        var caughtUp = false
        var lag: Int64?
    }

    mutating func refresh(_ feed: Feed) {
        if !paused {
            snapshot = feed.snapshot
            now = Int64(feed.now.timeIntervalSince1970)
        }
        clampTables()
        if flash != nil && now >= flashUntil { flash = nil }
        kioskPanel = Int(max(0, now - started) / max(1, rotateSeconds))
        guard let health = feed.health else {
            connection = .connecting
            if waitingSince == nil { waitingSince = now }
            return
        }
        waitingSince = nil
        connection = health.state
        connectionSince = health.since
        reconnected = Self.reconnection(health, now: feed.now)
        caughtUp = feed.caughtUp
        lag = feed.lag
        ordersPerSecond = rate.update(orders: snapshot.orders, at: feed.now)
        notice = Self.notice(health, now: feed.now)
    }

    struct Reconnection: Equatable, Sendable {
        var at: Date
        /// From "all brokers down" to back, when that was seen.
        var downFor: TimeInterval?
    }

    /// A return from an outage in the last minute, while connected.
    static func reconnection(_ health: ClientHealth, now: Date) -> Reconnection? {
        guard health.state == .connected,
            let back = health.events.last(where: { $0.event == .reconnected }),
            now.timeIntervalSince(back.at) < 60
        else { return nil }
        let down = health.events.last { $0.event == .allBrokersDown && $0.at <= back.at }
        return Reconnection(at: back.at, downFor: down.map { back.at.timeIntervalSince($0.at) })
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
struct RateMeter: Equatable {
    /// The samples change every tick but are never shown; what is shown, the state's
    /// `ordersPerSecond`, is compared on its own. So two meters always compare equal, and an
    /// idle screen is not redrawn for them.
    static func == (_: RateMeter, _: RateMeter) -> Bool { true }

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
