/// Plausible orders for demos, load tests and benchmarks: seeded, so a run can be repeated.
/// Pure: the caller passes event times; nothing here reads a clock.
public struct OrderGenerator: Sendable {
    public let restaurant: Restaurant
    private var random: SplitMix64
    private var nextID: Int64
    /// The ids issued last, newest first: a "duplicate resend" repeats one of them.
    private var recentIDs: [Int64] = []

    public init(restaurant: Restaurant = .seed, seed: UInt64 = 42, firstOrderID: Int64 = 1) {
        self.restaurant = restaurant
        random = SplitMix64(seed: seed)
        nextID = firstOrderID
    }

    /// A valid order at `timestamp` with a fresh order id (`id`, or the next of the generator's
    /// own sequence).
    public mutating func next(at timestamp: Int64, id: Int64? = nil) -> Order {
        let menu = restaurant.menu
        let lineCount = 1 + Int(random.next(below: random.next(below: 2) == 0 ? 2 : 4))
        var chosen: [Int] = []
        while chosen.count < min(lineCount, menu.count) {
            // Popular dishes first: a skewed pick makes the bar chart interesting.
            let a = Int(random.next(below: UInt64(menu.count)))
            let b = Int(random.next(below: UInt64(menu.count)))
            let pick = min(a, b)
            if !chosen.contains(pick) { chosen.append(pick) }
        }
        let lines = chosen.map {
            Order.Line(name: menu[$0].name, quantity: 1 + Int64(random.next(below: 3)), price: menu[$0].price)
        }
        let modes = restaurant.paymentModes
        let mode = modes[Int(random.next(below: UInt64(modes.count)))]
        let tables = restaurant.tables.isEmpty ? ["T1"] : restaurant.tables
        let order = Order(
            orderID: id ?? nextID,
            tableID: tables[Int(random.next(below: UInt64(tables.count)))],
            customers: 1 + Int64(random.next(below: 6)),
            paymentMode: mode,
            items: lines,
            amount: lines.reduce(0) { $0 + $1.quantity * $1.price },
            timestamp: timestamp)
        if id == nil { nextID += 1 }
        recentIDs.insert(order.orderID, at: 0)
        if recentIDs.count > 6 { recentIDs.removeLast() }
        return order
    }

    /// Mostly valid orders with a small share of the faults real tills produce: a duplicate
    /// resend, a truncated message, an unknown payment mode, a wrong amount, an off-menu dish.
    /// `faultRate` is the share of faulty records (0…1).
    public mutating func nextRecord(at timestamp: Int64, faultRate: Double) -> [UInt8] {
        nextRecord(at: timestamp, faultRate: faultRate, id: nil).record
    }

    /// The same with a fresh id from the caller (a till's `OrderIDs`); also says which order id
    /// the record carries (a duplicate carries an earlier one), for the record's key.
    public mutating func nextRecord(at timestamp: Int64, faultRate: Double, id: Int64?) -> (record: [UInt8], orderID: Int64) {
        var order = next(at: timestamp, id: id)
        guard random.nextUnit() < faultRate else { return (order.jsonBytes, order.orderID) }
        switch random.next(below: 5) {
        case 0:
            // A resend of one of the last five orders (the till did not hear back in time).
            let back = Int(random.next(below: 5)) + 1
            // (Too early for that: the generator's own ids count back; a caller's ids are not
            // consecutive, so the order keeps its own.)
            order.orderID = back < recentIDs.count ? recentIDs[back] : id == nil ? max(1, order.orderID - Int64(back)) : order.orderID
        case 1:
            let text = order.jsonBytes
            return (Array(text[..<(text.count / 2)]), order.orderID)
        case 2:
            order.paymentMode = "CHEQUE"
        case 3:
            order.amount += 10
        default:
            order.items.append(Order.Line(name: "Filter Coffee", quantity: 1, price: 30))
            order.amount += 30
        }
        return (order.jsonBytes, order.orderID)
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
