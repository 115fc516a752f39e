/// Plausible orders for demos, load tests and benchmarks: seeded, so a run can be repeated.
/// Pure: the caller passes event times; nothing here reads a clock.
public struct OrderGenerator: Sendable {
    public let restaurant: Restaurant
    private var random: SplitMix64
    private var nextID: Int64

    public init(restaurant: Restaurant = .seed, seed: UInt64 = 42, firstOrderID: Int64 = 1) {
        self.restaurant = restaurant
        random = SplitMix64(seed: seed)
        nextID = firstOrderID
    }

    /// A valid order at `timestamp` with a fresh order id.
    public mutating func next(at timestamp: Int64) -> Order {
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
            orderID: nextID,
            tableID: tables[Int(random.next(below: UInt64(tables.count)))],
            customers: 1 + Int64(random.next(below: 6)),
            paymentMode: mode,
            items: lines,
            amount: lines.reduce(0) { $0 + $1.quantity * $1.price },
            timestamp: timestamp)
        nextID += 1
        return order
    }

    /// Mostly valid orders with a small share of the faults real tills produce: a duplicate
    /// resend, a truncated message, an unknown payment mode, a wrong amount, an off-menu dish.
    /// `faultRate` is the share of faulty records (0…1).
    public mutating func nextRecord(at timestamp: Int64, faultRate: Double) -> [UInt8] {
        var order = next(at: timestamp)
        guard random.nextUnit() < faultRate else { return Array(order.json.utf8) }
        switch random.next(below: 5) {
        case 0:
            order.orderID = max(1, order.orderID - 1 - Int64(random.next(below: 5)))
        case 1:
            let text = Array(order.json.utf8)
            return Array(text[..<(text.count / 2)])
        case 2:
            order.paymentMode = "CHEQUE"
        case 3:
            order.amount += 10
        default:
            order.items.append(Order.Line(name: "Filter Coffee", quantity: 1, price: 30))
            order.amount += 30
        }
        return Array(order.json.utf8)
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
