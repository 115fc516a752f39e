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
    let clockFormat = ClockFormat()

    init(theme: Theme, glyphs: Glyphs) {
        self.theme = theme
        self.glyphs = glyphs
        money = Money(ascii: !glyphs.isUnicode)
    }

    static let minimumWidth = 40
    static let minimumHeight = 12

    func render(_ model: DashboardState, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height, fill: theme.blank)
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
        } else if model.page != .overview {
            let rows = frame.bounds.split(.vertical, [.length(4), .fill, .length(1)])
            drawHeader(&frame, rows[0], model)
            switch model.page {
            case .items: drawItemsPage(&frame, rows[1], model)
            case .orders: drawOrdersPage(&frame, rows[1], model)
            default: drawQualityPage(&frame, rows[1], model)
            }
            drawStatus(&frame, y: rows[2].y, model, hints: true)
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

    // MARK: - Time

    func wallClock(_ model: DashboardState) -> String {
        let text = clockFormat.string(Date(timeIntervalSince1970: Double(model.now)), in: model.snapshot.window.zone)
        return model.snapshot.window.contains(model.now) ? text : "\(model.snapshot.day) \(glyphs.middleDot) " + text
    }

    func clockTime(_ instant: Int64, _ model: DashboardState) -> String {
        let window = model.snapshot.window
        return String(window.standardTimestamp(instant).suffix(8))
    }
}

func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int { min(high, max(low, value)) }

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
