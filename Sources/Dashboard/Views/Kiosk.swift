import Foundation
import Kafka
import Terminal
import Transform

/// The wall screen: revenue in big digits, the sparkline and a panel that rotates through
/// popular items, the payment split, recent orders and data quality. Every few minutes the
/// layout moves by one column (and back), so that nothing burns into a screen left on for weeks.
extension DashboardView {
    func drawKiosk(_ frame: inout Frame, _ model: DashboardState) {
        let s = model.snapshot
        let shift = Int((model.now / DashboardState.kioskRepaintSeconds) % 2)
        let area = frame.width > 40 ? Rect(x: shift, y: 0, width: frame.width - 1, height: frame.height) : frame.bounds
        let areas = area.split(
            .vertical, [.length(9), .length(max(5, (frame.height - 10) / 2)), .fill, .length(1)])
        let clock = wallClock(model)
        let inner = Widgets.panel(&frame, areas[0], title: "Revenue today",
                                  right: clock, theme: theme, glyphs: glyphs)
        let text = money.format(s.revenue)
        var rows = BigDigits.rows(text.replacingOccurrences(of: "Rs.", with: "₹"), glyphs: glyphs)
        if Frame.columns(rows[0]) > inner.width { rows = [] }
        if rows.isEmpty {
            frame.put(text, x: inner.x + max(0, (inner.width - Frame.columns(text)) / 2), y: inner.y + 3,
                      style: theme.style(.revenue, bold: true))
        } else {
            for (i, row) in rows.enumerated() {
                frame.put(row, x: inner.x + max(0, (inner.width - Frame.columns(row)) / 2), y: inner.y + i,
                          style: theme.style(.revenue, bold: true))
            }
        }
        let summary = "\(Money.count(s.orders)) orders \(glyphs.middleDot) \(Money.count(s.customers)) customers \(glyphs.middleDot) avg \(money.format(s.orders > 0 ? s.revenue / s.orders : 0))"
        frame.put(summary, x: inner.x + max(0, (inner.width - Frame.columns(summary)) / 2), y: inner.maxY - 1,
                  style: theme.style(.label))
        drawSparkline(&frame, areas[1], model)
        switch model.kioskPanel % 4 {
        case 0: drawItems(&frame, areas[2], model)
        case 1: drawPayments(&frame, areas[2], model)
        case 2: drawRecent(&frame, areas[2], model)
        default: drawQualityPage(&frame, areas[2], model)
        }
        drawStatus(&frame, y: areas[3].y, model, hints: false)
    }
}
