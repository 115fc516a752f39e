import Foundation
import Kafka
import Terminal
import Transform

/// The dashboard as a pure function: `render(model, width, height) -> Frame`. Layout adapts to
/// the size: the full view from 80×24, KPIs and the sparkline from 40×12, a plain message below.
struct DashboardView {
    var theme: Theme
    var glyphs: Glyphs
    var money: Money
    private let clockFormat = ClockFormat()

    init(theme: Theme, glyphs: Glyphs) {
        self.theme = theme
        self.glyphs = glyphs
        money = Money(ascii: !glyphs.isUnicode)
    }

    static let minimumWidth = 40
    static let minimumHeight = 12

    func render(_ model: DashboardState, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height)
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
            let message = "Terminal too small (need \(Self.minimumWidth)x\(Self.minimumHeight)) \(glyphs.middleDot) q to quit"
            let lines = width >= Frame.columns(message) ? [message] : ["Terminal too small", "q to quit"]
            for (i, line) in lines.enumerated() {
                let y = height / 2 - lines.count / 2 + i
                frame.put(line, x: max(0, (width - Frame.columns(line)) / 2), y: y, style: theme.style(.warn, bold: true))
            }
            return frame
        }
        if model.kiosk {
            drawKiosk(&frame, model)
        } else if width >= 80 && height >= 24 {
            drawFull(&frame, model)
        } else {
            drawCompact(&frame, model)
        }
        if let since = model.waitingSince {
            drawDialog(&frame, title: "Kafka", lines: [
                "Connecting to \(model.brokers) \(glyphs.ellipsis)",
                "topic \(model.topic) \(glyphs.middleDot) waiting \(max(0, model.now - since)) s",
                "", "q or Ctrl-C to quit",
            ])
        }
        if model.showHelp { drawHelp(&frame, model) }
        return frame
    }

    // MARK: - Layouts

    private func drawFull(_ frame: inout Frame, _ model: DashboardState) {
        let available = frame.height - 11
        let sparkRows = clamp(Int((Double(available) * 0.3).rounded()), 3, 12)
        let middleRows = clamp(Int((Double(available) * 0.4).rounded()), 3, 12)
        let rows = frame.bounds.split(
            .vertical, [.length(4), .length(sparkRows + 2), .length(middleRows + 2), .fill, .length(1)])
        drawHeader(&frame, rows[0], model)
        drawSparkline(&frame, rows[1], model)
        let middle = rows[2].split(.horizontal, [.percent(50), .fill])
        drawItems(&frame, middle[0], model)
        drawPayments(&frame, middle[1], model)
        drawRecent(&frame, rows[3], model)
        drawStatus(&frame, y: rows[4].y, model, hints: true)
    }

    private func drawCompact(_ frame: inout Frame, _ model: DashboardState) {
        let rows = frame.bounds.split(.vertical, [.length(4), .fill, .length(1)])
        drawHeader(&frame, rows[0], model)
        drawSparkline(&frame, rows[1], model)
        drawStatus(&frame, y: rows[2].y, model, hints: true)
    }

    private func drawKiosk(_ frame: inout Frame, _ model: DashboardState) {
        let s = model.snapshot
        let areas = frame.bounds.split(
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
        switch model.kioskPanel % 3 {
        case 0: drawItems(&frame, areas[2], model)
        case 1: drawPayments(&frame, areas[2], model)
        default: drawRecent(&frame, areas[2], model)
        }
        drawStatus(&frame, y: areas[3].y, model, hints: false)
    }

    // MARK: - Panels

    private func drawHeader(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        let title = "Tiffin \(glyphs.middleDot) \(model.topic)"
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

    private func drawSparkline(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
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

    private func drawItems(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
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
        let rows = sorted.prefix(inner.height).map { item in
            (label: item.onMenu ? item.name : item.name + "*",
             value: byRevenue ? item.revenue : item.quantity,
             text: byRevenue ? money.format(item.revenue) : Money.count(item.quantity))
        }
        let labelWidth = min(14, rows.map { Frame.columns($0.label) }.max() ?? 8)
        let valueWidth = rows.map { Frame.columns($0.text) }.max() ?? 4
        Widgets.barChart(&frame, inner, rows: Array(rows), labelWidth: labelWidth, valueWidth: valueWidth,
                         style: theme.style(byRevenue ? .revenue : .quantity), theme: theme, glyphs: glyphs)
    }

    private func drawPayments(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        let inner = Widgets.panel(&frame, rect, title: "Payment split \(glyphs.middleDot) orders", theme: theme, glyphs: glyphs)
        guard inner.height > 0 else { return }
        let labelWidth = min(8, s.paymentModes.map { Frame.columns($0.mode) }.max() ?? 4)
        let barWidth = max(1, inner.width - labelWidth - 12)
        var y = inner.y
        for mode in s.paymentModes where y < inner.maxY {
            frame.put(Frame.truncate(mode.mode, to: labelWidth, ellipsis: glyphs.ellipsis), x: inner.x + 1, y: y,
                      style: theme.style(.mainForeground), clip: inner)
            let bar = Widgets.shareBar(mode.share / 100, width: barWidth, glyphs: glyphs)
            let end = frame.put(bar.filled, x: inner.x + labelWidth + 2, y: y, style: theme.style(.payment), clip: inner)
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
        // Not enough lines: the revenue per mode, compact, on as few lines as it takes.
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

    private func drawRecent(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
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
            frame.putRight(money.format(order.amount), endX: inner.maxX - modeWidth - 2, y: y,
                           style: theme.style(.revenue, bold: true), clip: inner)
            frame.put(order.paymentMode, x: inner.maxX - modeWidth - 1, y: y, style: theme.style(.payment), clip: inner)
        }
    }

    private func drawStatus(_ frame: inout Frame, y: Int, _ model: DashboardState, hints: Bool) {
        let s = model.snapshot
        let dotSlot: Theme.Slot
        // Parts with a priority: when the line is too narrow the least important go first.
        var parts: [(text: String, priority: Int)] = []
        switch model.connection {
        case .connected:
            dotSlot = .ok
            parts.append(("connected", 9))
            parts.append(("\(model.brokers)", 1))
        case .connecting:
            dotSlot = .warn
            parts.append(("connecting to \(model.brokers)", 9))
        case let .degraded(down, of):
            dotSlot = .warn
            parts.append(("\(down) of \(of) brokers down \(glyphs.middleDot) retrying", 9))
        case .allBrokersDown:
            dotSlot = .error
            let since = clockTime(Int64(model.connectionSince.timeIntervalSince1970), model)
            parts.append(("broker down since \(since)", 9))
            if let latest = s.latestEvent { parts.append(("showing data to \(clockTime(latest, model))", 8)) }
            parts.append(("retrying", 2))
        }
        if model.connection != .allBrokersDown {
            parts.append((model.caughtUp ? "caught up" : "catching up", 5))
            parts.append((String(format: "%.1f orders/s", model.ordersPerSecond), 3))
        }
        parts.append(("rejected \(s.rejectedTotal)", 7))
        parts.append(("dup \(s.duplicates)", 6))
        parts.append(("late \(s.late)", 4))
        if let notice = model.notice { parts.append((notice, 0)) }
        let x = frame.put(glyphs.dot, x: 1, y: y, style: theme.style(dotSlot, bold: true))
        let hint = hints ? "?:help q:quit" : ""
        // One space after the dot, one before the hints, which end at the right edge.
        let room = frame.width - x - 1 - (hint.isEmpty ? 1 : Frame.columns(hint) + 1)
        let separator = " \(glyphs.middleDot) "
        func line() -> String {
            // "connected" and the address read as one phrase.
            parts.map(\.text).joined(separator: separator)
                .replacingOccurrences(of: "connected\(separator)\(model.brokers)", with: "connected \(model.brokers)")
        }
        while Frame.columns(line()) > room, parts.count > 1,
            let drop = parts.indices.min(by: { parts[$0].priority < parts[$1].priority })
        {
            parts.remove(at: drop)
        }
        let text = Frame.truncate(line(), to: room, ellipsis: glyphs.ellipsis)
        frame.put(" " + text, x: x, y: y, style: theme.style(.mainForeground))
        if !hint.isEmpty { frame.putRight(hint, endX: frame.width, y: y, style: theme.style(.label)) }
    }

    private func drawHelp(_ frame: inout Frame, _ model: DashboardState) {
        drawDialog(&frame, title: "Help", lines: DashboardState.keys.helpLines + [
            "",
            "Orders are checked against the data contract;",
            "rejected ones are counted per reason (see --once).",
        ])
    }

    /// A box in the middle of the screen, over whatever is there.
    private func drawDialog(_ frame: inout Frame, title: String, lines: [String]) {
        let width = min(frame.width - 4, (lines.map { Frame.columns($0) }.max() ?? 20) + 4)
        let height = min(frame.height - 2, lines.count + 2)
        let rect = Rect(x: (frame.width - width) / 2, y: (frame.height - height) / 2, width: width, height: height)
        frame.fill(rect, with: Cell(" ", .plain))
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            frame.put(line, x: inner.x + 1, y: inner.y + i, style: theme.style(.mainForeground), clip: inner)
        }
    }

    // MARK: - Time

    /// The minute of the day the sparkline ends at: now when the day is today, else the last
    /// minute with an order (or the day's last minute).
    private func currentMinute(_ model: DashboardState) -> Int {
        let window = model.snapshot.window
        if let minute = window.minuteOfDay(model.now) { return minute }
        if let latest = model.snapshot.latestEvent, let minute = window.minuteOfDay(latest) { return minute }
        return model.now < window.start ? 0 : 1439
    }

    private func lastMinutes(_ model: DashboardState, count: Int) -> (orders: Int64, revenue: Int64) {
        let end = currentMinute(model)
        var total: (orders: Int64, revenue: Int64) = (0, 0)
        for minute in max(0, end - count + 1)...end {
            total.orders += model.snapshot.minutes[minute].orders
            total.revenue += model.snapshot.minutes[minute].revenue
        }
        return total
    }

    private func wallClock(_ model: DashboardState) -> String {
        let text = clockFormat.string(Date(timeIntervalSince1970: Double(model.now)), in: model.snapshot.window.zone)
        return model.snapshot.window.contains(model.now) ? text : "\(model.snapshot.day) \(glyphs.middleDot) " + text
    }

    private func clockTime(_ instant: Int64, _ model: DashboardState) -> String {
        let window = model.snapshot.window
        return String(window.standardTimestamp(instant).suffix(8))
    }
}

private func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int { min(high, max(low, value)) }

/// The header clock's formatter, made once per zone and kept (building a DateFormatter is far
/// dearer than using one, and the clock is drawn every frame). Used from the render thread only.
final class ClockFormat {
    private var formatters: [String: DateFormatter] = [:]

    func string(_ date: Date, in zone: TimeZone) -> String {
        if let formatter = formatters[zone.identifier] { return formatter.string(from: date) }
        let formatter = DateFormatter()
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM yyyy HH:mm:ss zzz"
        // ICU knows a zone's short name only in some locales (IST in en_IN, EST in en_US): keep
        // the first locale that gives one.
        for locale in ["en_US", "en_IN", "en_GB"] {
            formatter.locale = Locale(identifier: locale)
            let text = formatter.string(from: date)
            if !text.contains("GMT+") && !text.contains("GMT-") { break }
        }
        formatters[zone.identifier] = formatter
        return formatter.string(from: date)
    }
}

/// A round number at or above `value` for an axis (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ⁿ), so
/// the tallest column fills most of the graph.
func niceCeiling(_ value: Int64) -> Int64 {
    guard value > 0 else { return 1 }
    var magnitude: Int64 = 1
    while magnitude * 10 <= value { magnitude *= 10 }
    for tenths in [10, 15, 20, 25, 30, 40, 50, 60, 80, 100] as [Int64] where tenths * magnitude >= value * 10 {
        return max(1, tenths * magnitude / 10)
    }
    return 10 * magnitude
}
