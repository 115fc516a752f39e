/// A key the user pressed, or something that happened to the terminal. Complete enough for
/// forms and tables; no raw ncurses codes leak out of `Terminal`.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case character(Character)
    /// Ctrl and a letter (`ctrl("l")`), other than the ones with a name of their own (Tab is
    /// Ctrl-I, Enter is Ctrl-M, Backspace is often Ctrl-H).
    case ctrl(Character)
    case enter, tab, backTab, backspace, delete, escape
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// The terminal changed size.
    case resize
    /// The terminal is gone (SSH dropped, window closed): nothing more can be shown.
    case hangup

    /// How help texts spell the key: "q", "Ctrl-L", "Shift-Tab", "PgDn", "F1".
    public var description: String {
        switch self {
        case let .character(c): return c == " " ? "Space" : String(c)
        case let .ctrl(c): return "Ctrl-\(String(c).uppercased())"
        case .enter: return "Enter"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .escape: return "Esc"
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case let .function(n): return "F\(n)"
        case .resize: return "resize"
        case .hangup: return "hangup"
        }
    }
}

/// Turns what the terminal library read into a `Key`. Pure, so the mapping is tested without a
/// terminal; `Screen` feeds it.
enum KeyDecoder {
    /// The function-key codes the decoder understands (ncurses' values, passed in by `Screen`
    /// so this file needs no ncurses).
    struct Codes {
        var up, down, left, right, home, end, pageUp, pageDown: Int32
        var enter, backspace, delete, backTab, resize, f0: Int32
    }

    /// A function key (`isFunctionKey`) or a character code.
    static func decode(_ value: UInt32, isFunctionKey: Bool, codes: Codes) -> Key? {
        if isFunctionKey {
            switch Int32(bitPattern: value) {
            case codes.up: return .up
            case codes.down: return .down
            case codes.left: return .left
            case codes.right: return .right
            case codes.home: return .home
            case codes.end: return .end
            case codes.pageUp: return .pageUp
            case codes.pageDown: return .pageDown
            case codes.enter: return .enter
            case codes.backspace: return .backspace
            case codes.delete: return .delete
            case codes.backTab: return .backTab
            case codes.resize: return .resize
            case let code where code > codes.f0 && code <= codes.f0 + 63: return .function(Int(code - codes.f0))
            default: return nil
            }
        }
        switch value {
        case 10, 13: return .enter
        case 9: return .tab
        case 8, 127: return .backspace
        case 27: return .escape
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(value) + 96)))
        case 0, 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }
}
