import Foundation
@testable import Kafka
import Terminal
import Testing
import Transform
@testable import Dashboard

/// Views are functions from a snapshot to a frame; these tests read frames as text.
@Suite struct ViewTests {
    /// 2026-11-20 in Asia/Kolkata with orders between 13:00 and 14:29:51; now is 14:32.
    static func model(now: Int64? = nil, restaurant: Restaurant = .seed) -> DashboardState {
        let zone = TimeZone(identifier: "Asia/Kolkata")!
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: zone)
        var state = SalesState(window: window, restaurant: restaurant)
        var generator = OrderGenerator(restaurant: restaurant, seed: 3)
        let start = window.start + 13 * 3600
        for i in 0..<600 {
            let order = generator.next(at: start + Int64(i) * 9)
            state.ingest(Array(order.json.utf8), now: window.end)
        }
        state.ingest(Array("{oops".utf8), now: window.end)
        return DashboardState(
            snapshot: state.snapshot(), now: now ?? start + 5_520, topic: "restaurant-sales",
            brokers: "127.0.0.1:40321", connection: .connected, caughtUp: true, ordersPerSecond: 12.4)
    }

    /// Dishes with two-column characters (CJK, emoji), some too long for any column they
    /// are shown in, so a view that cut text by characters instead of columns would show.
    static let wideMenu = Restaurant(
        menu: [
            MenuItem(name: "寿司", price: 120), MenuItem(name: "🍛 Thali", price: 150),
            MenuItem(name: "特製とんこつラーメン大盛り", price: 210), MenuItem(name: "Masala Dosa", price: 70),
            MenuItem(name: "餃子", price: 60), MenuItem(name: "Tea ☕", price: 10),
        ],
        paymentModes: ["CASH", "CARD", "UPI"], tables: (1...10).map { "T\($0)" })

    let view = DashboardView(theme: .standard, glyphs: .unicode)

    @Test func theFullViewAt100x30() {
        let frame = view.render(Self.model(), width: 100, height: 30)
        let text = frame.text
        if ProcessInfo.processInfo.environment["SHOW_FRAMES"] != nil { print(text) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 30)
        #expect(lines.allSatisfy { Frame.columns(String($0)) == 100 })
        #expect(lines[0].hasPrefix("╭─ Tiffin · restaurant-sales "))
        #expect(lines[0].contains("Fri 20 Nov 2026 14:32:00 IST"))
        #expect(text.contains("REVENUE TODAY") && text.contains("LAST 10 MIN"))
        #expect(text.contains("Revenue per minute · last 89 min"))
        #expect(text.contains("Popular items · quantity (i: revenue)"))
        #expect(text.contains("Payment split · orders"))
        #expect(text.contains("Recent orders"))
        #expect(lines[29].contains("● connected 127.0.0.1:40321 · caught up · 12.4 orders/s · rejected 1"))
        #expect(lines[29].hasSuffix("?:help q:quit"))
        let snapshot = Self.model().snapshot
        #expect(text.contains(Money().format(snapshot.revenue)))
        #expect(text.contains(snapshot.items[0].name))
    }

    @Test func theFullViewAt80x24KeepsEveryPanel() {
        let text = view.render(Self.model(), width: 80, height: 24).text
        for panel in ["Tiffin", "Revenue per minute", "Popular items", "Payment split", "Recent orders", "?:help"] {
            #expect(text.contains(panel), "\(panel)")
        }
    }

    @Test func aSmallTerminalShowsKPIsAndTheSparkline() {
        let text = view.render(Self.model(), width: 40, height: 12).text
        #expect(text.contains("REVENUE TODAY") && text.contains("Revenue per minute"))
        #expect(!text.contains("Popular items"))
    }

    @Test func aTinyTerminalSaysSo() {
        let text = view.render(Self.model(), width: 30, height: 8).text
        #expect(text.contains("Terminal too small"))
    }

    @Test func everySizeFromTinyToHugeKeepsWideCharactersWholeAndTheLayoutInPlace() {
        let model = Self.model(restaurant: Self.wideMenu)
        for (w, h) in [(1, 1), (39, 11), (40, 12), (41, 13), (79, 23), (80, 24), (99, 29), (120, 40), (250, 70)] {
            let text = view.render(model, width: w, height: h).text
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            // A row that is not exactly `w` columns holds half of a wide character: something
            // was drawn over the other half, or text was cut in the middle of one.
            #expect(lines.allSatisfy { Frame.columns($0) == w }, "\(w)x\(h)")
            if w >= DashboardView.minimumWidth && h >= DashboardView.minimumHeight {
                // The header box at the top, the last panel closed just above the status line,
                // the status line at the bottom with the key hints at its right edge.
                #expect(lines[0].hasPrefix("╭─ Tiffin"), "\(w)x\(h)")
                #expect(lines[h - 2].hasPrefix("╰") && lines[h - 2].hasSuffix("╯"), "\(w)x\(h)")
                #expect(lines[h - 1].hasPrefix(" ● ") && lines[h - 1].hasSuffix(" ?:help q:quit"), "\(w)x\(h)")
            } else if w >= Frame.columns("Terminal too small") {
                #expect(text.contains("Terminal too small"), "\(w)x\(h)")
            }
        }
    }

    @Test func theSparklineEndsAtNowAndScalesToThePeak() throws {
        let lines = view.render(Self.model(), width: 100, height: 30).text
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // The sparkline's box: from the top border holding its title to the next bottom border.
        let top = try #require(lines.firstIndex { $0.contains("Revenue per minute") })
        let bottom = try #require(lines[top...].firstIndex { $0.hasPrefix("╰") })
        #expect(lines[top].contains("peak ₹"))
        #expect(lines[(top + 1)..<bottom].contains { $0.contains("█") })
        // Its last row is the time axis, which ends at now (14:32), not at the last order
        // (14:29); the header's clock shows 14:32 too, so only this row tells.
        let axis = String(lines[bottom - 1].dropLast()).trimmingCharacters(in: .whitespaces)
        #expect(axis.hasSuffix(" 14:32"), "\(axis)")
    }

    @Test func asciiFallbackUsesNoUnicode() {
        let ascii = DashboardView(theme: .mono, glyphs: .ascii)
        let text = ascii.render(Self.model(), width: 100, height: 30).text
        #expect(text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(text.contains("Rs."))
    }

    @Test func aBrokerOutageKeepsTheNumbersAndSaysSince() {
        var model = Self.model()
        model.connection = .allBrokersDown
        model.connectionSince = Date(timeIntervalSince1970: Double(model.now - 60))
        let text = view.render(model, width: 100, height: 30).text
        #expect(text.contains("broker down since 14:31:00"))
        #expect(text.contains("showing data to"))
        #expect(text.contains(Money().format(model.snapshot.revenue)))
    }

    @Test func aReturnFromAnOutageIsSaidForAMinute() {
        var model = Self.model()
        model.connection = .connected
        model.reconnected = .init(at: Date(timeIntervalSince1970: Double(model.now - 20)), downFor: 31)
        let text = view.render(model, width: 120, height: 30).text
        #expect(text.contains("reconnected 14:31:40 after 31 s down"))
        #expect(text.contains(Money().format(model.snapshot.revenue)))
        model.reconnected = nil
        #expect(view.render(model, width: 120, height: 30).text.contains("connected"))
        #expect(DashboardView.duration(185) == "3 min 5 s" && DashboardView.duration(7_440) == "2 h 4 min")
    }

    @Test func theLastReturnInTheLastMinuteIsTheOneSaid() {
        var health = ClientHealth()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        health.transition(to: .connected, at: t0)
        health.transition(to: .allBrokersDown, at: t0 + 10)
        health.transition(to: .connected, at: t0 + 41)
        #expect(DashboardState.reconnection(health, now: t0 + 50) == .init(at: t0 + 41, downFor: 31))
        #expect(DashboardState.reconnection(health, now: t0 + 102) == nil)  // a minute later
        health.transition(to: .allBrokersDown, at: t0 + 110)
        #expect(DashboardState.reconnection(health, now: t0 + 111) == nil)  // down again
    }

    @Test func kioskShowsBigDigitsAndNoKeyHints() {
        var model = Self.model()
        model.kiosk = true
        let text = view.render(model, width: 100, height: 30).text
        #expect(text.contains("Revenue today"))
        #expect(text.contains("█▀▀█"))
        #expect(!text.contains("q:quit"))
    }

    @Test func helpOverlaysTheView() {
        var model = Self.model()
        model.showHelp = true
        #expect(view.render(model, width: 100, height: 30).text.contains("kiosk view"))
    }

    @Test func anEmptyDaySaysSoInsteadOfBlankPanels() {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "Asia/Kolkata")!)
        let model = DashboardState(snapshot: SalesState(window: window).snapshot(), now: window.start + 3600,
                              topic: "restaurant-sales", brokers: "b:1")
        let text = view.render(model, width: 100, height: 30).text
        #expect(text.contains("no orders yet today") && text.contains("waiting for the first order"))
    }

    @Test func niceAxisCeilings() {
        #expect([0, 1, 7, 12, 95, 120, 1_240, 2_290, 5_000, 7_001].map(niceCeiling)
            == [1, 1, 8, 15, 100, 150, 1_500, 2_500, 5_000, 8_000])
    }
}
