/// Colours by meaning, read from a btop-style theme file: `theme[key]="#RRGGBB"` lines, `#`
/// comments. Keys the file leaves out keep the defaults; unknown keys are reported, not fatal.
public struct Theme: Sendable, Equatable {
    public enum Slot: String, CaseIterable, Sendable {
        case mainForeground = "main_fg"
        case mainBackground = "main_bg"
        case title
        case border
        case label
        case revenue
        case quantity
        case payment
        case orders
        case ok
        case warn
        case error
    }

    public var colors: [Slot: Color]
    /// Without colour (`--no-color`, `NO_COLOR`, a monochrome terminal) meaning is carried by
    /// bold and dim alone.
    public var monochrome: Bool

    public static let standard = Theme(
        colors: [
            .mainForeground: Color(hex: "#D8DEE9")!, .mainBackground: .standard,
            .title: Color(hex: "#ECEFF4")!, .border: Color(hex: "#4C566A")!,
            .label: Color(hex: "#7B8394")!, .revenue: Color(hex: "#A3BE8C")!,
            .quantity: Color(hex: "#EBCB8B")!, .payment: Color(hex: "#88C0D0")!,
            .orders: Color(hex: "#B48EAD")!, .ok: Color(hex: "#A3BE8C")!,
            .warn: Color(hex: "#EBCB8B")!, .error: Color(hex: "#BF616A")!,
        ],
        monochrome: false)

    public static let mono = Theme(colors: [:], monochrome: true)

    /// Parses theme text over `base`; returns the theme and the lines it could not use.
    public static func parse(_ text: String, over base: Theme = .standard) -> (Theme, [String]) {
        var theme = base
        var problems: [String] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]"),
                let eq = line[close...].firstIndex(of: "=")
            else {
                problems.append("line \(number + 1): expected theme[key]=\"#RRGGBB\"")
                continue
            }
            let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            let value = line[line.index(after: eq)...].trimmingSpaces().filter { $0 != "\"" }
            guard let slot = Slot(rawValue: key) else {
                problems.append("line \(number + 1): unknown key '\(key)'")
                continue
            }
            if value.isEmpty {
                theme.colors[slot] = .standard
            } else if let color = Color(hex: value) {
                theme.colors[slot] = color
            } else {
                problems.append("line \(number + 1): '\(value)' is not a #RRGGBB colour")
            }
        }
        return (theme, problems)
    }

    public func color(_ slot: Slot) -> Color { monochrome ? .standard : colors[slot] ?? .standard }

    /// The style for text of a given meaning.
    public func style(_ slot: Slot, bold: Bool = false) -> Style {
        switch slot {
        case .label, .border:
            return Style(foreground: color(slot), dim: monochrome)
        default:
            return Style(foreground: color(slot), bold: bold)
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()
            .drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
