import Foundation
import Terminal
import Transform

/// Page 2: every dish of the day, on the menu or not (marked *), with quantity, revenue, its
/// share of the revenue and a bar; `s` cycles the sort, the arrow and page keys scroll.
extension DashboardView {
    func drawItemsPage(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let sort: String
        switch model.itemsSort {
        case .quantity: sort = "by quantity"
        case .revenue: sort = "by revenue"
        case .name: sort = "by name"
        }
        let items = model.sortedItems
        let title = "Items \(glyphs.middleDot) \(items.count) dishes \(glyphs.middleDot) \(sort)" + (model.hints ? " (s: sort)" : "")
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        guard inner.height > 0 else { return }
        if items.isEmpty {
            frame.put("no orders yet today", x: inner.x + 1, y: inner.y, style: theme.style(.label), clip: inner)
            return
        }
        let total = max(1, model.snapshot.revenue)
        let peak = max(1, items.map { model.itemsSort == .revenue ? $0.revenue : $0.quantity }.max() ?? 1)
        let wide = inner.width >= 70
        var columns = [
            TableColumn("Dish", .fill(weight: 1, min: 12)), TableColumn("", .length(1)),
            TableColumn("Qty", .length(7), .right), TableColumn("Revenue", .length(11), .right),
            TableColumn("Share", .length(6), .right),
        ]
        if wide { columns.append(TableColumn("", .fill(weight: 1, min: 8))) }
        let barWidth = wide ? max(8, (inner.width - 2 - 37) / 2) : 0
        let rows = items.map { item -> [String] in
            let measure = model.itemsSort == .revenue ? item.revenue : item.quantity
            var row = [
                item.name, item.onMenu ? "" : "*", Money.count(item.quantity), money.format(item.revenue),
                String(format: "%.1f%%", Double(item.revenue) * 100 / Double(total)),
            ]
            if wide { row.append(Widgets.bar(Double(measure) / Double(peak), width: barWidth, glyphs: glyphs)) }
            return row
        }
        let area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        Widgets.table(&frame, area, columns: columns, rows: rows, state: model.itemsTable,
                      theme: theme, glyphs: glyphs)
        if items.contains(where: { !$0.onMenu }) {
            frame.putRight(" * not on the menu ", endX: rect.maxX - 2, y: rect.maxY - 1, style: theme.style(.label))
        }
    }
}
