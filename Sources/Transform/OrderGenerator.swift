/// Plausible orders for demos, load tests and benchmarks: seeded, so a run can be repeated.
/// Pure: the caller passes event times; nothing here reads a clock.
public struct OrderGenerator: Sendable {
    public let restaurant: Restaurant
    private var random: SplitMix64
    private var nextID: Int64
    /// The ids issued last, newest first: a "duplicate resend" repeats one of them.
    private var recentIDs: [Int64] = []
    /// The restaurant's names as JSON, written once (a load test makes a million orders a
    /// second from them).
    private let fragments: Fragments

    public init(restaurant: Restaurant = .seed, seed: UInt64 = 42, firstOrderID: Int64 = 1) {
        self.restaurant = restaurant
        random = SplitMix64(seed: seed)
        nextID = firstOrderID
        fragments = Fragments(restaurant)
    }

    /// What one order is made of: up to four menu lines (index, quantity), a payment mode, a
    /// table and a party size, drawn in one fixed order so that a seed gives the same orders
    /// whichever way they are written.
    private struct Draw {
        /// Up to four lines: menu index and quantity (SIMD vectors: four slots, no array).
        var lines = SIMD4<Int>()
        var quantities = SIMD4<Int64>()
        var count = 0
        var mode = 0
        var table = 0
        var customers: Int64 = 0
        var orderID: Int64 = 0

        func line(_ n: Int) -> (index: Int, quantity: Int64) { (lines[n], quantities[n]) }

        func contains(_ index: Int) -> Bool {
            (0..<count).contains { lines[$0] == index }
        }
    }

    private mutating func draw(id: Int64?) -> Draw {
        var draw = Draw()
        let menuCount = restaurant.menu.count
        let lineCount = 1 + Int(random.next(below: random.next(below: 2) == 0 ? 2 : 4))
        while draw.count < min(lineCount, menuCount) {
            // Popular dishes first: a skewed pick makes the bar chart interesting.
            let a = Int(random.next(below: UInt64(menuCount)))
            let b = Int(random.next(below: UInt64(menuCount)))
            let pick = min(a, b)
            if !draw.contains(pick) {
                draw.lines[draw.count] = pick
                draw.count += 1
            }
        }
        for n in 0..<draw.count { draw.quantities[n] = 1 + Int64(random.next(below: 3)) }
        draw.mode = Int(random.next(below: UInt64(restaurant.paymentModes.count)))
        draw.table = Int(random.next(below: UInt64(max(restaurant.tables.count, 1))))
        draw.customers = 1 + Int64(random.next(below: 6))
        draw.orderID = id ?? nextID
        if id == nil { nextID += 1 }
        recentIDs.insert(draw.orderID, at: 0)
        if recentIDs.count > 6 { recentIDs.removeLast() }
        return draw
    }

    private func order(_ draw: Draw, at timestamp: Int64) -> Order {
        let menu = restaurant.menu
        let lines = (0..<draw.count).map { n -> Order.Line in
            let (index, quantity) = draw.line(n)
            return Order.Line(name: menu[index].name, quantity: quantity, price: menu[index].price)
        }
        let tables = restaurant.tables.isEmpty ? ["T1"] : restaurant.tables
        return Order(
            orderID: draw.orderID,
            tableID: tables[draw.table],
            customers: draw.customers,
            paymentMode: restaurant.paymentModes[draw.mode],
            items: lines,
            amount: lines.reduce(0) { $0 + $1.quantity * $1.price },
            timestamp: timestamp)
    }

    /// A valid order at `timestamp` with a fresh order id (`id`, or the next of the generator's
    /// own sequence).
    public mutating func next(at timestamp: Int64, id: Int64? = nil) -> Order {
        order(draw(id: id), at: timestamp)
    }

    /// Mostly valid orders with a small share of the faults real tills produce: a duplicate
    /// resend, a truncated message, an unknown payment mode, a wrong amount, an off-menu dish.
    public mutating func nextRecord(at timestamp: Int64, faultRate: Double) -> [UInt8] {
        nextRecord(at: timestamp, faultRate: faultRate, id: nil).record
    }

    /// The same with a fresh id from the caller (a till's `OrderIDs`); also says which order id
    /// the record carries (a duplicate carries an earlier one), for the record's key.
    public mutating func nextRecord(at timestamp: Int64, faultRate: Double, id: Int64?) -> (record: [UInt8], orderID: Int64) {
        var record: [UInt8] = []
        record.reserveCapacity(256)
        let orderID = appendRecord(at: timestamp, faultRate: faultRate, id: id, to: &record)
        return (record, orderID)
    }

    /// The same, the record appended to `out`; returns the order id it carries.
    public mutating func appendRecord(at timestamp: Int64, faultRate: Double, id: Int64?, to out: inout [UInt8]) -> Int64 {
        let drawn = draw(id: id)
        guard random.nextUnit() < faultRate else {
            fragments.write(drawn, at: timestamp, menu: restaurant.menu, to: &out)
            return drawn.orderID
        }
        var order = order(drawn, at: timestamp)
        switch random.next(below: 5) {
        case 0:
            // A resend of one of the last five orders (the till did not hear back in time).
            let back = Int(random.next(below: 5)) + 1
            // (Too early for that: the generator's own ids count back; a caller's ids are not
            // consecutive, so the order keeps its own.)
            order.orderID = back < recentIDs.count ? recentIDs[back] : id == nil ? max(1, order.orderID - Int64(back)) : order.orderID
        case 1:
            let start = out.count
            order.appendJSON(to: &out)
            out.removeSubrange((start + (out.count - start) / 2)...)
            return order.orderID
        case 2:
            order.paymentMode = "CHEQUE"
        case 3:
            order.amount += 10
        default:
            order.items.append(Order.Line(name: "Filter Coffee", quantity: 1, price: 30))
            order.amount += 30
        }
        order.appendJSON(to: &out)
        return order.orderID
    }

    /// Byte for byte what `Order.appendJSON` writes for a drawn order, from pieces made once,
    /// on the stack, with one append at the end.
    private struct Fragments: Sendable {
        /// Per menu item: `{"name":"…","quantity":` and `,"price":…}`.
        var heads: [[UInt8]] = []
        var tails: [[UInt8]] = []
        var tables: [[UInt8]] = []
        var modes: [[UInt8]] = []
        /// An upper bound on one order's bytes.
        var bound = 0

        init(_ restaurant: Restaurant) {
            for item in restaurant.menu {
                var head = Array(#"{"name":"#.utf8)
                var name = item.name
                name.withUTF8 { JSONWriter.appendQuoted(UnsafeRawBufferPointer($0), to: &head) }
                head += Array(#","quantity":"#.utf8)
                heads.append(head)
                var tail = Array(#","price":"#.utf8)
                JSONWriter.appendInteger(item.price, to: &tail)
                tail += Array("}".utf8)
                tails.append(tail)
            }
            func quoted(_ text: String) -> [UInt8] {
                var bytes: [UInt8] = []
                var text = text
                text.withUTF8 { JSONWriter.appendQuoted(UnsafeRawBufferPointer($0), to: &bytes) }
                return bytes
            }
            tables = (restaurant.tables.isEmpty ? ["T1"] : restaurant.tables).map(quoted)
            modes = restaurant.paymentModes.map(quoted)
            let longestLine = zip(heads, tails).map { $0.count + $1.count + 1 + 20 }.max() ?? 0
            bound = 200 + 4 * longestLine + (tables.map(\.count).max() ?? 0) + (modes.map(\.count).max() ?? 0)
        }

        func write(_ draw: Draw, at timestamp: Int64, menu: [MenuItem], to out: inout [UInt8]) {
            withUnsafeTemporaryAllocation(byteCount: bound, alignment: 8) { buffer in
                let base = buffer.baseAddress!
                var at = 0
                func put(_ text: StaticString) {
                    (base + at).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
                    at += text.utf8CodeUnitCount
                }
                func put(_ bytes: [UInt8]) {
                    bytes.withUnsafeBytes { (base + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    at += bytes.count
                }
                func put(_ value: Int64) {
                    var magnitude = value.magnitude
                    if value < 0 {
                        base.storeBytes(of: UInt8(ascii: "-"), toByteOffset: at, as: UInt8.self)
                        at += 1
                    }
                    var digits = 1
                    var rest = magnitude / 10
                    while rest > 0 {
                        digits += 1
                        rest /= 10
                    }
                    var end = at + digits
                    repeat {
                        end -= 1
                        base.storeBytes(of: UInt8(ascii: "0") + UInt8(magnitude % 10), toByteOffset: end, as: UInt8.self)
                        magnitude /= 10
                    } while magnitude > 0
                    at += digits
                }
                var amount: Int64 = 0
                put(#"{"order_id":"#); put(draw.orderID)
                put(#","table_id":"#); put(tables[draw.table])
                put(#","customer_per_order":"#); put(draw.customers)
                put(#","payment_mode":"#); put(modes[draw.mode])
                put(#","items":["#)
                for n in 0..<draw.count {
                    let (index, quantity) = draw.line(n)
                    if n > 0 { put(",") }
                    put(heads[index]); put(quantity); put(tails[index])
                    amount += quantity * menu[index].price
                }
                put(#"],"amount":"#); put(amount)
                put(#","timestamp":"#); put(timestamp)
                put("}")
                out.appendBytes(UnsafeRawBufferPointer(start: base, count: at))
            }
        }
    }
}

/// A small, fast, seedable generator (Steele, Lea, Flood 2014).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func next(below bound: UInt64) -> UInt64 {
        bound == 0 ? 0 : next() % bound
    }

    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(UInt64(1) << 53)
    }
}
