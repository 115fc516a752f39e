import Testing
@testable import Transform

@Test func theGoldRowFlattensAnOrderLikeTheSeed() {
    let window = DayWindow.containing(referenceTime, zone: kolkata)
    let order = Order(
        orderID: 482913, tableID: "T3", customers: 2, paymentMode: "UPI",
        items: [
            .init(name: "Masala Dosa", quantity: 2, price: 70),
            .init(name: "Coffee", quantity: 1, price: 15),
            .init(name: "Masala Dosa", quantity: 1, price: 70),
            .init(name: "Filter Coffee", quantity: 1, price: 30),
        ],
        amount: 255, timestamp: referenceTime)
    let row = GoldRow(order: order, restaurant: .seed, window: window)
    #expect(row["Masala_Dosa_Q"] == .integer(3))
    #expect(row["Masala_Dosa_P"] == .integer(70))
    #expect(row["Idli_Vada_Q"] == .integer(0))
    #expect(row["Cold_Drink_P"] == .integer(20))
    #expect(row["Filter_Coffee_Q"] == .integer(1))
    #expect(row["Filter_Coffee_P"] == .integer(30))
    #expect(row["timestamp_standard"] == .text("2025-11-25 14:00:00"))
    #expect(row["payment_mode"] == .text("UPI"))
    #expect(row.columns.count == 6 + 2 * 10 + 2)
    #expect(row.columns.prefix(6).map(\.name) == [
        "order_id", "table_id", "customer_per_order", "payment_mode", "amount", "timestamp_standard",
    ])
}

@Test func generatedOrdersAreValidAndRoundTrip() {
    var generator = OrderGenerator(seed: 7)
    var state = kolkataState()
    for i in 0..<500 {
        let order = generator.next(at: referenceTime + Int64(i))
        #expect(state.ingest(Array(order.json.utf8), now: referenceTime + 3600) == .accepted)
    }
    #expect(state.snapshot().orders == 500)
    #expect(state.snapshot().warnings.values.allSatisfy { $0 == 0 })
}
