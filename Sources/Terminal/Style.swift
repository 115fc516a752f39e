/// A colour as a theme names it; the screen maps it to what the terminal can show.
public enum Color: Sendable, Hashable {
    /// The terminal's own foreground or background.
    case standard
    case rgb(UInt8, UInt8, UInt8)

    /// `#RRGGBB` (the `#` may be left out), or nil when the text is not one.
    public init?(hex: String) {
        var text = Substring(hex)
        if text.hasPrefix("#") { text = text.dropFirst() }
        // All six must be hex digits: `UInt32(_:radix:)` alone would take a sign ("+12345").
        guard text.count == 6, text.allSatisfy(\.isHexDigit), let value = UInt32(text, radix: 16)
        else { return nil }
        self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
    }

    /// A colour as btop's theme files write it: `#RRGGBB`, `#GG` for a grey (`#00` black, `#ff`
    /// white) or decimal `R G B` ("255 255 255", each clamped to 0–255 as btop does); nil when
    /// the text is none of these.
    public init?(btop text: String) {
        if let color = Color(hex: text) {
            self = color
        } else if text.hasPrefix("#") {
            let digits = text.dropFirst()
            guard digits.count == 2, digits.allSatisfy(\.isHexDigit), let grey = UInt8(digits, radix: 16)
            else { return nil }
            self = .rgb(grey, grey, grey)
        } else {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let channels = parts.compactMap { Int($0) }.map { UInt8(clamping: $0) }
            guard parts.count == 3, channels.count == 3 else { return nil }
            self = .rgb(channels[0], channels[1], channels[2])
        }
    }
}

/// How one cell looks.
public struct Style: Sendable, Hashable {
    public var foreground: Color = .standard
    public var background: Color = .standard
    public var bold = false
    public var dim = false
    public var reverse = false

    public init(
        foreground: Color = .standard, background: Color = .standard, bold: Bool = false,
        dim: Bool = false, reverse: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
    }

    public static let plain = Style()
}
