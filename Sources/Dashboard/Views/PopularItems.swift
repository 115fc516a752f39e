import Foundation
import Kafka
import Terminal
import Transform

/// The day's popular dishes by quantity or revenue, with bars.
extension DashboardView {
    func drawItems(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        let byRevenue = model.itemsByRevenue
        // The longest title that fits: the key hint goes first, then the measure.
        let measure = byRevenue ? "revenue" : "quantity"
        let titles = [
            "Popular items \(glyphs.middleDot) \(measure) (i: \(byRevenue ? "quantity" : "revenue"))",
            "Popular items \(glyphs.middleDot) \(measure)", "Popular items",
        ]
        let title = titles.first { Frame.columns($0) + 6 <= rect.width } ?? titles[2]
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        guard inner.height > 0 else { return }
        let sorted = byRevenue ? s.items.sorted { ($0.revenue, $1.name) > ($1.revenue, $0.name) } : s.items
        if sorted.isEmpty {
            frame.put("no orders yet today", x: inner.x + 1, y: inner.y, style: theme.style(.label), clip: inner)
            return
        }
        let nameWidth = min(14, sorted.prefix(inner.height).map { Frame.columns($0.name) + ($0.onMenu ? 0 : 1) }.max() ?? 8)
        let rows = sorted.prefix(inner.height).map { item in
            // The "not on the menu" mark survives a cut name: the name is cut, not the mark.
            (label: item.onMenu
                ? item.name : Frame.truncate(item.name, to: nameWidth - 1, ellipsis: glyphs.ellipsis) + "*",
             value: byRevenue ? item.revenue : item.quantity,
             text: byRevenue ? money.format(item.revenue) : Money.count(item.quantity))
        }
        let labelWidth = nameWidth
        let valueWidth = rows.map { Frame.columns($0.text) }.max() ?? 4
        Widgets.barChart(&frame, inner, rows: Array(rows), labelWidth: labelWidth, valueWidth: valueWidth,
                         style: theme.style(byRevenue ? .revenue : .quantity), theme: theme, glyphs: glyphs)
    }
}
