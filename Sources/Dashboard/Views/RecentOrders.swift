import Foundation
import Kafka
import Terminal
import Transform

/// The latest orders, newest first.
extension DashboardView {
    func drawRecent(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        guard rect.height >= 3 else { return }
        let s = model.snapshot
        let inner = Widgets.panel(&frame, rect, title: "Recent orders", theme: theme, glyphs: glyphs)
        if s.recent.isEmpty {
            frame.put("waiting for the first order", x: inner.x + 1, y: inner.y, style: theme.style(.label), clip: inner)
            return
        }
        let window = s.window
        let amountWidth = 10
        let modeWidth = 6
        let dishesWidth = max(4, inner.width - 1 - 10 - 6 - amountWidth - modeWidth - 3)
        for (i, order) in s.recent.prefix(inner.height).enumerated() {
            let y = inner.y + i
            let time = String(window.standardTimestamp(order.timestamp).suffix(8))
            frame.put(time, x: inner.x + 1, y: y, style: theme.style(.label), clip: inner)
            frame.put(Frame.truncate(order.tableID, to: 5, ellipsis: glyphs.ellipsis), x: inner.x + 11, y: y,
                      style: theme.style(.mainForeground, bold: true), clip: inner)
            let dishes = order.items.map { "\($0.name) \(glyphs.times)\($0.quantity)" }.joined(separator: ", ")
            frame.put(Frame.truncate(dishes, to: dishesWidth, ellipsis: glyphs.ellipsis), x: inner.x + 17, y: y,
                      style: theme.style(.mainForeground), clip: inner)
            // A huge amount (₹1,00,00,00,00,000) abbreviates (₹10000Cr) rather than run into the dishes.
            var amount = money.format(order.amount)
            if Frame.columns(amount) > amountWidth { amount = money.compact(order.amount) }
            frame.putRight(Frame.truncate(amount, to: amountWidth, ellipsis: glyphs.ellipsis),
                           endX: inner.maxX - modeWidth - 2, y: y, style: theme.style(.revenue, bold: true), clip: inner)
            frame.put(Frame.truncate(order.paymentMode, to: modeWidth, ellipsis: glyphs.ellipsis),
                      x: inner.maxX - modeWidth - 1, y: y, style: theme.style(.payment), clip: inner)
        }
    }
}
