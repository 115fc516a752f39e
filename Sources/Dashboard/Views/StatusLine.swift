import Foundation
import Kafka
import Terminal
import Transform

/// The bottom line: the connection, progress and data quality, with key hints.
extension DashboardView {
    /// "42 s", "3 min 5 s", "2 h 4 min".
    static func duration(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded()))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return total % 60 == 0 ? "\(total / 60) min" : "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }

    func drawStatus(_ frame: inout Frame, y: Int, _ model: DashboardState, hints: Bool) {
        let s = model.snapshot
        let dotSlot: Theme.Slot
        // Fields with a priority: when the line is too narrow the least important go first.
        var parts: [StatusField] = []
        if model.paused { parts.append(StatusField("PAUSED (p: back to now)", priority: 10)) }
        if let flash = model.flash { parts.append(StatusField(flash, priority: 11)) }
        switch model.connection {
        case .connected:
            dotSlot = .ok
            if let back = model.reconnected {
                let after = back.downFor.map { " after \(Self.duration($0)) down" } ?? ""
                parts.append(StatusField(
                    "reconnected \(clockTime(Int64(back.at.timeIntervalSince1970), model))\(after)", priority: 9))
            } else {
                parts.append(StatusField("connected", priority: 9))
            }
            parts.append(StatusField(model.brokers, priority: 1, joinsPrevious: true))
        case .connecting:
            dotSlot = .warn
            parts.append(StatusField("connecting to \(model.brokers)", priority: 9))
        case let .degraded(down, of):
            dotSlot = .warn
            parts.append(StatusField("\(down) of \(of) brokers down \(glyphs.middleDot) retrying", priority: 9))
        case .allBrokersDown:
            dotSlot = .error
            let since = clockTime(Int64(model.connectionSince.timeIntervalSince1970), model)
            parts.append(StatusField("broker down since \(since)", priority: 9))
            if let latest = s.latestEvent {
                parts.append(StatusField("showing data to \(clockTime(latest, model))", priority: 8))
            }
            parts.append(StatusField("retrying", priority: 2))
        }
        if model.connection != .allBrokersDown {
            let progress: String
            if let lag = model.lag, lag > 0 {
                progress = "lag \(Money.count(lag))"
            } else {
                progress = model.caughtUp ? "caught up" : "catching up"
            }
            parts.append(StatusField(progress, priority: 5))
            parts.append(StatusField(String(format: "%.1f orders/s", model.ordersPerSecond), priority: 3))
        }
        parts.append(StatusField("rejected \(s.rejectedTotal)", priority: 7))
        parts.append(StatusField("dup \(s.duplicates)", priority: 6))
        parts.append(StatusField("late \(s.late)", priority: 4))
        // The clock and zone go first when narrow: the header shows them too.
        parts.append(StatusField("\(clockTime(model.now, model)) \(s.window.zoneName)", priority: 0))
        if let notice = model.notice { parts.append(StatusField(notice, priority: 0)) }
        let x = frame.put(glyphs.dot, x: 1, y: y, style: theme.style(dotSlot, bold: true))
        let hint = hints ? "?:help q:quit" : ""
        // One space after the dot, one before the hints, which end at the right edge.
        let room = frame.width - x - 1 - (hint.isEmpty ? 1 : Frame.columns(hint) + 1)
        let text = StatusLine.text(parts, room: room, separator: " \(glyphs.middleDot) ", ellipsis: glyphs.ellipsis)
        frame.put(" " + text, x: x, y: y, style: theme.style(.mainForeground))
        if !hint.isEmpty { frame.putRight(hint, endX: frame.width, y: y, style: theme.style(.label)) }
    }
}
