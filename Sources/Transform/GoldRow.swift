/// The seed's flattened "gold" row of an order (SEMANTICS.md §5): fixed columns, then
/// `<Item>_Q` (quantity of that dish in the order, 0 if absent) and `<Item>_P` (menu price) for
/// every menu dish, spaces in names replaced by `_`. Dishes not on the menu get their own
/// columns after the menu's, with the order's price, rather than being lost.
public struct GoldRow: Sendable, Equatable {
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case integer(Int64)
        case text(String)

        public var description: String {
            switch self {
            case let .integer(v): return String(v)
            case let .text(t): return t
            }
        }
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var value: Value
    }

    public private(set) var columns: [Column]

    public init(order: Order, restaurant: Restaurant, window: DayWindow) {
        var columns: [Column] = [
            Column(name: "order_id", value: .integer(order.orderID)),
            Column(name: "table_id", value: .text(order.tableID)),
            Column(name: "customer_per_order", value: .integer(order.customers)),
            Column(name: "payment_mode", value: .text(order.paymentMode)),
            Column(name: "amount", value: .integer(order.amount)),
            Column(name: "timestamp_standard", value: .text(window.standardTimestamp(order.timestamp))),
        ]
        var quantities: [String: Int64] = [:]
        var offMenu: [(name: String, price: Int64)] = []
        for line in order.items {
            if quantities[line.name] == nil, restaurant.price(of: line.name) == nil {
                offMenu.append((line.name, line.price))
            }
            quantities[line.name, default: 0] += line.quantity
        }
        for item in restaurant.menu {
            columns.append(Column(name: Self.columnName(item.name, "Q"), value: .integer(quantities[item.name] ?? 0)))
            columns.append(Column(name: Self.columnName(item.name, "P"), value: .integer(item.price)))
        }
        for item in offMenu {
            columns.append(Column(name: Self.columnName(item.name, "Q"), value: .integer(quantities[item.name] ?? 0)))
            columns.append(Column(name: Self.columnName(item.name, "P"), value: .integer(item.price)))
        }
        self.columns = columns
    }

    public subscript(name: String) -> Value? { columns.first { $0.name == name }?.value }

    /// `Masala Dosa`, `Q` → `Masala_Dosa_Q`.
    public static func columnName(_ dish: String, _ suffix: String) -> String {
        dish.replacingSpaces() + "_" + suffix
    }
}

extension String {
    fileprivate func replacingSpaces() -> String {
        String(unicodeScalars.map { $0 == " " ? "_" : Character($0) })
    }
}
