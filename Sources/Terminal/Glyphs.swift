/// The characters the widgets draw with: Unicode where the terminal's locale is UTF-8,
/// plain ASCII otherwise (`LC_ALL=C`, old consoles, some serial lines).
public struct Glyphs: Sendable, Equatable {
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var horizontal: String
    public var vertical: String
    /// Sparkline levels, lowest to highest (index 0 is the "nothing" level).
    public var levels: [String]
    /// Horizontal bar: eighths of a cell (index 1…7), then a full cell.
    public var eighths: [String]
    public var full: String
    public var empty: String
    public var dot: String
    public var times: String
    public var ellipsis: String
    public var middleDot: String
    public var rupee: String
    public var isUnicode: Bool

    public static let unicode = Glyphs(
        topLeft: "╭", topRight: "╮", bottomLeft: "╰", bottomRight: "╯",
        horizontal: "─", vertical: "│",
        levels: [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        eighths: ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"], full: "█", empty: "░",
        dot: "●", times: "×", ellipsis: "…", middleDot: "·", rupee: "₹", isUnicode: true)

    public static let ascii = Glyphs(
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        horizontal: "-", vertical: "|",
        levels: [" ", "_", "_", ".", "-", "-", "=", "=", "#"],
        eighths: ["", "", "", "=", "=", "=", "=", "="], full: "#", empty: "-",
        dot: "*", times: "x", ellipsis: "~", middleDot: "|", rupee: "Rs.", isUnicode: false)
}
