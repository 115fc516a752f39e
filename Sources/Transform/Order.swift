/// A valid order, materialised (the ingest path works on `ParsedOrder` and builds these only
/// for the recent-orders list, tests and tools).
public struct Order: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var name: String
        public var quantity: Int64
        public var price: Int64

        public init(name: String, quantity: Int64, price: Int64) {
            self.name = name
            self.quantity = quantity
            self.price = price
        }
    }

    public var orderID: Int64
    public var tableID: String
    public var customers: Int64
    /// Upper-case, one of the allowed modes.
    public var paymentMode: String
    public var items: [Line]
    public var amount: Int64
    /// Event time, Unix seconds.
    public var timestamp: Int64

    public init(
        orderID: Int64, tableID: String, customers: Int64, paymentMode: String, items: [Line],
        amount: Int64, timestamp: Int64
    ) {
        self.orderID = orderID
        self.tableID = tableID
        self.customers = customers
        self.paymentMode = paymentMode
        self.items = items
        self.amount = amount
        self.timestamp = timestamp
    }

    /// The order as the till sends it (SEMANTICS.md §1), keys in the original producer's order.
    public var json: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// The same as UTF-8 bytes, the form Kafka takes. (The keys are written as literals: the
    /// till's simulator makes a million of these a second.)
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + 64 * items.count)
        appendJSON(to: &out)
        return out
    }

    /// The same, appended to `out` (a buffer of many records, without an array per record).
    public func appendJSON(to out: inout [UInt8]) {
        func raw(_ text: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
        func string(_ value: String) {
            var value = value
            value.withUTF8 { JSONWriter.appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
        }
        raw(#"{"order_id":"#); JSONWriter.appendInteger(orderID, to: &out)
        raw(#","table_id":"#); string(tableID)
        raw(#","customer_per_order":"#); JSONWriter.appendInteger(customers, to: &out)
        raw(#","payment_mode":"#); string(paymentMode)
        raw(#","items":["#)
        for (i, line) in items.enumerated() {
            if i == 0 { raw(#"{"name":"#) } else { raw(#",{"name":"#) }
            string(line.name)
            raw(#","quantity":"#); JSONWriter.appendInteger(line.quantity, to: &out)
            raw(#","price":"#); JSONWriter.appendInteger(line.price, to: &out)
            raw("}")
        }
        raw(#"],"amount":"#); JSONWriter.appendInteger(amount, to: &out)
        raw(#","timestamp":"#); JSONWriter.appendInteger(timestamp, to: &out)
        raw("}")
    }
}

extension OrderParser {
    /// Materialises the last parsed record as an `Order` (call only after it passed the rules).
    public func materialize(
        from record: UnsafeRawBufferPointer, paymentModes: [String]
    ) -> Order {
        let o = order
        return Order(
            orderID: o.orderID.integer,
            tableID: string(o.tableID.text, in: record),
            customers: o.customers.integer,
            paymentMode: o.paymentIndex >= 0 ? paymentModes[o.paymentIndex] : "",
            items: o.items.map {
                Order.Line(
                    name: string($0.name.text, in: record), quantity: $0.quantity.integer,
                    price: $0.price.integer)
            },
            amount: o.amount.integer,
            timestamp: o.timestamp.integer)
    }
}
