import CNcurses
import Glibc

public struct ScreenError: Error, CustomStringConvertible {
    public var description: String
}

/// The terminal under ncurses: set up on `init`, given back on `close` (and on every other
/// way out: `exit`, a fatal signal). Only this type talks to ncurses; it writes the cells
/// that differ from the previous frame, once per frame (`wnoutrefresh` + `doupdate`).
public final class Screen {
    public private(set) var width: Int
    public private(set) var height: Int
    /// Unicode glyphs when the locale is UTF-8 (and not `ascii`), ASCII otherwise.
    public let glyphs: Glyphs
    /// Colours the terminal can show: 0 (none, or NO_COLOR / --no-color), 8, 16, 256, or 2²⁴.
    public let colors: Int
    private var previous: Frame?
    private var pairs: [PairKey: Int16] = [:]
    private var open = true
    private let screen: OpaquePointer

    private struct PairKey: Hashable {
        var foreground: Int32
        var background: Int32
    }

    public init(ascii: Bool = false, noColor: Bool = false) throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            throw ScreenError(description: "standard input and output must be a terminal for the full-screen view (try --once or --json)")
        }
        setlocale(LC_ALL, "")
        let unicode = !ascii && tiffin_locale_is_utf8() != 0
        TerminalRestore.save()
        guard let screen = tiffin_newterm() else {
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw ScreenError(description: "cannot drive this terminal (TERM=\(term)); try TERM=xterm-256color, or --once")
        }
        // A terminal that cannot place the cursor (TERM=dumb, an editor's output pane) would show
        // a blank or garbled screen: say so instead.
        let cup = tigetstr("cup")
        if cup == nil || Int(bitPattern: cup) == -1 {
            endwin()
            delscreen(screen)
            TerminalRestore.forget()
            let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
            throw ScreenError(description: "this terminal (TERM=\(term)) cannot place the cursor, which the full-screen view needs; use a real terminal (TERM=xterm-256color), or --once for a plain-text report")
        }
        self.screen = screen
        TerminalRestore.installHandlers()
        // Esc on its own is a key here (quit, clear a filter): wait 25 ms, not ncurses' 1 s, for
        // the rest of an escape sequence.
        set_escdelay(25)
        cbreak()
        noecho()
        nonl()
        keypad(tiffin_stdscr(), true)
        intrflush(tiffin_stdscr(), false)
        curs_set(0)
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
            colors = Int(tiffin_colors())
        } else {
            colors = 0
        }
        glyphs = unicode ? .unicode : .ascii
        width = Int(tiffin_getmaxx(tiffin_stdscr()))
        height = Int(tiffin_getmaxy(tiffin_stdscr()))
    }

    deinit {
        close()
        delscreen(screen)
    }

    /// Gives the terminal back as it was. Safe to call more than once.
    public func close() {
        guard open else { return }
        open = false
        curs_set(1)
        endwin()
        TerminalRestore.forget()
    }

    /// Writes what changed since the last frame (everything after a resize).
    public func draw(_ frame: Frame) {
        guard open else { return }
        let full = previous.map { $0.width != frame.width || $0.height != frame.height } ?? true
        if full { werase(tiffin_stdscr()) }
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let cell = frame[x, y]
                if !full, let previous, previous[x, y] == cell { continue }
                if cell.text.isEmpty { continue }  // the right half of a wide character
                put(cell, x: x, y: y)
            }
        }
        previous = frame
        if let cursor = frame.cursor, cursor.x >= 0, cursor.y >= 0, cursor.x < frame.width, cursor.y < frame.height {
            wmove(tiffin_stdscr(), Int32(cursor.y), Int32(cursor.x))
            setCursorVisible(true)
        } else {
            setCursorVisible(false)
        }
        wnoutrefresh(tiffin_stdscr())
        doupdate()
    }

    private var cursorVisible = false

    private func setCursorVisible(_ visible: Bool) {
        guard visible != cursorVisible else { return }
        cursorVisible = visible
        curs_set(visible ? 1 : 0)
    }

    /// Ctrl-Z: leaves curses mode (the shell gets a normal terminal), stops the process, and
    /// when it is continued (`fg`) takes the terminal again; the next frame is written whole.
    public func suspend() {
        guard open else { return }
        endwin()
        TerminalRestore.forget()
        kill(getpid(), SIGSTOP)
        // Continued: the modes saved at the start are still the ones to give back at the end.
        TerminalRestore.rearm()
        refresh()
        invalidate()
    }

    /// Forgets what is on screen, so the next frame is written whole (after a resize, or
    /// when something else may have drawn over it).
    public func invalidate() {
        previous = nil
        clearok(tiffin_stdscr(), true)
    }

    /// Waits up to `milliseconds` for a key (or a resize); nil when none came.
    public func nextKey(milliseconds: Int32) -> Key? {
        guard open else { return nil }
        // ncurses learns of a new size from SIGWINCH, but with many threads the signal can
        // land where ncurses does not look in time; asking the kernel is cheap and certain.
        var rows: Int32 = 0
        var columns: Int32 = 0
        if tiffin_terminal_size(1, &rows, &columns) == 0, Int(rows) != height || Int(columns) != width {
            resizeterm(rows, columns)
            width = Int(columns)
            height = Int(rows)
            invalidate()
            return .resize
        }
        wtimeout(tiffin_stdscr(), milliseconds)
        var value: wint_t = 0
        let result = wget_wch(tiffin_stdscr(), &value)
        if result == ERR {
            // A hung-up terminal makes every read fail at once; without this check the
            // caller's loop would spin at full speed on a screen nobody can see.
            var input = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            if poll(&input, 1, 0) == 1, input.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                return .hangup
            }
            return nil
        }
        guard let key = KeyDecoder.decode(UInt32(value), isFunctionKey: result == KEY_CODE_YES, codes: Self.codes)
        else { return nil }
        if key == .resize {
            width = Int(tiffin_getmaxx(tiffin_stdscr()))
            height = Int(tiffin_getmaxy(tiffin_stdscr()))
            invalidate()
        }
        return key
    }

    private static let codes = KeyDecoder.Codes(
        up: KEY_UP, down: KEY_DOWN, left: KEY_LEFT, right: KEY_RIGHT, home: KEY_HOME, end: KEY_END,
        pageUp: KEY_PPAGE, pageDown: KEY_NPAGE, enter: KEY_ENTER, backspace: KEY_BACKSPACE,
        delete: KEY_DC, backTab: KEY_BTAB, resize: KEY_RESIZE, f0: KEY_F0)

    // MARK: - Cells

    private func put(_ cell: Cell, x: Int, y: Int) {
        var attributes = tiffin_a_normal()
        if cell.style.bold { attributes |= tiffin_a_bold() }
        if cell.style.dim { attributes |= tiffin_a_dim() }
        if cell.style.reverse { attributes |= tiffin_a_reverse() }
        let pair = pair(cell.style)
        var wide: [wchar_t] = cell.text.unicodeScalars.prefix(4).map { wchar_t(bitPattern: $0.value) }
        wide.append(0)
        var character = cchar_t()
        _ = wide.withUnsafeBufferPointer { setcchar(&character, $0.baseAddress, attributes, pair, nil) }
        mvwadd_wch(tiffin_stdscr(), Int32(y), Int32(x), &character)
    }

    private func pair(_ style: Style) -> Int16 {
        guard colors > 0 else { return 0 }
        let key = PairKey(foreground: colorNumber(style.foreground), background: colorNumber(style.background))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let known = pairs[key] { return known }
        let number = alloc_pair(key.foreground, key.background)
        let pair = number > 0 && number <= Int32(Int16.max) ? Int16(number) : 0
        pairs[key] = pair
        return pair
    }

    /// The terminal's number for a colour: direct RGB, the xterm 256-colour cube and grey ramp,
    /// or the nearest of the 16 (or 8) basic colours.
    private func colorNumber(_ color: Color) -> Int32 {
        guard case let .rgb(r, g, b) = color else { return -1 }
        if colors >= 1 << 24 { return Int32(r) << 16 | Int32(g) << 8 | Int32(b) }
        if colors >= 256 { return Int32(Palette.xterm256(r, g, b)) }
        if colors >= 8 { return Int32(Palette.basic(r, g, b, count: colors >= 16 ? 16 : 8)) }
        return -1
    }
}

/// Colour matching for terminals without direct colour.
public enum Palette {
    static let cube: [Int] = [0, 95, 135, 175, 215, 255]
    static let basicColors: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    public static func xterm256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        func nearest(_ v: UInt8) -> Int {
            cube.indices.min { abs(cube[$0] - Int(v)) < abs(cube[$1] - Int(v)) }!
        }
        let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b))
        let cubeColor = (cube[ri], cube[gi], cube[bi])
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = max(0, min(23, (average - 8) / 10))
        let grey = 8 + greyIndex * 10
        func distance(_ c: (Int, Int, Int)) -> Int {
            let dr = c.0 - Int(r), dg = c.1 - Int(g), db = c.2 - Int(b)
            return dr * dr + dg * dg + db * db
        }
        return distance((grey, grey, grey)) < distance(cubeColor) ? 232 + greyIndex : 16 + 36 * ri + 6 * gi + bi
    }

    public static func basic(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> Int {
        var best = 0
        var bestDistance = Int.max
        for (i, c) in basicColors.prefix(count).enumerated() {
            let dr = c.0 - Int(r), dg = c.1 - Int(g), db = c.2 - Int(b)
            let d = dr * dr + dg * dg + db * db
            if d < bestDistance {
                best = i
                bestDistance = d
            }
        }
        return best
    }
}

/// Puts the terminal back however the process ends: the saved terminal modes are restored
/// and the alternate screen left, from `exit` (atexit) and from fatal signals (only
/// async-signal-safe calls there: tcsetattr, write, signal, raise).
enum TerminalRestore {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var active = false
    nonisolated(unsafe) private static var installed = false

    static func save() {
        if tcgetattr(0, &saved) == 0 { active = true }
    }

    static func forget() {
        active = false
    }

    /// Restores again on the way out (after a suspend), with the modes saved at the start.
    static func rearm() {
        active = true
    }

    static func installHandlers() {
        guard !installed else { return }
        installed = true
        atexit {
            TerminalRestore.restore()
        }
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            Glibc.signal(signal) { number in
                TerminalRestore.restore()
                Glibc.signal(number, SIG_DFL)
                raise(number)
            }
        }
    }

    static func restore() {
        guard active else { return }
        active = false
        tcsetattr(0, TCSANOW, &saved)
        // Leave the alternate screen, show the cursor, reset colours.
        let reset: StaticString = "\u{1B}[?1049l\u{1B}[?25h\u{1B}[0m\r\n"
        _ = write(1, reset.utf8Start, reset.utf8CodeUnitCount)
    }
}
