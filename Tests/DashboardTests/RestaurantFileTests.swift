import ArgumentParser
import Testing
import TiffinCLI
import Transform

@Suite struct RestaurantFileTests {
    @Test func aFullFileReplacesTheSeed() throws {
        let restaurant = try RestaurantFile.parse("""
            menu:
              - {name: Masala Dosa, price: 80}
              - {name: Filter Coffee, price: 30}
            payment_modes: [cash, UPI, Wallet]
            tables: [A1, A2]
            """, path: "menu.yaml")
        #expect(restaurant.menu == [MenuItem(name: "Masala Dosa", price: 80), MenuItem(name: "Filter Coffee", price: 30)])
        #expect(restaurant.paymentModes == ["CASH", "UPI", "WALLET"])
        #expect(restaurant.tables == ["A1", "A2"])
    }

    @Test func missingSectionsKeepTheSeed() throws {
        let restaurant = try RestaurantFile.parse("payment_modes: [CASH]\n", path: "menu.yaml")
        #expect(restaurant.menu == Restaurant.seed.menu)
        #expect(restaurant.tables == Restaurant.seed.tables)
        #expect(restaurant.paymentModes == ["CASH"])
    }

    @Test(arguments: [
        ("menu: [{name: Tea}]", "needs 'price'"),
        ("menu: [{name: Tea, price: -1}]", "price -1"),
        ("menu: [{name: Tea, price: 10}, {name: Tea, price: 12}]", "appears twice"),
        ("payment_modes: [cash, CASH]", "payment mode appears twice"),
        ("menu: []", "no items"),
        ("menu: {name: [", "not valid YAML"),
    ])
    func mistakesAreNamed(text: String, fragment: String) {
        do {
            _ = try RestaurantFile.parse(text, path: "menu.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            let message = "\(error)"
            #expect(message.contains("menu.yaml") && message.contains(fragment), "\(message)")
        }
    }

    @Test func theConfiguredMenuDrivesTheWarnings() throws {
        let restaurant = try RestaurantFile.parse("menu: [{name: Filter Coffee, price: 30}]\npayment_modes: [WALLET]\n", path: "m.yaml")
        var state = SalesState(window: DayWindow.containing(1_764_059_400, zone: .init(identifier: "UTC")!), restaurant: restaurant)
        let record = #"{"order_id": 1, "table_id": "T1", "customer_per_order": 1, "payment_mode": "wallet", "items": [{"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Tea", "quantity": 1, "price": 10}], "amount": 40, "timestamp": 1764059400}"#
        #expect(state.ingest(Array(record.utf8), now: 1_764_059_400) == .accepted)
        let s = state.snapshot()
        #expect(s.warnings[.unknownItem] == 1 && s.warnings[.priceMismatch] == 0)
        #expect(s.paymentModes.map(\.mode) == ["WALLET"])
    }
}
