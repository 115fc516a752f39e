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

    /// The sentence a file gets, or "accepted".
    func verdict(_ text: String) -> String {
        do {
            _ = try RestaurantFile.parse(text, path: "menu.yaml")
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    // Issue 6: every mistake names the file, the line and the field in words.
    @Test(arguments: [
        (
            "menu:\n  - {name: Masala Dosa, price: 70}\n  - {name: Vada, price: 70.5}\n",
            "--menu menu.yaml, line 3: menu[1].price must be a whole number of rupees (found 70.5)"
        ),
        (
            "menu: [{name: Tea, price: ten}]\n",
            "--menu menu.yaml, line 1: menu[0].price must be a whole number of rupees (found 'ten')"
        ),
        (
            "menu:\n  - name: Tea\n    price: \"10\"\n",
            "--menu menu.yaml, line 3: menu[0].price must be a whole number of rupees (found '10')"
        ),
        (
            "",
            "--menu menu.yaml: the file is empty; expected menu:, payment_modes: and/or tables:"
        ),
        (
            "# nothing here yet\n",
            "--menu menu.yaml: the file is empty; expected menu:, payment_modes: and/or tables:"
        ),
        (
            "menu: [{name: Tea, price: 10}]\npayment_mode: [CASH]\n",
            "--menu menu.yaml, line 2: unknown key 'payment_mode' (known: menu, payment_modes, tables)"
        ),
        (
            "menu:\n  - name: Tea\n    prise: 10\n",
            "--menu menu.yaml, line 3: unknown key 'prise' in menu[0] (known: name, price)"
        ),
        (
            "tables: T1\n",
            "--menu menu.yaml, line 1: tables must be a list such as [T1, T2, T3] (found 'T1')"
        ),
        (
            "menu: [Tea]\n",
            "--menu menu.yaml, line 1: menu[0] must be an item such as {name: Tea, price: 10} (found 'Tea')"
        ),
        (
            "- {name: Tea, price: 10}\n",
            "--menu menu.yaml, line 1: expected menu:, payment_modes: and/or tables: at the top (found a list)"
        ),
    ])
    func mistakesSayLineAndField(text: String, expected: String) {
        #expect(verdict(text) == expected)
    }

    @Test func invalidYAMLNamesTheLine() {
        let message = verdict("menu:\n  - {name: Tea, price: 10}\ntables: [T1]\npayment_modes: CASH: UPI\n")
        #expect(message.hasPrefix("--menu menu.yaml, line 4: not valid YAML (mapping values are not allowed"), "\(message)")
        #expect(!message.contains("^"), "no editor snippet in a sentence: \(message)")
    }

    @Test func aRepeatedSectionIsNamed() {
        let message = verdict("tables: [T1]\ntables: [T2]\n")
        #expect(message.hasPrefix("--menu menu.yaml, line "), "\(message)")
        #expect(message.contains("'tables' appears twice"), "\(message)")
    }

    @Test func aSectionWithNoValueKeepsTheSeed() throws {
        let restaurant = try RestaurantFile.parse("tables:\npayment_modes: [UPI]\n", path: "menu.yaml")
        #expect(restaurant.tables == Restaurant.seed.tables)
        #expect(restaurant.paymentModes == ["UPI"])
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
