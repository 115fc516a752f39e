/// One dish and its menu price in whole rupees.
public struct MenuItem: Sendable, Hashable {
    public var name: String
    public var price: Int64

    public init(name: String, price: Int64) {
        self.name = name
        self.price = price
    }
}

/// What a restaurant configures: its menu, the payment modes it accepts and its tables.
/// The defaults are the original producer's (SEMANTICS.md §8).
public struct Restaurant: Sendable, Hashable {
    public var menu: [MenuItem]
    /// Accepted payment modes; matched ASCII-case-insensitively, reported upper-case.
    public var paymentModes: [String]
    public var tables: [String]

    public init(menu: [MenuItem], paymentModes: [String], tables: [String]) {
        self.menu = menu
        self.paymentModes = paymentModes.map(Self.asciiUppercased)
        self.tables = tables
    }

    public static let seed = Restaurant(
        menu: [
            MenuItem(name: "Masala Dosa", price: 70),
            MenuItem(name: "Idli", price: 40),
            MenuItem(name: "Idli Vada", price: 70),
            MenuItem(name: "Poori", price: 50),
            MenuItem(name: "Chapati", price: 50),
            MenuItem(name: "Plain Dosa", price: 50),
            MenuItem(name: "Tea", price: 10),
            MenuItem(name: "Coffee", price: 15),
            MenuItem(name: "Cold Drink", price: 20),
            MenuItem(name: "Lassi", price: 25),
        ],
        paymentModes: ["CASH", "CARD", "UPI"],
        tables: (1...10).map { "T\($0)" })

    /// Problems a configuration file could have, one sentence each (empty when fine).
    public var problems: [String] {
        var found: [String] = []
        if menu.isEmpty { found.append("the menu has no items") }
        var seen = Set<String>()
        for item in menu {
            let length = item.name.unicodeScalars.count
            if length < 1 || length > 64 {
                found.append("menu item '\(item.name)': names are 1 to 64 characters")
            }
            if !(0...1_000_000).contains(item.price) {
                found.append("menu item '\(item.name)': price \(item.price) is not within 0…1000000")
            }
            if !seen.insert(item.name).inserted {
                found.append("menu item '\(item.name)' appears twice")
            }
        }
        if paymentModes.isEmpty { found.append("no payment modes are allowed") }
        if Set(paymentModes).count != paymentModes.count {
            found.append("a payment mode appears twice (modes compare case-insensitively)")
        }
        if paymentModes.contains(where: \.isEmpty) { found.append("a payment mode is empty") }
        if tables.isEmpty { found.append("no tables are listed") }
        return found
    }

    public func price(of name: String) -> Int64? { menu.first { $0.name == name }?.price }

    static func asciiUppercased(_ s: String) -> String {
        String(decoding: s.utf8.map { ($0 >= 97 && $0 <= 122) ? $0 - 32 : $0 }, as: UTF8.self)
    }
}
