import Foundation
import Terminal
import Transform

/// The till's screen as a pure function of its state: `render(state, width, height) -> Frame`.
///
/// From the top: a header line (till, topic; the running total and the time on the right), the
/// "New order" panel (one row per dish, then Table, Customers, Payment, then the total) with
/// the last orders beside it when there are columns to spare, the message line, the key hints
/// and the status line. Below 16 rows the header and the hints make way for dishes; the dishes
/// scroll to keep the focused one in view. Below 40×12 a single line asks for a bigger window.
public struct TillView: Sendable {
    public var theme: Theme
    public var glyphs: Glyphs
    /// The header's clock.
    public var timeZone: TimeZone
    let money: Money

    public static let minimumWidth = 40
    public static let minimumHeight = 12
    /// Below this height there is no header and no hint line.
    static let roomyHeight = 16
    /// The narrowest side panel of last orders.
    static let recentMinimumWidth = 26
    static let recentMaximumWidth = 44
    /// The order panel grows up to this width when a side panel is shown.
    static let formComfortableWidth = 60

    public init(theme: Theme, glyphs: Glyphs) {
        self.theme = theme
        self.glyphs = glyphs
        timeZone = .current
        money = Money(ascii: !glyphs.isUnicode)
    }

    public func render(_ state: TillState, width: Int, height: Int) -> Frame {
        var frame = Frame(width: width, height: height, fill: theme.blank)
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
            drawTooSmall(&frame, state)
            return frame
        }
        let roomy = height >= Self.roomyHeight
        var top = 0
        if roomy {
            drawHeader(&frame, y: 0, state)
            top = 1
        }
        let statusY = height - 1
        let hintY: Int? = roomy ? height - 2 : nil
        let bottomRows = roomy ? 3 : 2  // message, hints, status
        let available = height - top - bottomRows

        // Side by side when the last orders have room next to the form.
        let columns = FormColumns(state, view: self)
        let natural = columns.naturalInnerWidth + 2
        let side = width - natural >= Self.recentMinimumWidth
        let formWidth = side
            ? min(max(natural, width - Self.recentMinimumWidth), max(natural, Self.formComfortableWidth))
            : width
        let fixedRows = roomy ? 6 : 5  // rule, Table, Customers, Payment, (rule,) Total
        let menuCount = state.restaurant.menu.count
        // A long message (an error, say) takes up to three rows: dishes scroll to make room,
        // as long as one is still shown.
        let messageRows = messageLines(state, width: width - 2, rows: 3).lines.count
        let formRows = max(min(available, fixedRows + 3), available - max(0, messageRows - 1))
        let visible = min(menuCount, max(1, formRows - 2 - fixedRows))
        let panelHeight = min(formRows, visible + fixedRows + 2)
        let panel = Rect(x: 0, y: top, width: formWidth, height: panelHeight)
        drawForm(&frame, panel, state, visible: visible, roomy: roomy)
        if side {
            let rect = Rect(x: formWidth, y: top, width: min(Self.recentMaximumWidth, width - formWidth), height: panelHeight)
            drawRecentPanel(&frame, rect, state)
        }

        // The rows between the form and the hints: the message (wrapped when long), then the
        // last orders when they are not beside the form.
        let below = Rect(x: 0, y: panel.maxY, width: width, height: (hintY ?? statusY) - panel.maxY)
        let used = drawMessage(&frame, below, state)
        if !side {
            drawRecentLines(&frame, Rect(x: 0, y: below.y + used, width: width, height: below.height - used), state)
        }
        if let hintY { drawHints(&frame, y: hintY) }
        drawStatus(&frame, y: statusY, state, compact: !roomy)

        if let question = state.confirm {
            drawConfirm(&frame, question)
        } else if state.showHelp {
            drawHelp(&frame, state)
        }
        return frame
    }

    // MARK: - Text

    /// What may be drawn: with ASCII glyphs, nothing outside ASCII (a dash for a dash, `Rs.`
    /// for the rupee, `?` for what has no ASCII form, like a dish named in Tamil).
    func shown(_ text: String) -> String {
        guard !glyphs.isUnicode else { return text }
        var out = ""
        for character in text {
            switch character {
            case "—", "–", "−": out += "-"
            case "…": out += "..."
            case "₹": out += "Rs."
            case "·": out += glyphs.middleDot
            case "×": out += "x"
            case "‹", "«": out += "<"
            case "›", "»": out += ">"
            case "‘", "’": out += "'"
            case "“", "”": out += "\""
            default: out += character.isASCII ? String(character) : "?"
            }
        }
        return out
    }

    func cut(_ text: String, _ width: Int) -> String {
        Frame.truncate(shown(text), to: width, ellipsis: glyphs.ellipsis)
    }

    var upMark: String { glyphs.isUnicode ? "↑" : "^" }
    var downMark: String { glyphs.isUnicode ? "↓" : "v" }
    var focusMark: String { glyphs.isUnicode ? "▸" : ">" }

    // MARK: - Too small

    private func drawTooSmall(_ frame: inout Frame, _ state: TillState) {
        let need = "(at least \(Self.minimumWidth)\(glyphs.times)\(Self.minimumHeight))"
        let ask = "Make the window bigger"
        var lines = Frame.columns(ask + " " + need) <= frame.width ? [ask + " " + need] : [ask, need]
        let asking = lines.count
        if let question = state.confirm { lines.append(question.question) }
        if let message = state.message { lines.append(message.text) }
        if !state.isEmpty { lines.append("Total \(money.format(state.total))") }
        lines = Array(lines.prefix(max(0, frame.height)))
        for (i, line) in lines.enumerated() {
            let text = cut(line, frame.width)
            let y = frame.height / 2 - lines.count / 2 + i
            let style = theme.style(i < asking ? .warn : .mainForeground, bold: true)
            frame.put(text, x: max(0, (frame.width - Frame.columns(text)) / 2), y: y, style: style)
        }
    }

    // MARK: - Header

    private func drawHeader(_ frame: inout Frame, y: Int, _ state: TillState) {
        var right = clock(state.now)
        if !state.isEmpty { right = "\(money.format(state.total)) \(glyphs.middleDot) " + right }
        let rightX = frame.putRight(shown(right) + " ", endX: frame.width, y: y, style: theme.style(.label))
        let title = "Tiffin till \(glyphs.middleDot) till \(state.till) \(glyphs.middleDot) \(state.topic)"
        let room = max(0, rightX - 2)
        frame.put(" " + cut(title, room - 1), x: 0, y: y, style: theme.style(.title, bold: true))
    }

    /// "14:05" in the view's time zone.
    func clock(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let hour = parts.hour ?? 0
        let minute = parts.minute ?? 0
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    // MARK: - The form

    /// Where the parts of a row go: a focus mark, the name, the price, the field, the line total.
    struct FormColumns {
        var nameWidth: Int
        var priceWidth: Int
        var fieldWidth: Int
        var totalWidth: Int
        /// Columns right of the name: gap, price, gap, field, gap, line total, margin.
        var rightPart: Int { (priceWidth > 0 ? 2 + priceWidth : 0) + 2 + fieldWidth + 2 + totalWidth + 1 }
        /// The mark column and a space, the name, the rest.
        var naturalInnerWidth: Int { 2 + nameWidth + rightPart }

        init(_ state: TillState, view: TillView) {
            let menu = state.restaurant.menu
            let labels = menu.map { Frame.columns(view.shown($0.name)) } + ["Customers", "Payment", "Table"].map(Frame.columns)
            nameWidth = min(24, labels.max() ?? 9)
            priceWidth = menu.map { Frame.columns(view.money.format($0.price)) }.max() ?? 0
            let options = state.table.options + state.payment.options + [String(TillState.itemRange.upperBound)]
            fieldWidth = min(24, 4 + (options.map { Frame.columns(view.shown($0)) }.max() ?? 4))
            totalWidth = max(6, Frame.columns(view.money.format(state.total)))
        }

        /// The columns for an inner width: the name takes what is left; when that is too
        /// little, the price column goes, then the name is cut.
        func fitted(to width: Int) -> FormColumns {
            var out = self
            out.nameWidth = width - 2 - out.rightPart
            if out.nameWidth < 8 && out.priceWidth > 0 {
                out.priceWidth = 0
                out.nameWidth = width - 2 - out.rightPart
            }
            out.nameWidth = max(1, out.nameWidth)
            return out
        }
    }

    private func drawForm(_ frame: inout Frame, _ rect: Rect, _ state: TillState, visible: Int, roomy: Bool) {
        let inner = Widgets.panel(&frame, rect, title: "New order", theme: theme, glyphs: glyphs)
        guard inner.width > 0, inner.height > 0 else { return }
        let columns = FormColumns(state, view: self).fitted(to: inner.width)
        let menu = state.restaurant.menu
        let first = Self.firstItem(state, visible: visible)
        var y = inner.y
        for i in first..<min(menu.count, first + visible) {
            drawItem(&frame, inner, columns, y: y, state, item: i)
            y += 1
        }
        let above = first
        let below = menu.count - first - visible
        if above > 0 {
            frame.putRight(" \(upMark) \(above) more ", endX: rect.maxX - 2, y: rect.y, style: theme.style(.label))
        }
        drawRule(&frame, inner, y: y, mark: below > 0 ? " \(downMark) \(below) more " : nil)
        y += 1
        drawDetail(&frame, inner, columns, y: y, state, row: .table)
        drawDetail(&frame, inner, columns, y: y + 1, state, row: .customers)
        drawDetail(&frame, inner, columns, y: y + 2, state, row: .payment)
        y += 3
        if roomy {
            drawRule(&frame, inner, y: y, mark: nil)
            y += 1
        }
        drawTotal(&frame, inner, columns, y: y, state)
    }

    /// The first dish shown when only `visible` fit: the focused one in the middle where it
    /// can be; the last dishes while the focus is below them.
    static func firstItem(_ state: TillState, visible: Int) -> Int {
        let count = state.restaurant.menu.count
        guard count > visible else { return 0 }
        if case let .item(i) = state.focusedRow { return min(max(0, i - visible / 2), count - visible) }
        return count - visible
    }

    private func drawRule(_ frame: inout Frame, _ inner: Rect, y: Int, mark: String?) {
        guard y < inner.maxY else { return }
        for x in inner.x..<inner.maxX { frame.put(glyphs.horizontal, x: x, y: y, style: theme.style(.border)) }
        if let mark { frame.putRight(mark, endX: inner.maxX - 1, y: y, style: theme.style(.label), clip: inner) }
    }

    private func fieldX(_ inner: Rect, _ columns: FormColumns) -> Int {
        inner.maxX - 1 - columns.totalWidth - 2 - columns.fieldWidth
    }

    /// The mark and the name (bold when focused), in the name column.
    private func drawLabel(_ frame: inout Frame, _ inner: Rect, _ columns: FormColumns, y: Int, text: String,
                           focused: Bool, strong: Bool) {
        if focused { frame.put(focusMark, x: inner.x, y: y, style: theme.style(.title, bold: true), clip: inner) }
        let style = focused ? theme.style(.title, bold: true) : theme.style(.mainForeground, bold: strong)
        frame.put(cut(text, columns.nameWidth), x: inner.x + 2, y: y, style: style, clip: inner)
    }

    /// A field: `‹ value ›` reversed with the terminal's cursor after the value when focused,
    /// the bare value where the focused one shows it otherwise.
    private func drawField(_ frame: inout Frame, _ inner: Rect, _ columns: FormColumns, y: Int, value: String,
                           focused: Bool, style: Style) {
        let x = fieldX(inner, columns)
        let rect = Rect(x: x, y: y, width: columns.fieldWidth, height: 1)
        let text = shown(value)
        if focused {
            Widgets.field(&frame, rect, text: text, focused: true, theme: theme, glyphs: glyphs)
            frame.cursor = Point(x: min(rect.maxX - 1, x + 2 + Frame.columns(text)), y: y)
        } else {
            frame.put(cut(text, columns.fieldWidth - 2), x: x + 2, y: y, style: style, clip: rect)
        }
    }

    private func drawItem(_ frame: inout Frame, _ inner: Rect, _ columns: FormColumns, y: Int, _ state: TillState,
                          item i: Int) {
        let item = state.restaurant.menu[i]
        let quantity = state.quantity(of: i)
        let focused = state.focusedRow == .item(i)
        drawLabel(&frame, inner, columns, y: y, text: item.name, focused: focused, strong: quantity > 0)
        let x = fieldX(inner, columns)
        if columns.priceWidth > 0 {
            frame.putRight(money.format(item.price), endX: x - 2, y: y, style: theme.style(.label), clip: inner)
        }
        drawField(&frame, inner, columns, y: y, value: String(quantity), focused: focused,
                  style: quantity > 0 ? theme.style(.quantity, bold: true) : theme.style(.label))
        if quantity > 0 {
            frame.putRight(money.format(quantity * item.price), endX: inner.maxX - 1, y: y,
                           style: theme.style(.mainForeground), clip: inner)
        }
    }

    private func drawDetail(_ frame: inout Frame, _ inner: Rect, _ columns: FormColumns, y: Int, _ state: TillState,
                            row: TillRow) {
        guard y < inner.maxY else { return }
        let (label, value): (String, String)
        switch row {
        case .table: (label, value) = ("Table", state.table.value)
        case .customers: (label, value) = ("Customers", String(state.customers.value))
        case .payment: (label, value) = ("Payment", state.payment.value)
        case .item: return
        }
        let focused = state.focusedRow == row
        drawLabel(&frame, inner, columns, y: y, text: label, focused: focused, strong: false)
        drawField(&frame, inner, columns, y: y, value: value, focused: focused,
                  style: theme.style(.mainForeground, bold: true))
    }

    private func drawTotal(_ frame: inout Frame, _ inner: Rect, _ columns: FormColumns, y: Int, _ state: TillState) {
        guard y < inner.maxY else { return }
        let bold = theme.style(.title, bold: true)
        let end = frame.put("Total", x: inner.x + 2, y: y, style: bold, clip: inner)
        let portions = state.portions
        let count = portions == 0 ? "(nothing yet)" : portions == 1 ? "(1 dish)" : "(\(portions) dishes)"
        let amount = money.format(state.total)
        let room = inner.maxX - 1 - Frame.columns(amount) - 1 - (end + 1)
        if room > 0 { frame.put(cut(count, room), x: end + 1, y: y, style: theme.style(.label), clip: inner) }
        frame.putRight(amount, endX: inner.maxX - 1, y: y, style: theme.style(.revenue, bold: true), clip: inner)
    }

    // MARK: - Last orders

    private func drawRecentPanel(_ frame: inout Frame, _ rect: Rect, _ state: TillState) {
        let inner = Widgets.panel(&frame, rect, title: "Last orders", theme: theme, glyphs: glyphs)
        guard inner.width > 2, inner.height > 0 else { return }
        if state.recent.isEmpty {
            frame.put(cut("none yet", inner.width - 2), x: inner.x + 1, y: inner.y, style: theme.style(.label))
            return
        }
        // Three rows each: the id (16 digits: a column of its own), table and amount, state.
        var y = inner.y
        for order in state.recent where y + 2 < inner.maxY {
            frame.put(cut("#\(order.orderID)", inner.width - 2), x: inner.x + 1, y: y, style: theme.style(.mainForeground, bold: true))
            let detail = [order.tableID, order.amount.map(money.format)].compactMap { $0 }
                .joined(separator: " \(glyphs.middleDot) ")
            frame.put(cut("  " + detail, inner.width - 2), x: inner.x + 1, y: y + 1, style: theme.style(.mainForeground))
            let (text, slot) = stateText(order.state)
            frame.put(cut("  \(glyphs.dot) " + text, inner.width - 1), x: inner.x + 1, y: y + 2,
                      style: theme.style(slot, bold: slot == .error))
            y += 3
        }
    }

    /// One line each, under the message, when there is no room beside the form.
    private func drawRecentLines(_ frame: inout Frame, _ rect: Rect, _ state: TillState) {
        guard rect.height > 0 else { return }
        for (i, order) in state.recent.prefix(rect.height).enumerated() {
            let (text, slot) = stateText(order.state)
            let x = frame.put(glyphs.dot, x: 1, y: rect.y + i, style: theme.style(slot, bold: true))
            frame.put(cut(" " + summary(order) + "  " + text, rect.width - x - 1), x: x, y: rect.y + i,
                      style: theme.style(.mainForeground))
        }
    }

    /// "#1042 · T3 · ₹155".
    func summary(_ order: TillRecentOrder) -> String {
        var parts = ["#\(order.orderID)"]
        if let table = order.tableID { parts.append(table) }
        if let amount = order.amount { parts.append(money.format(amount)) }
        return parts.joined(separator: " \(glyphs.middleDot) ")
    }

    func stateText(_ state: TillRecentOrder.State) -> (String, Theme.Slot) {
        switch state {
        case .queued: return ("queued", .warn)
        case let .delivered(partition, offset): return ("delivered p\(partition) o\(offset)", .ok)
        case let .refused(reason): return ("REFUSED: \(reason)", .error)
        }
    }

    // MARK: - Lines at the bottom

    /// The message, or what to do next when there is none; returns the rows it took.
    @discardableResult
    private func drawMessage(_ frame: inout Frame, _ rect: Rect, _ state: TillState) -> Int {
        let (lines, style) = messageLines(state, width: rect.width - 2, rows: min(3, rect.height))
        for (i, line) in lines.enumerated() { frame.put(line, x: 1, y: rect.y + i, style: style) }
        return lines.count
    }

    /// The message line's text in at most `rows` rows of `width` columns, and its style. A long
    /// message wraps; without one, the line says what to do next.
    func messageLines(_ state: TillState, width: Int, rows: Int) -> (lines: [String], style: Style) {
        guard rows > 0, width > 0 else { return ([], theme.style(.mainForeground)) }
        guard let message = state.message else {
            let hint = state.isEmpty
                ? "Right or + adds a dish, Left or - takes one off; Enter sends"
                : "Enter sends this order (\(money.format(state.total)))"
            return ([cut(hint, width)], theme.style(.label))
        }
        let style: Style
        var text = message.text
        var indent = ""
        switch message.kind {
        case .info: style = theme.style(.mainForeground)
        case .success: style = theme.style(.ok, bold: true)
        case .warning: style = theme.style(.warn, bold: true)
        case .error:
            style = theme.style(.error, bold: true)
            text = "! " + text
            indent = "  "
        }
        return (Self.wrap(shown(text), width: width, indent: indent, rows: rows, ellipsis: glyphs.ellipsis), style)
    }

    /// `text` in rows of at most `width` columns, broken at spaces (later rows start with
    /// `indent`); what does not fit in `rows` rows is cut with `ellipsis`.
    static func wrap(_ text: String, width: Int, indent: String, rows: Int, ellipsis: String) -> [String] {
        guard width > 0, rows > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            if line.isEmpty || line == indent {
                line += word
            } else if Frame.columns(line) + 1 + Frame.columns(word) <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = indent + word
            }
        }
        lines.append(line)
        if lines.count > rows {
            // The last row takes the rest, cut below.
            let rest = lines[rows...].map { String($0.dropFirst(indent.count)) }
            lines = Array(lines.prefix(rows))
            lines[rows - 1] = ([lines[rows - 1]] + rest).joined(separator: " ")
        }
        return lines.map { Frame.truncate($0, to: width, ellipsis: ellipsis) }
    }

    /// The hint line: from the key table, the least needed keys dropped when narrow.
    private func drawHints(_ frame: inout Frame, y: Int) {
        let fields = TillState.keys.bindings.compactMap { binding -> StatusField? in
            guard let word = binding.action.hint else { return nil }
            return StatusField(shortKeys(binding.keys) + " " + word, priority: binding.action.hintPriority)
        }
        let text = StatusLine.text(fields, room: frame.width - 2, separator: "  ", ellipsis: glyphs.ellipsis)
        frame.put(text, x: 1, y: y, style: theme.style(.label))
    }

    /// A binding's keys as the hint line spells them: arrows for arrow keys, "+/-", "0-9", or
    /// the first key ("q" for q, Q and Esc).
    func shortKeys(_ keys: [Key]) -> String {
        var parts: [String] = []
        if keys.contains(.up) && keys.contains(.down) { parts.append(glyphs.isUnicode ? "↑↓" : "Up/Down") }
        if keys.contains(.left) && keys.contains(.right) { parts.append(glyphs.isUnicode ? "←→" : "Left/Right") }
        if keys.contains(.character("+")) && keys.contains(.character("-")) { parts.append("+/-") }
        if keys.contains(.character("0")) && keys.contains(.character("9")) { parts.append("0-9") }
        if parts.isEmpty, let key = keys.first { parts.append(shown(key.description)) }
        return parts.joined(separator: " ")
    }

    private func drawStatus(_ frame: inout Frame, y: Int, _ state: TillState, compact: Bool) {
        var fields: [StatusField] = []
        let dot: Theme.Slot
        var style = theme.style(.mainForeground)
        switch state.link {
        case .connected:
            dot = .ok
            fields.append(StatusField("connected", priority: 9))
            fields.append(StatusField(state.brokers, priority: 1, joinsPrevious: true))
        case .connecting:
            dot = .warn
            fields.append(StatusField("connecting to Kafka", priority: 9))
            fields.append(StatusField(state.brokers, priority: 1, joinsPrevious: true))
        case .offline:
            dot = .error
            style = theme.style(.error, bold: true)
            fields.append(StatusField("OFFLINE", priority: 10))
            fields.append(StatusField("— orders are kept and sent when Kafka is back", priority: 5, joinsPrevious: true))
        }
        fields.append(StatusField("outbox: \(state.waiting) waiting", priority: 8))
        fields.append(StatusField("sent: \(state.sent)", priority: 4))
        fields.append(StatusField("till \(state.till)", priority: 2))
        fields = fields.map { StatusField(shown($0.text), priority: $0.priority, joinsPrevious: $0.joinsPrevious) }
        let x = frame.put(glyphs.dot, x: 1, y: y, style: theme.style(dot, bold: true))
        // Without a hint line, the status line says where the keys are, at its right end.
        let hint = compact ? "? help " : ""
        let end = frame.width - Frame.columns(hint) - 1  // a space before the hint, or the margin
        let text = StatusLine.text(fields, room: end - x - 1, separator: " \(glyphs.middleDot) ", ellipsis: glyphs.ellipsis)
        frame.put(" " + text, x: x, y: y, style: style)
        if !hint.isEmpty { frame.putRight(hint, endX: frame.width, y: y, style: theme.style(.label)) }
    }

    // MARK: - Boxes

    private func drawConfirm(_ frame: inout Frame, _ question: TillConfirm) {
        let title = question == .quit ? "Quit?" : "Clear?"
        let rect = drawDialog(&frame, title: title, lines: [question.question, "", "y: yes    any other key: no"],
                              style: theme.style(.warn, bold: true))
        let inner = rect.inner
        let end = min(inner.maxX - 1, inner.x + 1 + Frame.columns(cut(question.question, inner.width - 2)))
        frame.cursor = Point(x: end, y: inner.y)
    }

    private func drawHelp(_ frame: inout Frame, _ state: TillState) {
        frame.cursor = nil
        drawDialog(&frame, title: "Keys", lines: state.helpLines + [
            "",
            "Enter saves the order on this till, then sends it;",
            "when Kafka is away it is sent as soon as it is back.",
            "The form clears once the order is saved.",
        ], style: theme.style(.mainForeground))
    }

    /// A box in the middle of the screen, over whatever is there; the first line in `style`.
    @discardableResult
    private func drawDialog(_ frame: inout Frame, title: String, lines: [String], style: Style) -> Rect {
        let widest = lines.map { Frame.columns(shown($0)) }.max() ?? 20
        let width = min(frame.width - 2, max(widest, Frame.columns(title) + 4) + 4)
        let height = min(frame.height - 2, lines.count + 2)
        let rect = Rect(x: (frame.width - width) / 2, y: (frame.height - height) / 2, width: width, height: height)
        frame.fill(rect, with: theme.blank)
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            frame.put(cut(line, inner.width - 2), x: inner.x + 1, y: inner.y + i,
                      style: i == 0 ? style : theme.style(.mainForeground), clip: inner)
        }
        return rect
    }
}
