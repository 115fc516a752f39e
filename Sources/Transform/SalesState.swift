/// The day's sales, kept by one writer (the ingest loop) and read through `snapshot()`.
///
/// Each record goes through the contract's steps in order (SEMANTICS.md §3): expectations,
/// duplicates, the day, aggregation. Memory stays flat however long the stream: totals are per
/// day and per minute (1440 buckets), dish names and order ids are bounded (see `Limits`).
public struct SalesState: Sendable {
    public struct Limits: Sendable {
        /// Order ids remembered for dedupe (today's and yesterday's).
        public var orderIDs = 4_000_000
        /// Distinct dish names per day.
        public var dishNames = 100_000
        /// Orders kept for the recent-orders list.
        public var recentOrders = 64
        /// Seconds a minute stays open after its end; an order that reached Kafka later than
        /// that is counted as `late` (and still counted in full: totals never drop it).
        public var lateness: Int64 = 60

        public init() {}
    }

    /// What became of one record.
    public enum Outcome: Sendable, Equatable {
        case accepted
        case rejected(RejectionReason)
        case duplicate
        case outsideDay
    }

    public let restaurant: Restaurant
    public let expectations: Expectations
    public let limits: Limits
    public private(set) var window: DayWindow {
        didSet { dayNumber = window.day.daysSinceEpoch }
    }
    /// `window.day` as days since the epoch (the dedupe set's day tag).
    private var dayNumber: Int64

    private var parser = OrderParser()
    private var ids: OrderIDSet
    private var items: ItemTable
    private var modes: [(orders: Int64, revenue: Int64)]
    private var minutes: [Snapshot.MinuteTotal]
    private var orders: Int64 = 0
    private var revenue: Int64 = 0
    private var customers: Int64 = 0
    private var rejected = [Int](repeating: 0, count: RejectionReason.allCases.count)
    private var warnings = [Int](repeating: 0, count: OrderWarning.allCases.count)
    private var duplicates = 0
    private var outsideDay = 0
    private var late = 0
    private var records = 0
    private var latestEvent: Int64?
    private var recent: RecentOrders
    private var quality = QualityLog()
    private let upperModes: [[UInt8]]

    public init(
        window: DayWindow, restaurant: Restaurant = .seed,
        expectations: Expectations = .contract, limits: Limits = Limits()
    ) {
        self.window = window
        dayNumber = window.day.daysSinceEpoch
        self.restaurant = restaurant
        self.expectations = expectations
        self.limits = limits
        ids = OrderIDSet(capacity: limits.orderIDs)
        items = ItemTable(menu: restaurant.menu, limit: limits.dishNames)
        modes = Array(repeating: (0, 0), count: restaurant.paymentModes.count)
        minutes = Array(repeating: Snapshot.MinuteTotal(), count: 1440)
        upperModes = restaurant.paymentModes.map { Array($0.utf8) }
        recent = RecentOrders(capacity: limits.recentOrders)
    }

    /// Forgets every order, id and counter of the day: the records are about to be read again
    /// from a new source (another cluster now answers at the same address).
    public mutating func reset() {
        self = SalesState(window: window, restaurant: restaurant, expectations: expectations, limits: limits)
    }

    /// Takes one record value through every step. `now` is the consumer's clock (Unix seconds),
    /// used only for the timestamp's upper bound. `arrival` is when the record reached Kafka
    /// (its record time, Unix seconds), used only to count late orders; the day, the minute
    /// and every total come from the order's own event time.
    @discardableResult
    public mutating func ingest(
        _ record: UnsafeRawBufferPointer, now: Int64, arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        records += 1
        let context = ExpectationContext(recordBytes: record.count, now: now)
        if record.count <= Expectations.largestRecord {
            parser.parse(record)
            if parser.order.paymentMode.kind == .string {
                let ref = parser.order.paymentMode.text
                let index = parser.withBytes(of: ref, in: record) { paymentIndex(of: $0) }
                parser.setPaymentIndex(index)
            }
        } else {
            parser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if let reason = expectations.firstFailure(parser.order, context) {
            rejected[reason.index] += 1
            quality.reject(reason, at: now, origin: origin, record: record)
            return .rejected(reason)
        }
        guard ids.insert(parser.order.orderID.integer, day: dayNumber) else {
            duplicates += 1
            quality.lastDuplicate = now
            return .duplicate
        }
        guard let minute = window.minuteOfDay(parser.order.timestamp.integer) else {
            outsideDay += 1
            quality.lastOutsideDay = now
            return .outsideDay
        }
        aggregate(minute: minute, record: record, arrival: arrival, now: now)
        return .accepted
    }

    /// Convenience for tests and tools.
    @discardableResult
    public mutating func ingest(
        _ record: [UInt8], now: Int64, arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        record.withUnsafeBytes { ingest($0, now: now, arrival: arrival, origin: origin) }
    }

    /// The last step: the order in `parser` is valid, new and in the day.
    private mutating func aggregate(minute: Int, record: UnsafeRawBufferPointer, arrival: Int64?, now: Int64) {
        let amount = parser.order.amount.integer
        let mode = parser.order.paymentIndex
        orders += 1
        revenue += amount
        customers += parser.order.customers.integer
        modes[mode].orders += 1
        modes[mode].revenue += amount
        minutes[minute].orders += 1
        minutes[minute].revenue += amount
        for index in 0..<parser.order.items.count {
            let item = parser.order.items[index]
            let slot = parser.withBytes(of: item.name.text, in: record) { items.slot(for: $0) }
            items.add(slot: slot, quantity: item.quantity.integer, price: item.price.integer)
            let line = ItemLine(
                quantity: item.quantity.integer, price: item.price.integer,
                menuPrice: items.menuPrice(slot: slot))
            expectations.warnings(for: line) { warning in
                warnings[warning.index] += 1
                quality.lastWarning[warning] = now
            }
        }
        let timestamp = parser.order.timestamp.integer
        if let arrival, arrival >= (floorDiv(timestamp, 60) + 1) * 60 + limits.lateness {
            late += 1
            quality.lastLate = now
        }
        latestEvent = max(latestEvent ?? timestamp, timestamp)
        rememberRecent(timestamp: timestamp, record: record)
    }

    /// Keeps the newest `limits.recentOrders` orders by event time (later arrivals first).
    @inline(__always)
    private mutating func rememberRecent(timestamp: Int64, record: UnsafeRawBufferPointer) {
        if recent.admits(timestamp) { recent.insert(timestamp: timestamp, record: record) }
    }

    @inline(__always)
    private func paymentIndex(of bytes: UnsafeRawBufferPointer) -> Int {
        for (index, mode) in upperModes.enumerated() where mode.count == bytes.count {
            var same = true
            for k in 0..<bytes.count {
                var b = bytes[k]
                if b >= 97 && b <= 122 { b -= 32 }
                if b != mode[k] {
                    same = false
                    break
                }
            }
            if same { return index }
        }
        return -1
    }

    /// Starts a new day: totals reset, ids of today and yesterday stay for dedupe.
    public mutating func roll(to next: DayWindow) {
        guard next.day != window.day || next.zone != window.zone else { return }
        window = next
        ids.forget(before: next.day.daysSinceEpoch - 1)
        items = ItemTable(menu: restaurant.menu, limit: limits.dishNames)
        modes = Array(repeating: (0, 0), count: restaurant.paymentModes.count)
        minutes = Array(repeating: Snapshot.MinuteTotal(), count: 1440)
        orders = 0
        revenue = 0
        customers = 0
        rejected = rejected.map { _ in 0 }
        warnings = warnings.map { _ in 0 }
        duplicates = 0
        outsideDay = 0
        late = 0
        quality = QualityLog()
        records = 0
        latestEvent = nil
        recent.removeAll()
    }

    public func snapshot() -> Snapshot {
        var dishes: [Snapshot.ItemTotal] = []
        for entry in items.entries where entry.quantity > 0 {
            dishes.append(
                Snapshot.ItemTotal(
                    name: entry.name, quantity: entry.quantity, revenue: entry.revenue,
                    onMenu: entry.menuPrice != nil))
        }
        dishes.sort { ($0.quantity, $1.name) > ($1.quantity, $0.name) }
        let modeTotals = zip(restaurant.paymentModes, modes).map { mode, total in
            Snapshot.ModeTotal(
                mode: mode, orders: total.orders, revenue: total.revenue,
                share: orders > 0 ? Double(total.orders) * 100 / Double(orders) : 0)
        }
        let rejectedByReason = Dictionary(
            uniqueKeysWithValues: RejectionReason.allCases.map { ($0, rejected[$0.index]) })
        return Snapshot(
            window: window,
            orders: orders, revenue: revenue, customers: customers,
            items: dishes, paymentModes: modeTotals, minutes: minutes,
            rejected: rejectedByReason,
            warnings: Dictionary(uniqueKeysWithValues: OrderWarning.allCases.map { ($0, warnings[$0.index]) }),
            duplicates: duplicates, outsideDay: outsideDay, late: late,
            recent: recent.orders(paymentIndex: paymentIndex, paymentModes: restaurant.paymentModes),
            latestEvent: latestEvent, records: records,
            untrackedIDs: ids.untracked, quality: quality)
    }
}

extension OrderParser {
    mutating func setPaymentIndex(_ index: Int) {
        order.paymentIndex = index
    }
}
