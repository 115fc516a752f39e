/// Form fields for screens people type into in a hurry (the till): each is a small value with a
/// pure `handle(key)` that says whether it used the key, so a form can pass on the rest (Up,
/// Down, Enter) to its focus ring. Drawing is separate (`Widgets.field`).

/// A whole number stepped with Right/+ and Left/-, or typed with digits, kept in `range`.
public struct Stepper: Sendable, Equatable {
    public private(set) var value: Int
    public let range: ClosedRange<Int>
    /// Digits typed one after another build a number ("1", "2" → 12); any other key ends it.
    private var typing = false

    public init(value: Int? = nil, range: ClosedRange<Int>) {
        self.range = range
        self.value = min(range.upperBound, max(range.lowerBound, value ?? range.lowerBound))
    }

    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .right, .character("+"):
            set(value + 1)
        case .left, .character("-"):
            set(value - 1)
        case let .character(c) where c.isASCII && c.isNumber:
            let digit = Int(String(c))!
            // Past the top of the range the value stays at the top (Backspace takes digits off).
            set(!typing ? digit : value > range.upperBound / 10 ? range.upperBound : value * 10 + digit)
            typing = true
            return true
        case .backspace:
            set(typing ? value / 10 : range.lowerBound)
            return true
        default:
            typing = false
            return false
        }
        typing = false
        return true
    }

    /// Back to the lowest value (a cleared form).
    public mutating func reset() {
        value = range.lowerBound
        typing = false
    }

    /// The form moved on: the next digit starts a new number.
    public mutating func blur() { typing = false }

    private mutating func set(_ new: Int) {
        value = min(range.upperBound, max(range.lowerBound, new))
    }
}

/// One of a few options, cycled with Right/+ and Left/- (a table, a payment mode).
public struct Choice: Sendable, Equatable {
    public let options: [String]
    public private(set) var index: Int

    public init(_ options: [String], selected: Int = 0) {
        precondition(!options.isEmpty, "a choice needs at least one option")
        self.options = options
        index = max(0, min(selected, options.count - 1))
    }

    public var value: String { options[index] }

    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .right, .character("+"), .character(" "): index = (index + 1) % options.count
        case .left, .character("-"): index = (index + options.count - 1) % options.count
        default: return false
        }
        return true
    }

    public mutating func reset() { index = 0 }
}

/// A line of text with a cursor: printable characters insert, Backspace and Delete remove,
/// Left/Right/Home/End move. At most `limit` characters.
public struct TextField: Sendable, Equatable {
    public private(set) var text: String
    /// Characters before the cursor.
    public private(set) var cursor: Int
    public let limit: Int

    public init(_ text: String = "", limit: Int = 64) {
        self.limit = limit
        self.text = String(text.prefix(limit))
        cursor = self.text.count
    }

    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case let .character(c):
            guard text.count < limit, !c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { return true }
            text.insert(c, at: text.index(text.startIndex, offsetBy: cursor))
            cursor += 1
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor - 1))
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = text.count
        default: return false
        }
        return true
    }

    public mutating func reset() {
        text = ""
        cursor = 0
    }
}

/// Which of `count` rows has the focus: Down and Tab move on, Up and Shift-Tab move back, and
/// both wrap around, so the last row is one key from the first.
public struct FocusRing: Sendable, Equatable {
    public private(set) var index = 0
    public let count: Int

    public init(count: Int, index: Int = 0) {
        self.count = max(1, count)
        self.index = max(0, min(index, self.count - 1))
    }

    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .down, .tab: index = (index + 1) % count
        case .up, .backTab: index = (index + count - 1) % count
        default: return false
        }
        return true
    }

    public mutating func reset() { index = 0 }
}

extension Widgets {
    /// A field's value drawn in `rect`: `‹ value ›` for steppers and choices (the arrows say
    /// Left and Right change it), the text for a text field; reversed when it has the focus,
    /// and for a focused text field the terminal's cursor is placed at its cursor.
    public static func field(
        _ frame: inout Frame, _ rect: Rect, text: String, focused: Bool, cursor: Int? = nil,
        theme: Theme, glyphs: Glyphs
    ) {
        guard rect.width > 0, rect.height > 0 else { return }
        var style = theme.style(.mainForeground, bold: focused)
        style.reverse = focused
        let shown: String
        if cursor == nil {
            let (left, right) = glyphs.isUnicode ? ("‹", "›") : ("<", ">")
            shown = "\(left) \(text) \(right)"
        } else {
            shown = text
        }
        frame.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), with: Cell(" ", style))
        let cut = Frame.truncate(shown, to: rect.width, ellipsis: glyphs.ellipsis)
        frame.put(cut, x: rect.x, y: rect.y, style: style, clip: rect)
        if focused, let cursor {
            let before = Frame.columns(String(text.prefix(cursor)))
            frame.cursor = Point(x: min(rect.maxX - 1, rect.x + before), y: rect.y)
        }
    }
}
