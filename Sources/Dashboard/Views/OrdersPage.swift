import Foundation
import Terminal
import Transform

/// Page 3: the original dashboard's verification query as a screen — the gold rows, newest
/// first (time, order id, table, customers, items, amount, payment); `/` filters.
extension DashboardView {
    func drawOrdersPage(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let orders = model.filteredOrders
        var title = "Orders \(glyphs.middleDot) newest \(model.snapshot.recent.count)"
        if model.editingFilter || !model.filter.isEmpty {
            title += " \(glyphs.middleDot) filter: \(model.filter)\(model.editingFilter ? "_" : "") (\(orders.count))"
        } else if model.hints {
            title += " (/: filter)"
        }
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        guard inner.height > 0 else { return }
        if orders.isEmpty {
            let text = model.snapshot.recent.isEmpty ? "no orders yet today" : "no order matches the filter"
            frame.put(text, x: inner.x + 1, y: inner.y, style: theme.style(.label), clip: inner)
            return
        }
        let window = model.snapshot.window
        let columns = [
            TableColumn("Time", .length(8)), TableColumn("Order", .length(16), .right),
            TableColumn("Table", .length(6)), TableColumn("Cust", .length(4), .right),
            TableColumn("Items", .fill(weight: 1, min: 10)), TableColumn("Amount", .length(10), .right),
            TableColumn("Payment", .length(7)),
        ]
        let rows = orders.map { order -> [String] in
            [
                String(window.standardTimestamp(order.timestamp).suffix(8)), String(order.orderID), order.tableID,
                String(order.customers),
                order.items.map { "\($0.name) \(glyphs.times)\($0.quantity)" }.joined(separator: ", "),
                money.format(order.amount), order.paymentMode,
            ]
        }
        let area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        Widgets.table(&frame, area, columns: columns, rows: rows, state: model.ordersTable,
                      theme: theme, glyphs: glyphs)
    }
}
