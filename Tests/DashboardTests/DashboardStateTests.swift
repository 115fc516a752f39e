import Foundation
import Kafka
import Terminal
import Testing
import Transform
@testable import Dashboard

/// The full-screen dashboard's state changes only through `update` (keys) and `refresh` (the
/// tick's feed); both are pure, so these run without a terminal.
@Suite struct DashboardStateTests {
    static func state() -> DashboardState {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "UTC")!)
        return DashboardState(
            snapshot: SalesState(window: window).snapshot(), now: window.start, topic: "restaurant-sales",
            brokers: "127.0.0.1:9092", started: window.start)
    }

    @Test func keysToggleWhatTheHelpSaysTheyDo() {
        var s = Self.state()
        #expect(s.update(.key(.character("i"))) == .none && s.itemsByRevenue)
        #expect(s.update(.key(.character("k"))) == .none && s.kiosk)
        #expect(s.update(.key(.character("h"))) == .none && s.showHelp)
        #expect(s.update(.key(.character("?"))) == .none && !s.showHelp)
        #expect(s.update(.key(.ctrl("l"))) == .redrawAll)
        #expect(s.update(.key(.escape)) == .quit)
        #expect(s.update(.key(.character("Q"))) == .quit)
        #expect(s.update(.key(.character("z"))) == .none)
        #expect(s.update(.key(.resize)) == .none)
        // Every key the table handles is in the help, Ctrl-L and h included.
        let help = DashboardState.keys.helpLines.joined(separator: "\n")
        for needle in ["q, Esc", "Ctrl-L", "?, h", "i ", "k "] { #expect(help.contains(needle)) }
    }

    @Test func untilTheConsumerExistsTheViewIsConnecting() {
        var s = Self.state()
        s.rotateSeconds = 10
        let start = Date(timeIntervalSince1970: TimeInterval(s.started))
        s.refresh(.init(snapshot: s.snapshot, now: start.addingTimeInterval(3), health: nil))
        #expect(s.connection == .connecting)
        #expect(s.waitingSince == s.started + 3)
        var health = ClientHealth()
        health.state = .connected
        s.refresh(.init(snapshot: s.snapshot, now: start.addingTimeInterval(25), health: health, caughtUp: true))
        #expect(s.waitingSince == nil)
        #expect(s.connection == .connected && s.caughtUp)
        #expect(s.kioskPanel == 2)
    }

    @Test func theStatusLineSaysTheClusterWasReplacedForAMinute() {
        var health = ClientHealth()
        health.state = .connected
        let now = Date()
        #expect(DashboardState.notice(health, now: now) == nil)
        health.clusterReplacedAt = now
        #expect(DashboardState.notice(health, now: now.addingTimeInterval(5)) == "Kafka cluster replaced: re-reading the day")
        #expect(DashboardState.notice(health, now: now.addingTimeInterval(61)) == nil)
    }

    @Test func whileConnectingABoxSaysWhereAndHowToQuit() {
        var s = Self.state()
        s.waitingSince = s.now - 4
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        #expect(text.contains("Connecting to 127.0.0.1:9092"))
        #expect(text.contains("waiting 4 s"))
        #expect(text.contains("q or Ctrl-C to quit"))
    }

    @Test func theHelpOverlayIsTheKeyTable() {
        var s = Self.state()
        s.showHelp = true
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        for line in s.helpLines { #expect(text.contains(line)) }
        // Only what works here: the items page's sort key is not listed on the overview.
        #expect(text.contains("overview: items by quantity / revenue"))
        #expect(!text.contains("items: sort"))
        s.page = .items
        let items = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        #expect(items.contains("items: sort by quantity, revenue, name"))
        #expect(!items.contains("overview: items by"))
    }
}

extension DashboardStateTests {
    static func busy() -> DashboardState {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "UTC")!)
        var limits = SalesState.Limits()
        limits.recentOrders = DashboardState.ordersKept
        var sales = SalesState(window: window, limits: limits)
        var generator = OrderGenerator(seed: 3)
        for i in 0..<300 {
            sales.ingest(Array(generator.nextRecord(at: window.start + 3600 + Int64(i) * 60, faultRate: 0.25)),
                         now: window.start + 86_400, origin: RecordOrigin(partition: Int32(i % 4), offset: Int64(i)))
        }
        return viewing(sales, at: window.start + 86_399)
    }

    /// The full-screen state over `sales` at `now` in a 100×30 terminal.
    static func viewing(_ sales: SalesState, at now: Int64) -> DashboardState {
        var s = DashboardState(
            snapshot: sales.snapshot(), now: now, topic: "restaurant-sales",
            brokers: "127.0.0.1:9092", started: sales.window.start)
        _ = s.update(.resized(width: 100, height: 30))
        return s
    }

    @Test func tabAndNumbersSwitchPagesAndTheHeaderSaysWhich() {
        var s = Self.busy()
        #expect(s.page == .overview)
        _ = s.update(.key(.tab))
        #expect(s.page == .items)
        _ = s.update(.key(.backTab))
        _ = s.update(.key(.backTab))
        #expect(s.page == .quality)
        _ = s.update(.key(.character("3")))
        #expect(s.page == .orders)
        let view = DashboardView(theme: .standard, glyphs: .unicode)
        for page in DashboardState.Page.allCases {
            s.page = page
            let first = view.render(s, width: 100, height: 30).text.split(separator: "\n")[0]
            #expect(first.contains("\(page.rawValue) \(page.title)"), "\(first)")
        }
    }

    @Test func theItemsPageSortsAndScrolls() {
        var s = Self.busy()
        s.page = .items
        #expect(s.sortedItems.map(\.quantity) == s.sortedItems.map(\.quantity).sorted(by: >))
        _ = s.update(.key(.character("s")))
        #expect(s.itemsSort == .revenue)
        #expect(s.sortedItems.map(\.revenue) == s.sortedItems.map(\.revenue).sorted(by: >))
        _ = s.update(.key(.character("s")))
        #expect(s.sortedItems.first?.name == s.snapshot.items.map(\.name).sorted { $0.localizedStandardCompare($1) == .orderedAscending }.first)
        _ = s.update(.key(.end))
        #expect(s.itemsTable.selected == s.snapshot.items.count - 1)
        _ = s.update(.key(.home))
        #expect(s.itemsTable.selected == 0 && s.itemsTable.offset == 0)
    }

    @Test func theOrdersPageScrollsByPagesAndFilters() {
        var s = Self.busy()
        s.page = .orders
        #expect(s.snapshot.recent.count > 100, "the Orders page keeps more than the overview shows")
        _ = s.update(.key(.pageDown))
        #expect(s.ordersTable.selected == s.tablePage)
        #expect(s.ordersTable.offset > 0)
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 100, height: 30).text
        let shown = s.filteredOrders[s.ordersTable.offset]
        #expect(text.contains(String(shown.orderID)))
        // "/" then a table id: only that table's orders; Esc clears the filter, a second Esc quits.
        _ = s.update(.key(.character("/")))
        #expect(s.editingFilter)
        for c in "t7" { _ = s.update(.key(.character(c))) }
        _ = s.update(.key(.enter))
        #expect(!s.editingFilter && s.filter == "t7")
        #expect(!s.filteredOrders.isEmpty)
        #expect(s.filteredOrders.allSatisfy { $0.tableID == "T7" || $0.items.contains { $0.name.lowercased().contains("t7") } })
        #expect(s.update(.key(.escape)) == .none && s.filter.isEmpty)
        #expect(s.update(.key(.escape)) == .quit)
    }

    @Test func theQualityPageShowsEveryReasonAndTheLastRejectsSafely() {
        var s = Self.busy()
        s.page = .quality
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 120, height: 40).text
        for reason in RejectionReason.allCases { #expect(text.contains(reason.rawValue)) }
        #expect(text.contains("duplicates"))
        #expect(text.contains("Last 20 rejected records"))
        #expect(s.snapshot.quality.rejects.count == 20)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(DashboardView.visible(Array("a\u{1B}]0;x\u{07}b".utf8)) == "a\\u{1B}]0;x\\u{7}b")
    }

    @Test(arguments: [(120, 40), (80, 24), (40, 12), (20, 6)])
    func everyPageFitsEverySize(width: Int, height: Int) {
        var s = Self.busy()
        let view = DashboardView(theme: .standard, glyphs: .unicode)
        for page in DashboardState.Page.allCases {
            s.page = page
            _ = s.update(.resized(width: width, height: height))
            let frame = view.render(s, width: width, height: height)
            let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == height)
            #expect(lines.allSatisfy { Frame.columns(String($0)) == width })
            if width >= DashboardView.minimumWidth {
                #expect(lines[0].contains("Tiffin"), "\(page) at \(width)×\(height)")
                #expect(lines[height - 1].contains("q:quit"), "\(page) at \(width)×\(height)")
            } else {
                #expect(frame.text.contains("Terminal too small"))
            }
        }
    }
}

extension DashboardStateTests {
    @Test func pauseKeepsTheNumbersWhileIngestGoesOnAndPAgainJumpsToNow() {
        var s = Self.busy()
        let before = s.snapshot
        var newer = before
        newer.orders += 5
        newer.revenue += 500
        var health = ClientHealth()
        health.state = .connected
        _ = s.update(.key(.character("p")))
        #expect(s.paused)
        s.refresh(.init(snapshot: newer, now: Date(), health: health))
        #expect(s.snapshot == before)
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 100, height: 30).text
        #expect(text.contains("PAUSED"))
        _ = s.update(.key(.character("p")))
        s.refresh(.init(snapshot: newer, now: Date(), health: health))
        #expect(s.snapshot == newer)
    }

    @Test func plusAndMinusStepTheRefreshInterval() {
        var s = Self.busy()
        #expect(s.refreshInterval == 0.5)
        _ = s.update(.key(.character("+")))
        #expect(s.refreshInterval == 0.25)
        _ = s.update(.key(.character("-")))
        _ = s.update(.key(.character("-")))
        #expect(s.refreshInterval == 1)
        for _ in 0..<10 { _ = s.update(.key(.character("-"))) }
        #expect(s.refreshInterval == 10)
    }

    @Test func theStatusLineShowsTheLagWhileBehind() {
        var s = Self.busy()
        var health = ClientHealth()
        health.state = .connected
        s.refresh(.init(snapshot: s.snapshot, now: Date(), health: health, caughtUp: false, lag: 12_345))
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 120, height: 30).text
        #expect(text.contains("lag 12,345"))
        s.refresh(.init(snapshot: s.snapshot, now: Date(), health: health, caughtUp: true, lag: 0))
        #expect(DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 120, height: 30).text.contains("caught up"))
    }
}

extension DashboardStateTests {
    @Test func tCyclesTheThemesAndSaysWhichForAMoment() {
        var s = Self.busy()
        s.themeNames = ["default", "light", "mono"]
        _ = s.update(.key(.character("t")))
        #expect(s.themeIndex == 1 && s.flash == "theme: light")
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 100, height: 30).text
        #expect(text.contains("theme: light"))
        _ = s.update(.key(.character("t")))
        _ = s.update(.key(.character("t")))
        #expect(s.themeIndex == 0)
        s.refresh(.init(snapshot: s.snapshot, now: Date(timeIntervalSince1970: TimeInterval(s.now + 4)), health: nil))
        #expect(s.flash == nil)
    }
}

extension DashboardStateTests {
    @Test func at80x24ThePaymentPanelKeepsEveryModesRevenue() {
        var s = Self.busy()
        // "CASH ₹10.6L · CARD ₹10.8L · UPI ₹10.9L" is 38 columns; the panel has 36 at 80×24.
        for (i, rupees) in [1_060_000, 1_080_000, 1_090_000].enumerated() where i < s.snapshot.paymentModes.count {
            s.snapshot.paymentModes[i].revenue = Int64(rupees)
        }
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        for mode in s.snapshot.paymentModes.map(\.mode) {
            #expect(text.contains("\(mode) ₹1"), "\(mode) lost:\n\(text)")
        }
    }
}

extension DashboardStateTests {
    @Test func theWallIsReadOnlyRotatesAndRepaintsItselfNowAndThen() {
        var s = Self.busy()
        s.kiosk = true
        s.wall = true
        s.rotateSeconds = 20
        s.lastRepaint = s.now
        #expect(s.update(.key(.character("2"))) == .none && s.page == .overview)
        #expect(s.update(.key(.character("k"))) == .none && s.kiosk)
        #expect(s.update(.key(.character("q"))) == .quit)
        let start = Date(timeIntervalSince1970: TimeInterval(s.started))
        s.refresh(.init(snapshot: s.snapshot, now: start.addingTimeInterval(45), health: nil))
        #expect(s.kioskPanel == 2)
        #expect(s.update(.tick(Date())) == .none)
        s.now = s.lastRepaint + DashboardState.kioskRepaintSeconds
        #expect(s.update(.tick(Date())) == .redrawAll)
        #expect(s.update(.tick(Date())) == .none)
        // The layout moves by one column every repaint period, against burn-in.
        let view = DashboardView(theme: .standard, glyphs: .unicode)
        let a = view.render(s, width: 100, height: 30).text
        s.now += DashboardState.kioskRepaintSeconds
        let b = view.render(s, width: 100, height: 30).text
        let firstA = a.split(separator: "\n")[0], firstB = b.split(separator: "\n")[0]
        #expect(firstA.hasPrefix("╭") != firstB.hasPrefix("╭"))
    }
}

extension DashboardStateTests {
    /// A day with awkward text: a ZWJ emoji dish, a long dish that is not on the menu, a huge order.
    static func awkward() -> DashboardState {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "UTC")!)
        var sales = SalesState(window: window)
        let orders = [
            Order(orderID: 1, tableID: "T1", customers: 2, paymentMode: "UPI",
                  items: [.init(name: "👨‍👩‍👧 Family Thali", quantity: 3, price: 400)], amount: 1200,
                  timestamp: window.start + 3600),
            Order(orderID: 2, tableID: "T2", customers: 1, paymentMode: "CASH",
                  items: [.init(name: "Extraordinarily Long Dish Name", quantity: 2, price: 90)], amount: 180,
                  timestamp: window.start + 3660),
            // The contract's largest order: 100 lines of 1,000 × ₹10,00,000 = ₹10,000 crore.
            Order(orderID: 3, tableID: "T3", customers: 1, paymentMode: "CARD",
                  items: Array(repeating: .init(name: "Masala Dosa", quantity: 1_000, price: 1_000_000), count: 100),
                  amount: 100_000_000_000, timestamp: window.start + 3720),
        ]
        for order in orders { sales.ingest(Array(order.json.utf8), now: window.end) }
        return viewing(sales, at: window.start + 3800)
    }

    @Test func awkwardTextNeverShiftsOrHidesAColumn() {
        let s = Self.awkward()
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 100, height: 30).text
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { Frame.columns($0) == 100 })
        // The ZWJ family is drawn as its first emoji: two columns on every terminal.
        #expect(text.contains("👨 Family"))
        #expect(!text.contains("\u{200D}"))
        // The long dish not on the menu is cut, and keeps its mark.
        #expect(lines.contains { $0.contains("Extraordinar") && $0.contains("…*") })
        // The huge order abbreviates and its payment mode is still there.
        let huge = lines.first { $0.contains(" T3 ") }
        #expect(huge?.contains("₹10000Cr CARD") == true, "\(huge ?? "")")
    }
}
