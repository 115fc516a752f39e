import Testing
@testable import Transform

/// The simulator writes valid orders straight into a buffer (no `Order` value, no array per
/// record); those bytes must be exactly what `Order.jsonBytes` writes for the same order.
@Suite struct OrderGeneratorTests {
    /// Names that need escaping, and more than one script, so the pieces written once at the
    /// start go through the same quoting as `Order.appendJSON`.
    static let awkward = Restaurant(
        menu: [
            MenuItem(name: "Masala Dosa", price: 70),
            MenuItem(name: #"Chef's "Special""#, price: 250),
            MenuItem(name: "Pav\\Bhaji", price: 90),
            MenuItem(name: "மசாலா தோசை", price: 80),
            MenuItem(name: "Tab\there", price: 1),
            MenuItem(name: "Coffee", price: 0),
        ],
        paymentModes: ["CASH", "UPI", "Card \"x\""],
        tables: ["T1", "Terrace 2", "ஒன்று"])

    @Test(arguments: [Restaurant.seed, awkward])
    func theRecordWrittenInPlaceIsTheOrdersOwnJSON(restaurant: Restaurant) {
        var generator = OrderGenerator(restaurant: restaurant, seed: 99, firstOrderID: 1)
        var buffer: [UInt8] = Array("prefix".utf8)
        for n in 0..<5_000 {
            let t = 1_764_000_000 + Int64(n) * 37
            // A copy draws the same numbers: `next` makes the Order, the original the bytes.
            var twin = generator
            let order = twin.next(at: t, id: n % 3 == 0 ? Int64(n) * 1_000 : nil)
            buffer.removeSubrange(6...)
            let id = generator.appendRecord(at: t, faultRate: 0, id: n % 3 == 0 ? Int64(n) * 1_000 : nil, to: &buffer)
            #expect(id == order.orderID)
            #expect(Array(buffer[6...]) == order.jsonBytes)
            if Array(buffer[6...]) != order.jsonBytes { break }
        }
        #expect(buffer.starts(with: Array("prefix".utf8)))
    }

    @Test func theSameSeedGivesTheSameRecords() {
        var a = OrderGenerator(seed: 5)
        var b = OrderGenerator(seed: 5)
        for n in 0..<2_000 {
            let t = 1_764_000_000 + Int64(n)
            let left = a.nextRecord(at: t, faultRate: 0.3, id: nil)
            var right: [UInt8] = []
            let id = b.appendRecord(at: t, faultRate: 0.3, id: nil, to: &right)
            #expect(left.record == right && left.orderID == id)
        }
    }
}
