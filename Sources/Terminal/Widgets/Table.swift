/// Where a table is scrolled to and which row is selected. The caller owns it (as ratatui's
/// `StatefulWidget` does), so the state survives new data and is changed by keys in the
/// program's pure `update`.
public struct TableState: Sendable, Equatable {
    /// The selected row (0 = first).
    public var selected = 0
    /// The first row shown.
    public var offset = 0

    public init() {}

    /// Moves the selection for Up/Down/PgUp/PgDn/Home/End; false for any other key.
    /// `page` is how many rows the table shows (a page key moves by that much).
    public mutating func handle(_ key: Key, rowCount: Int, page: Int) -> Bool {
        let page = max(1, page)
        switch key {
        case .up: selected -= 1
        case .down: selected += 1
        case .pageUp: selected -= page
        case .pageDown: selected += page
        case .home: selected = 0
        case .end: selected = rowCount - 1
        default: return false
        }
        clamp(rowCount: rowCount, visible: page)
        return true
    }

    /// Keeps the selection inside the rows and on screen (after new data or a resize).
    public mutating func clamp(rowCount: Int, visible: Int) {
        selected = max(0, min(selected, rowCount - 1))
        let visible = max(1, visible)
        if selected < offset { offset = selected }
        if selected >= offset + visible { offset = selected - visible + 1 }
        offset = max(0, min(offset, max(0, rowCount - visible)))
    }
}

/// A column of a table: its title, how wide it is, and which side its text keeps to.
public struct TableColumn: Sendable {
    public enum Alignment: Sendable { case left, right }

    public var title: String
    public var width: Constraint
    public var alignment: Alignment

    public init(_ title: String, _ width: Constraint, _ alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

extension Widgets {
    /// A table: a header row, then the rows from `state.offset`, the selected one reversed when
    /// `showSelection`. Cells are cut to their column with `ellipsis`; widths come from
    /// `Rect.split`, one space between columns. Returns how many rows fit (a page).
    @discardableResult
    public static func table(
        _ frame: inout Frame, _ rect: Rect, columns: [TableColumn], rows: [[String]],
        state: TableState, showSelection: Bool = true, styles: [Style]? = nil,
        theme: Theme, glyphs: Glyphs
    ) -> Int {
        guard rect.height > 0, rect.width > 0 else { return 0 }
        let areas = rect.split(.horizontal, columns.map(\.width), spacing: 1)
        for (column, area) in zip(columns, areas) {
            put(column.title, in: area, y: rect.y, column.alignment, &frame, theme.style(.label, bold: true), glyphs)
        }
        let page = rect.height - 1
        for (line, index) in (state.offset..<min(rows.count, state.offset + page)).enumerated() {
            let y = rect.y + 1 + line
            var style = styles.map { $0[index % $0.count] } ?? theme.style(.mainForeground)
            if showSelection && index == state.selected {
                style.reverse = true
                frame.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), with: Cell(" ", style))
            }
            for (cell, (column, area)) in zip(rows[index], zip(columns, areas)) {
                put(cell, in: area, y: y, column.alignment, &frame, style, glyphs)
            }
        }
        return page
    }

    private static func put(
        _ text: String, in area: Rect, y: Int, _ alignment: TableColumn.Alignment, _ frame: inout Frame,
        _ style: Style, _ glyphs: Glyphs
    ) {
        guard area.width > 0 else { return }
        let cut = Frame.truncate(text, to: area.width, ellipsis: glyphs.ellipsis)
        switch alignment {
        case .left: frame.put(cut, x: area.x, y: y, style: style, clip: area)
        case .right: frame.putRight(cut, endX: area.maxX, y: y, style: style, clip: area)
        }
    }
}
