/// The seed's flattened "gold" row of an order (SEMANTICS.md §5): fixed columns, then
/// `<Item>_Q` (quantity of that dish in the order, 0 if absent) and `<Item>_P` (menu price) for
/// every menu dish, spaces in names replaced by `_`. Dishes not on the menu get their own
/// columns after the menu's, in the order they first appear, with the order's price (of their
/// first line), rather than being lost — unless their column name is taken already (an
/// off-menu `Masala_Dosa` next to the menu's `Masala Dosa`): a row never has a column twice.
/// Dish names are compared by their bytes, as the day's totals compare them.
///
/// The reference for `GoldRowWriter`, which writes the same columns (and a few more) as JSON.
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
        // Dishes are told apart by their bytes, as the day's totals and the warnings do (a
        // Swift `String` would call two spellings of "é" the same dish).
        var quantities: [[UInt8]: Int64] = [:]
        var offMenu: [(name: String, price: Int64)] = []
        let menuNames = Set(restaurant.menu.map { Array($0.name.utf8) })
        var stems = Set(restaurant.menu.map { Self.stem($0.name) })
        for line in order.items {
            let name = Array(line.name.utf8)
            if quantities[name] == nil, !menuNames.contains(name),
                stems.insert(Self.stem(line.name)).inserted
            {
                offMenu.append((line.name, line.price))
            }
            quantities[name, default: 0] += line.quantity
        }
        for item in restaurant.menu {
            columns.append(Column(name: Self.columnName(item.name, "Q"), value: .integer(quantities[Array(item.name.utf8)] ?? 0)))
            columns.append(Column(name: Self.columnName(item.name, "P"), value: .integer(item.price)))
        }
        for item in offMenu {
            columns.append(Column(name: Self.columnName(item.name, "Q"), value: .integer(quantities[Array(item.name.utf8)] ?? 0)))
            columns.append(Column(name: Self.columnName(item.name, "P"), value: .integer(item.price)))
        }
        self.columns = columns
    }

    /// A column name without its suffix, as bytes: the name with spaces as `_`.
    private static func stem(_ dish: String) -> [UInt8] {
        dish.utf8.map { $0 == 0x20 ? 0x5F : $0 }
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
