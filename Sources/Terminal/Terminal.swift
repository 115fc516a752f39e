import CNcurses

/// The terminal room: screen lifecycle, frames and widgets arrive with the TUI issue.
/// For now it only reports whether the ncurses module links.
public enum TerminalInfo {
    public static var ncursesVersion: String { String(cString: curses_version()) }
}
