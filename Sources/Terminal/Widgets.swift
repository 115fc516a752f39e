/// Drawing helpers: each draws into a frame inside a rectangle and nothing else.
public enum Widgets {
    /// A rounded box with a title in the top border (and optionally one on the right);
    /// returns the area inside it.
    @discardableResult
    public static func panel(
        _ frame: inout Frame, _ rect: Rect, title: String, right: String = "",
        theme: Theme, glyphs: Glyphs
    ) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let border = theme.style(.border)
        let top = rect.y
        let bottom = rect.maxY - 1
        for x in rect.x + 1..<rect.maxX - 1 {
            frame.put(glyphs.horizontal, x: x, y: top, style: border)
            frame.put(glyphs.horizontal, x: x, y: bottom, style: border)
        }
        for y in top + 1..<bottom {
            frame.put(glyphs.vertical, x: rect.x, y: y, style: border)
            frame.put(glyphs.vertical, x: rect.maxX - 1, y: y, style: border)
        }
        frame.put(glyphs.topLeft, x: rect.x, y: top, style: border)
        frame.put(glyphs.topRight, x: rect.maxX - 1, y: top, style: border)
        frame.put(glyphs.bottomLeft, x: rect.x, y: bottom, style: border)
        frame.put(glyphs.bottomRight, x: rect.maxX - 1, y: bottom, style: border)
        let room = rect.width - 4
        if room > 2, !title.isEmpty {
            let text = " " + Frame.truncate(title, to: room - 2, ellipsis: glyphs.ellipsis) + " "
            let end = frame.put(text, x: rect.x + 2, y: top, style: theme.style(.title, bold: true))
            let space = rect.maxX - 3 - end
            if !right.isEmpty, space > 4 {
                let r = " " + Frame.truncate(right, to: space - 3, ellipsis: glyphs.ellipsis) + " "
                frame.putRight(r, endX: rect.maxX - 2, y: top, style: theme.style(.label))
            }
        }
        return rect.inner
    }

    /// Columns of bars, one value per column, `rect.height` rows tall with eighth steps.
    /// Values are scaled to `maximum` (default: the largest value).
    public static func sparkline(
        _ frame: inout Frame, _ rect: Rect, values: [Int64], maximum: Int64? = nil,
        style: Style, glyphs: Glyphs
    ) {
        guard rect.width > 0, rect.height > 0 else { return }
        let peak = max(maximum ?? values.max() ?? 0, 1)
        let steps = rect.height * 8
        for (i, value) in values.suffix(rect.width).enumerated() {
            // Any non-zero value shows at least the lowest step.
            var level = Int((Double(value) / Double(peak) * Double(steps)).rounded())
            if value > 0 { level = max(level, 1) }
            level = min(level, steps)
            for row in 0..<rect.height {
                let fromBottom = level - row * 8
                let glyph = fromBottom >= 8 ? glyphs.levels[8] : fromBottom > 0 ? glyphs.levels[fromBottom] : " "
                frame.put(glyph, x: rect.x + i, y: rect.maxY - 1 - row, style: style)
            }
        }
    }

    /// A bar `fraction` (0…1) of `width` cells long, in eighths of a cell.
    public static func bar(_ fraction: Double, width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        let eighths = Int((max(0, min(1, fraction)) * Double(width * 8)).rounded())
        var text = String(repeating: glyphs.full, count: eighths / 8)
        if eighths % 8 > 0 { text += glyphs.eighths[eighths % 8] }
        return text
    }

    /// Horizontal bars with a label on the left and the value on the right.
    public static func barChart(
        _ frame: inout Frame, _ rect: Rect, rows: [(label: String, value: Int64, text: String)],
        labelWidth: Int, valueWidth: Int, style: Style, theme: Theme, glyphs: Glyphs
    ) {
        let peak = max(rows.map(\.value).max() ?? 0, 1)
        let barWidth = rect.width - labelWidth - valueWidth - 4
        for (i, row) in rows.prefix(rect.height).enumerated() {
            let y = rect.y + i
            frame.put(Frame.truncate(row.label, to: labelWidth, ellipsis: glyphs.ellipsis), x: rect.x + 1, y: y,
                      style: theme.style(.mainForeground), clip: rect)
            if barWidth > 0 {
                let text = bar(Double(row.value) / Double(peak), width: barWidth, glyphs: glyphs)
                frame.put(text, x: rect.x + labelWidth + 2, y: y, style: style, clip: rect)
            }
            frame.putRight(row.text, endX: rect.maxX - 1, y: y, style: theme.style(.mainForeground, bold: true), clip: rect)
        }
    }

    /// A share bar: the filled part, then the rest in the "empty" glyph.
    public static func shareBar(_ fraction: Double, width: Int, glyphs: Glyphs) -> (filled: String, rest: String) {
        let filled = bar(fraction, width: width, glyphs: glyphs)
        let used = Frame.columns(filled)
        return (filled, String(repeating: glyphs.empty, count: max(0, width - used)))
    }
}

/// Digits five rows tall, for the revenue on a wall screen.
public enum BigDigits {
    static let font: [Character: [String]] = [
        "0": ["█▀▀█", "█  █", "█  █", "█  █", "█▄▄█"],
        "1": [" ▄█ ", "  █ ", "  █ ", "  █ ", " ▄█▄"],
        "2": ["█▀▀█", "   █", "█▀▀▀", "█   ", "█▄▄▄"],
        "3": ["█▀▀█", "   █", " ▀▀█", "   █", "█▄▄█"],
        "4": ["█  █", "█  █", "▀▀▀█", "   █", "   █"],
        "5": ["█▀▀▀", "█   ", "▀▀▀█", "   █", "▄▄▄█"],
        "6": ["█▀▀▀", "█   ", "█▀▀█", "█  █", "█▄▄█"],
        "7": ["▀▀▀█", "   █", "  █ ", " █  ", " █  "],
        "8": ["█▀▀█", "█  █", "█▀▀█", "█  █", "█▄▄█"],
        "9": ["█▀▀█", "█  █", "▀▀▀█", "   █", "▄▄▄█"],
        ",": ["  ", "  ", "  ", "▄ ", "▀ "],
        "₹": ["▀▀▀▀", "▀▀█▀", " ▄▀ ", " ▀▄ ", "   ▀"],
        " ": ["  ", "  ", "  ", "  ", "  "],
    ]

    /// The rows of `text` in the big font (ASCII glyphs become `#`); characters it has no
    /// shape for are skipped.
    public static func rows(_ text: String, glyphs: Glyphs) -> [String] {
        var rows = Array(repeating: "", count: 5)
        for character in text {
            guard let shape = font[character] else { continue }
            for r in 0..<5 {
                var line = shape[r]
                if !glyphs.isUnicode {
                    line = String(line.map { $0 == " " ? " " : "#" })
                }
                rows[r] += line + " "
            }
        }
        return rows
    }
}
