import Foundation
@testable import Transform

/// 2025-11-25 14:00:00 IST (08:30 UTC), the reference order's event time.
let referenceTime: Int64 = 1_764_059_400
let kolkata = TimeZone(identifier: "Asia/Kolkata")!
let london = TimeZone(identifier: "Europe/London")!

let referenceOrder = """
    {"order_id": 482913, "table_id": "T3", "customer_per_order": 2, "payment_mode": "UPI", \
    "items": [{"name": "Masala Dosa", "quantity": 2, "price": 70}, \
    {"name": "Coffee", "quantity": 1, "price": 15}], "amount": 155, "timestamp": 1764059400}
    """

/// A state for the reference order's day in Kolkata.
func kolkataState(limits: SalesState.Limits = .init()) -> SalesState {
    SalesState(window: DayWindow.containing(referenceTime, zone: kolkata), limits: limits)
}

/// The rejection reason for one record, or nil when the expectations let it through.
func reason(_ record: String, now: Int64 = referenceTime + 3600) -> RejectionReason? {
    reason(Array(record.utf8), now: now)
}

func reason(_ record: [UInt8], now: Int64 = referenceTime + 3600) -> RejectionReason? {
    var state = kolkataState()
    if case let .rejected(r) = state.ingest(record, now: now) { return r }
    return nil
}

/// The reference order with one field's JSON text replaced (or removed with nil).
func order(
    orderID: String? = "482913", tableID: String? = "\"T3\"", customers: String? = "2",
    paymentMode: String? = "\"UPI\"",
    items: String? = #"[{"name": "Masala Dosa", "quantity": 2, "price": 70}, {"name": "Coffee", "quantity": 1, "price": 15}]"#,
    amount: String? = "155", timestamp: String? = "1764059400", extra: String? = nil
) -> String {
    var fields: [String] = []
    if let orderID { fields.append(#""order_id": \#(orderID)"#) }
    if let tableID { fields.append(#""table_id": \#(tableID)"#) }
    if let customers { fields.append(#""customer_per_order": \#(customers)"#) }
    if let paymentMode { fields.append(#""payment_mode": \#(paymentMode)"#) }
    if let items { fields.append(#""items": \#(items)"#) }
    if let amount { fields.append(#""amount": \#(amount)"#) }
    if let timestamp { fields.append(#""timestamp": \#(timestamp)"#) }
    if let extra { fields.append(extra) }
    return "{" + fields.joined(separator: ", ") + "}"
}

func item(_ name: String = "\"Tea\"", quantity: String = "1", price: String = "10") -> String {
    #"{"name": \#(name), "quantity": \#(quantity), "price": \#(price)}"#
}
