import SafeText

/// One character cell: a grapheme (or "" for the right half of a wide character) and its style.
public struct Cell: Sendable, Equatable {
    public var text: String
    public var style: Style

    public init(_ text: String = " ", _ style: Style = .plain) {
        self.text = text
        self.style = style
    }

    /// The second column of a wide character; the screen skips it.
    public static let continuation = Cell("", .plain)
}

public struct Rect: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The area inside a one-cell border.
    public var inner: Rect { Rect(x: x + 1, y: y + 1, width: width - 2, height: height - 2) }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
}

/// A cell position.
public struct Point: Sendable, Equatable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// What the screen will show, as plain data: views draw into a frame, the screen writes the
/// difference between two frames. Tests compare frames as text.
public struct Frame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal's cursor shows (a text field being typed in); nil hides it.
    public var cursor: Point?

    public init(width: Int, height: Int, fill: Cell = Cell()) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from (x, y), clipped to `clip` (default: the frame). Wide characters take
    /// two cells; returns the column after the text. A character holding an unsafe scalar (a
    /// dish name may carry an escape or a bidi override; see `SafeText`) is drawn as one "?"
    /// cell, which is also what `columns` counts for it.
    @discardableResult
    public mutating func put(
        _ text: String, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil
    ) -> Int {
        let area = clip ?? bounds
        guard y >= area.y, y < area.maxY, y >= 0, y < height else { return x }
        var column = x
        for character in text {
            let w = Self.columns(character)
            if w == 0 { continue }
            if column + w > area.maxX || column + w > width { break }
            if column >= area.x && column >= 0 {
                self[column, y] = Cell(SafeText.isUnsafe(character) ? "?" : Self.shown(character), style)
                if w == 2 { self[column + 1, y] = .continuation }
            }
            column += w
        }
        return column
    }

    /// Like `put`, but right-aligned so the text ends just before `endX`.
    @discardableResult
    public mutating func putRight(_ text: String, endX: Int, y: Int, style: Style = .plain, clip: Rect? = nil) -> Int {
        let start = endX - Self.columns(text)
        put(text, x: start, y: y, style: style, clip: clip)
        return start
    }

    public mutating func fill(_ rect: Rect, with cell: Cell) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = cell }
        }
    }

    /// What a cell shows for a grapheme. A ZWJ sequence (👨‍👩‍👧) is one glyph of two columns only
    /// where the terminal and its font know it; elsewhere it is drawn as its parts, several
    /// emoji wide, and shifts the rest of the row. Its first part alone is two columns everywhere.
    static func shown(_ character: Character) -> String {
        let scalars = character.unicodeScalars
        guard let joiner = scalars.firstIndex(of: "\u{200D}") else { return String(character) }
        return String(String.UnicodeScalarView(scalars[..<joiner]))
    }

    /// Terminal columns a string takes as `put` draws it (wcwidth per scalar; a character with
    /// an unsafe scalar counts as its one "?" cell).
    public static func columns(_ text: String) -> Int {
        text.reduce(0) { $0 + columns($1) }
    }

    public static func columns(_ character: Character) -> Int {
        var width = 0
        for scalar in character.unicodeScalars {
            if SafeText.isUnsafe(scalar) { return 1 }  // drawn as one "?" whatever it joins
            width = max(width, columns(scalar))
        }
        return width
    }

    /// Columns of one scalar: 0 for combining marks and joiners, 2 for East Asian wide and
    /// emoji, 1 otherwise. A table of our own, so frames do not depend on the process locale.
    /// Unsafe scalars (controls, bidi marks and overrides) are 1: `put` draws each as "?".
    public static func columns(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if SafeText.isUnsafe(scalar) { return 1 }
        switch v {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
             0x0900...0x0903, 0x093A...0x094F, 0x0951...0x0957, 0x0962...0x0963,  // Devanagari marks
             0x0981...0x0983, 0x09BC...0x09D7, 0x0A01...0x0A03, 0x0A3C...0x0A51,
             0x0A81...0x0A83, 0x0ABC...0x0ACD, 0x0B01...0x0B03, 0x0B3C...0x0B57,
             0x0B82, 0x0BBE...0x0BCD, 0x0C00...0x0C04, 0x0C3E...0x0C56, 0x0C81...0x0C83,
             0x0CBC...0x0CD6, 0x0D00...0x0D03, 0x0D3B...0x0D4D, 0x0D57,
             0x200B...0x200D, 0x2060...0x2064, 0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F,
             0x1F3FB...0x1F3FF, 0xE0100...0xE01EF:
            return 0
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1,
             0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA,
             0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
             0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C,
             0x2B50, 0x2B55, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
             0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F004, 0x1F0CF, 0x1F18E,
             0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F64F, 0x1F680...0x1F6FF,
             0x1F7E0...0x1F7EB, 0x1F90C...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Cuts `text` to at most `width` columns, ending with `ellipsis` when cut.
    public static func truncate(_ text: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if columns(text) <= width { return text }
        let room = width - columns(ellipsis)
        var out = ""
        var used = 0
        for character in text {
            let w = columns(character)
            if used + w > room { break }
            out.append(character)
            used += w
        }
        return out + (room >= 0 ? ellipsis : "")
    }

    /// The frame as lines of text (styles dropped), trailing spaces kept: what tests compare.
    public var text: String {
        var lines: [String] = []
        for y in 0..<height {
            var line = ""
            for x in 0..<width { line += self[x, y].text }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The same without trailing spaces on each line.
    public var trimmedText: String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.reversed().drop { $0 == " " }.reversed()) }
            .joined(separator: "\n")
    }
}
