import Foundation
import Kafka
import Terminal
import Transform

/// The payment-mode split: share of orders and revenue per mode.
extension DashboardView {
    func drawPayments(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        let inner = Widgets.panel(&frame, rect, title: "Payment split \(glyphs.middleDot) orders", theme: theme, glyphs: glyphs)
        guard inner.height > 0 else { return }
        let labelWidth = min(8, s.paymentModes.map { Frame.columns($0.mode) }.max() ?? 4)
        let barWidth = max(1, inner.width - labelWidth - 12)
        var y = inner.y
        for (index, mode) in s.paymentModes.enumerated() where y < inner.maxY {
            frame.put(Frame.truncate(mode.mode, to: labelWidth, ellipsis: glyphs.ellipsis), x: inner.x + 1, y: y,
                      style: theme.style(.mainForeground), clip: inner)
            let bar = Widgets.shareBar(mode.share / 100, width: barWidth, glyphs: glyphs)
            let end = frame.put(bar.filled, x: inner.x + labelWidth + 2, y: y, style: theme.style(Theme.paymentSlot(index)), clip: inner)
            frame.put(bar.rest, x: end, y: y, style: theme.style(.border), clip: inner)
            frame.putRight(String(format: "%.1f%%", mode.share), endX: inner.maxX - 1, y: y,
                           style: theme.style(.mainForeground, bold: true), clip: inner)
            y += 1
        }
        // Under the bars: orders and revenue per mode, one line each where there is room,
        // otherwise the revenue on one wrapped line.
        y += 1
        guard y < inner.maxY else { return }
        if inner.maxY - y >= s.paymentModes.count {
            for mode in s.paymentModes {
                frame.put(Frame.truncate(mode.mode, to: labelWidth, ellipsis: glyphs.ellipsis), x: inner.x + 1, y: y,
                          style: theme.style(.label), clip: inner)
                frame.put("\(Money.count(mode.orders)) orders", x: inner.x + labelWidth + 2, y: y,
                          style: theme.style(.label), clip: inner)
                frame.putRight(money.format(mode.revenue), endX: inner.maxX - 1, y: y,
                               style: theme.style(.revenue), clip: inner)
                y += 1
            }
            return
        }
        // Not enough lines: the revenue per mode, compact. On one line when the rows allow only
        // one and a tighter separator makes it fit (at 80×24 " · " cut the last mode off).
        let parts = s.paymentModes.map { "\($0.mode) \(money.compact($0.revenue))" }
        if inner.maxY - y == 1,
            let fitting = [" \(glyphs.middleDot) ", "  ", " "].map({ parts.joined(separator: $0) })
                .first(where: { Frame.columns($0) <= inner.width - 2 })
        {
            frame.put(fitting, x: inner.x + 1, y: y, style: theme.style(.label), clip: inner)
            return
        }
        var line = ""
        for (i, mode) in s.paymentModes.enumerated() {
            let part = "\(mode.mode) \(money.compact(mode.revenue))" + (i < s.paymentModes.count - 1 ? " \(glyphs.middleDot) " : "")
            if Frame.columns(line + part) > inner.width - 2 && !line.isEmpty {
                frame.put(line, x: inner.x + 1, y: y, style: theme.style(.label), clip: inner)
                y += 1
                line = ""
                if y >= inner.maxY { return }
            }
            line += part
        }
        frame.put(line, x: inner.x + 1, y: y, style: theme.style(.label), clip: inner)
    }
}
