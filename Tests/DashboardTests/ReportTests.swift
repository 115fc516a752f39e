import Foundation
import SafeText
import Terminal
import Testing
import Transform
@testable import Dashboard

/// `dashboard --once` goes to a terminal, a mail or a cron log: what a record carries must not
/// reach it as escapes (issue 6).
@Suite struct ReportTests {
    @Test func recordTextReachesTheReportWithoutUnsafeScalars() {
        let zone = TimeZone(identifier: "Asia/Kolkata")!
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: zone)
        var state = SalesState(window: window)
        let hostileName = "\u{1B}]0;PWNED\u{07}Evil"  // retitles an xterm, then rings the bell
        let orders = [
            Order(
                orderID: 1, tableID: "T\u{202E}3", customers: 2, paymentMode: "UPI",
                items: [Order.Line(name: hostileName, quantity: 1, price: 70)], amount: 70,
                timestamp: window.start + 13 * 3600),
            Order(
                orderID: 2, tableID: "T4", customers: 1, paymentMode: "CASH",
                items: [Order.Line(name: "Masala Dosa", quantity: 2, price: 70)], amount: 140,
                timestamp: window.start + 13 * 3600 + 60),
        ]
        for order in orders { state.ingest(Array(order.json.utf8), now: window.end) }
        var snapshot = state.snapshot()
        // Payment modes come from configuration, but the report treats them like record text.
        if let upi = snapshot.paymentModes.firstIndex(where: { $0.mode == "UPI" }) {
            snapshot.paymentModes[upi].mode = "U\u{9B}PI\u{2066}"
        }
        if let recent = snapshot.recent.firstIndex(where: { $0.orderID == 1 }) {
            snapshot.recent[recent].paymentMode = "U\u{9B}PI\u{2066}"
        }
        // The hostile text really is in the snapshot, so the report had something to clean.
        #expect(snapshot.orders == 2)
        #expect(snapshot.items.contains { $0.name == hostileName })
        #expect(snapshot.recent.contains { $0.tableID == "T\u{202E}3" })

        let report = DashboardView.report(snapshot, topic: "restaurant-sales", now: window.end)
        let leaked = report.unicodeScalars.filter { SafeText.isUnsafe($0) && $0 != "\n" }
        #expect(leaked.isEmpty, "\(leaked.map { String($0.value, radix: 16) })")
        #expect(!report.contains("\r"))  // "\r\n" would be one Character: check it on its own
        #expect(report.contains("?]0;PWNED?Evil"))
        #expect(report.contains("T?3"))
        #expect(report.contains("U?PI?"))

        // One "?" per character keeps the columns: the hostile item's share sits where the
        // plain one's does.
        let lines = report.split(separator: "\n").map(String.init)
        let evil = lines.first { $0.contains("PWNED") && $0.contains("%") }
        let dosa = lines.first { $0.contains("Masala Dosa") && $0.contains("%") }
        #expect(evil != nil && dosa != nil)
        #expect(evil.map { Self.column(of: "%", in: $0) } == dosa.map { Self.column(of: "%", in: $0) })
    }

    @Test func wideDishNamesKeepTheColumnsInPlace() {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "UTC")!)
        var state = SalesState(window: window)
        let names = ["Masala Dosa", "寿司", "👨‍👩‍👧 Family Thali", "दाल मखनी", String(repeating: "麺", count: 30)]
        for (i, name) in names.enumerated() {
            let order = Order(
                orderID: Int64(i + 1), tableID: "T1", customers: 1, paymentMode: "CASH",
                items: [Order.Line(name: name, quantity: 1, price: 70)], amount: 70,
                timestamp: window.start + 3600 + Int64(i))
            state.ingest(Array(order.json.utf8), now: window.end)
        }
        let report = DashboardView.report(state.snapshot(), topic: "restaurant-sales", now: window.end)
        let rows = report.split(separator: "\n").map(String.init).filter { line in
            // (A ZWJ emoji is drawn as its first part: look for the first scalar of each name.)
            names.contains { line.contains(String($0.unicodeScalars.first!)) } && line.contains("₹70") && line.contains("%")
        }
        #expect(rows.count == names.count, "\(report)")
        // The revenue and share columns line up whatever the dish name's width.
        #expect(Set(rows.map { Self.column(of: "₹70", in: $0) }).count == 1, "\(rows)")
        #expect(Set(rows.map { Self.column(of: "%", in: $0) }).count == 1, "\(rows)")
        #expect(report.split(separator: "\n").allSatisfy { Frame.columns(String($0)) <= 80 })
    }

    /// The terminal column at which `needle` starts in `line`.
    static func column(of needle: String, in line: String) -> Int {
        guard let range = line.range(of: needle) else { return -1 }
        return Frame.columns(String(line[..<range.lowerBound]))
    }
}
