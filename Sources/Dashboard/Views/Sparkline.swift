import Foundation
import Kafka
import Terminal
import Transform

/// Revenue per minute, ending now, scaled to a round peak.
extension DashboardView {
    func drawSparkline(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        guard rect.height >= 3 else { return }
        let s = model.snapshot
        let axisWidth = 8
        let graphWidth = max(1, rect.width - 3 - axisWidth)
        let end = currentMinute(model)
        let minutes = (0..<graphWidth).map { end - graphWidth + 1 + $0 }
        let values = minutes.map { $0 >= 0 && $0 < s.minutes.count ? s.minutes[$0].revenue : 0 }
        let peakValue = values.max() ?? 0
        var right = ""
        if peakValue > 0, let index = values.firstIndex(of: peakValue) {
            right = "peak \(money.format(peakValue)) at \(DayWindow.label(minute: max(0, minutes[index])))"
        }
        let inner = Widgets.panel(&frame, rect, title: "Revenue per minute \(glyphs.middleDot) last \(graphWidth) min",
                                  right: right, theme: theme, glyphs: glyphs)
        let graphRows = inner.height - 1
        guard graphRows >= 1 else { return }
        let graph = Rect(x: inner.x + axisWidth, y: inner.y, width: graphWidth, height: graphRows)
        let scale = niceCeiling(peakValue)
        Widgets.sparkline(&frame, graph, values: values, maximum: scale, style: theme.style(.revenue), glyphs: glyphs)
        let label = theme.style(.label)
        frame.putRight(money.compact(scale), endX: inner.x + axisWidth - 2, y: inner.y, style: label)
        frame.putRight(money.compact(0), endX: inner.x + axisWidth - 2, y: graph.maxY - 1, style: label)
        // Time labels every quarter of the width, under the graph.
        let marks = max(1, graphWidth / 15)
        for k in 0...marks {
            let column = min(graphWidth - 1, k * (graphWidth - 1) / marks)
            let text = DayWindow.label(minute: ((minutes[column] % 1440) + 1440) % 1440)
            let x = min(graph.x + column, graph.maxX - Frame.columns(text))
            frame.put(text, x: max(graph.x, x), y: inner.maxY - 1, style: label, clip: inner)
        }
    }

    /// The minute of the day the sparkline ends at: now when the day is today, else the last
    /// minute with an order (or the day's last minute).
    func currentMinute(_ model: DashboardState) -> Int {
        let window = model.snapshot.window
        if let minute = window.minuteOfDay(model.now) { return minute }
        if let latest = model.snapshot.latestEvent, let minute = window.minuteOfDay(latest) { return minute }
        return model.now < window.start ? 0 : 1439
    }

    func lastMinutes(_ model: DashboardState, count: Int) -> (orders: Int64, revenue: Int64) {
        let end = currentMinute(model)
        var total: (orders: Int64, revenue: Int64) = (0, 0)
        for minute in max(0, end - count + 1)...end {
            total.orders += model.snapshot.minutes[minute].orders
            total.revenue += model.snapshot.minutes[minute].revenue
        }
        return total
    }
}
