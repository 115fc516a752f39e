import Foundation
import Kafka
import Terminal
import Transform

/// The header: the title bar with the clock and the four figures of the day.
extension DashboardView {
    func drawHeader(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        // The screen names its view; a printed report names its day instead.
        let title = model.hints
            ? "Tiffin \(glyphs.middleDot) \(model.topic) \(glyphs.middleDot) \(model.page.rawValue) \(model.page.title)"
            : "Tiffin \(glyphs.middleDot) \(model.topic) \(glyphs.middleDot) \(s.day) (\(s.timeZone))"
        let inner = Widgets.panel(&frame, rect, title: title, right: wallClock(model), theme: theme, glyphs: glyphs)
        let lastTen = lastMinutes(model, count: 10)
        var columns: [(String, String, Theme.Slot)] = [
            ("REVENUE TODAY", money.format(s.revenue), .revenue),
            ("ORDERS", Money.count(s.orders), .orders),
            ("CUSTOMERS", Money.count(s.customers), .mainForeground),
            ("AVG TICKET", money.format(s.orders > 0 ? s.revenue / s.orders : 0), .mainForeground),
            ("LAST 10 MIN", "\(Money.count(lastTen.orders)) orders \(glyphs.middleDot) \(money.format(lastTen.revenue))", .mainForeground),
        ]
        // Drop columns from the right until they fit.
        while columns.count > 2 && columns.reduce(0, { $0 + max(Frame.columns($1.0), Frame.columns($1.1)) + 3 }) > inner.width - 1 {
            columns.removeLast()
        }
        var x = inner.x + 1
        let spare = inner.width - 1 - columns.reduce(0) { $0 + max(Frame.columns($1.0), Frame.columns($1.1)) }
        let gap = columns.count > 1 ? max(2, min(8, spare / columns.count)) : 0
        for (label, value, slot) in columns {
            frame.put(label, x: x, y: inner.y, style: theme.style(.label), clip: inner)
            frame.put(value, x: x, y: inner.y + 1, style: theme.style(slot, bold: true), clip: inner)
            x += max(Frame.columns(label), Frame.columns(value)) + gap
        }
    }
}
