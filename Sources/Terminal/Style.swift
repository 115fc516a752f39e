/// A colour as a theme names it; the screen maps it to what the terminal can show.
public enum Color: Sendable, Hashable {
    /// The terminal's own foreground or background.
    case standard
    case rgb(UInt8, UInt8, UInt8)

    /// `#RRGGBB`, or nil when the text is not one.
    public init?(hex: String) {
        var text = Substring(hex)
        if text.hasPrefix("#") { text = text.dropFirst() }
        guard text.count == 6, let value = UInt32(text, radix: 16) else { return nil }
        self = .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF))
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

    public func bolded() -> Style {
        var s = self
        s.bold = true
        return s
    }
}
