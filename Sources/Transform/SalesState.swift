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
    public var window: DayWindow { ledger.window }

    /// Step 1, for `ingest`.
    private var checker: OrderCheck
    /// Steps 2–4 and every total.
    private var ledger: Ledger

    public init(
        window: DayWindow, restaurant: Restaurant = .seed,
        expectations: Expectations = .contract, limits: Limits = Limits()
    ) {
        self.restaurant = restaurant
        self.expectations = expectations
        self.limits = limits
        checker = OrderCheck(restaurant: restaurant, expectations: expectations)
        ledger = Ledger(window: window, restaurant: restaurant, limits: limits)
    }

    /// Forgets every order, id and counter of the day: the records are about to be read again
    /// from a new source (another cluster now answers at the same address).
    public mutating func reset() {
        self = SalesState(window: window, restaurant: restaurant, expectations: expectations, limits: limits)
    }

    /// Takes one record value through every step: `OrderCheck.check`, then `add`. `now` is the
    /// consumer's clock (Unix seconds), used only for the timestamp's upper bound. `arrival` is
    /// when the record reached Kafka (its record time, Unix seconds), used only to count late
    /// orders; the day, the minute and every total come from the order's own event time.
    @discardableResult
    public mutating func ingest(
        _ record: UnsafeRawBufferPointer, now: Int64, arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        checker.check(record, now: now)
        return ledger.add(checker, record: record, now: now, arrival: arrival, origin: origin)
    }

    /// Convenience for tests and tools.
    @discardableResult
    public mutating func ingest(
        _ record: [UInt8], now: Int64, arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        record.withUnsafeBytes { ingest($0, now: now, arrival: arrival, origin: origin) }
    }

    /// Steps 2–4 for a record a caller has checked already (`check` holds its verdict; `record`
    /// is the same bytes): a rejection is counted under its reason, a valid order goes through
    /// dedupe, the day and aggregation. `ingest` is `check` followed by this, so the results
    /// are the same. `check` must be made for this state's restaurant and expectations.
    @discardableResult
    public mutating func add(
        _ check: borrowing OrderCheck, record: UnsafeRawBufferPointer, now: Int64,
        arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        assert(check.restaurant == restaurant, "the check was made for another restaurant")
        return ledger.add(check, record: record, now: now, arrival: arrival, origin: origin)
    }

    /// Convenience for tests and tools.
    @discardableResult
    public mutating func add(
        _ check: borrowing OrderCheck, record: [UInt8], now: Int64,
        arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        record.withUnsafeBytes { add(check, record: $0, now: now, arrival: arrival, origin: origin) }
    }

    /// A gold row from the transform's gold stream (checked with `OrderCheck.check(goldRow:)`):
    /// like `add`, except that a repeated order id is dropped without a trace. In the gold
    /// stream duplicates were counted by the transform (they are on the rejects topic, see
    /// `countRejected`); a repeat here is the same row delivered again (a reprocessed batch, or
    /// an aborted transaction the embedded broker shows to read_committed readers).
    @discardableResult
    public mutating func addGold(
        _ check: borrowing OrderCheck, record: UnsafeRawBufferPointer, now: Int64,
        arrival: Int64? = nil, origin: RecordOrigin? = nil
    ) -> Outcome {
        ledger.add(check, record: record, now: now, arrival: arrival, origin: origin, countRepeats: false)
    }

    /// A record the transform rejected, read from its rejects topic: counted under `reason`,
    /// or as a duplicate when `reason` is nil (the caller reads each source record once).
    public mutating func countRejected(
        _ reason: RejectionReason?, now: Int64, origin: RecordOrigin? = nil, record: UnsafeRawBufferPointer
    ) {
        ledger.count(reason, now: now, origin: origin, record: record)
    }

    /// Starts a new day: totals reset, ids of today and yesterday stay for dedupe.
    public mutating func roll(to next: DayWindow) {
        guard next.day != window.day || next.zone != window.zone else { return }
        ledger.roll(to: next, restaurant: restaurant, limits: limits)
    }

    public func snapshot() -> Snapshot {
        ledger.snapshot(restaurant: restaurant, modes: checker.modes)
    }
}

extension SalesState {
    /// Everything `add` changes: the day, the dedupe set and the totals.
    fileprivate struct Ledger: Sendable {
        private(set) var window: DayWindow {
            didSet { dayNumber = window.day.daysSinceEpoch }
        }
        /// `window.day` as days since the epoch (the dedupe set's day tag).
        private var dayNumber: Int64
        private let lateness: Int64

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

        init(window: DayWindow, restaurant: Restaurant, limits: Limits) {
            self.window = window
            dayNumber = window.day.daysSinceEpoch
            lateness = limits.lateness
            ids = OrderIDSet(capacity: limits.orderIDs)
            items = ItemTable(menu: restaurant.menu, limit: limits.dishNames)
            modes = Array(repeating: (0, 0), count: restaurant.paymentModes.count)
            minutes = Array(repeating: Snapshot.MinuteTotal(), count: 1440)
            recent = RecentOrders(capacity: limits.recentOrders)
        }

        /// Steps 2–4 of SEMANTICS.md §3 (step 1's verdict is in `check`).
        @inline(__always)
        mutating func add(
            _ check: borrowing OrderCheck, record: UnsafeRawBufferPointer, now: Int64,
            arrival: Int64?, origin: RecordOrigin?, countRepeats: Bool = true
        ) -> Outcome {
            assert(check.recordCount == record.count, "the check was made for another record")
            if case let .rejected(reason) = check.verdict {
                records += 1
                rejected[reason.index] += 1
                quality.reject(reason, at: now, origin: origin, record: record)
                return .rejected(reason)
            }
            guard ids.insert(check.orderID, day: dayNumber) else {
                if countRepeats {
                    records += 1
                    duplicates += 1
                    quality.lastDuplicate = now
                }
                return .duplicate
            }
            records += 1
            guard let minute = window.minuteOfDay(check.timestamp) else {
                outsideDay += 1
                quality.lastOutsideDay = now
                return .outsideDay
            }
            aggregate(check, minute: minute, record: record, arrival: arrival, now: now)
            return .accepted
        }

        /// A record counted elsewhere (the transform's rejects topic): its reason, or a
        /// duplicate (`reason` nil).
        mutating func count(_ reason: RejectionReason?, now: Int64, origin: RecordOrigin?, record: UnsafeRawBufferPointer) {
            records += 1
            if let reason {
                rejected[reason.index] += 1
                quality.reject(reason, at: now, origin: origin, record: record)
            } else {
                duplicates += 1
                quality.lastDuplicate = now
            }
        }

        /// The last step: the order in `check` is valid, new and in the day.
        @inline(__always)
        private mutating func aggregate(
            _ check: borrowing OrderCheck, minute: Int, record: UnsafeRawBufferPointer,
            arrival: Int64?, now: Int64
        ) {
            let amount = check.amount
            let mode = check.paymentIndex
            orders += 1
            revenue += amount
            customers += check.customers
            modes[mode].orders += 1
            modes[mode].revenue += amount
            minutes[minute].orders += 1
            minutes[minute].revenue += amount
            for index in 0..<check.lineCount {
                let line = check.line(index)
                // Menu dishes hold the first slots, in menu order; the check looked them up.
                let slot =
                    line.menuIndex >= 0
                    ? line.menuIndex : check.withBytes(of: line.name, in: record) { items.slot(for: $0) }
                items.add(slot: slot, quantity: line.quantity, price: line.price)
            }
            if check.hasWarnings {
                for warning in OrderWarning.allCases {
                    let count = check.lines(raising: warning)
                    if count > 0 {
                        warnings[warning.index] += count
                        quality.lastWarning[warning] = now
                    }
                }
            }
            let timestamp = check.timestamp
            if let arrival, arrival >= (floorDiv(timestamp, 60) + 1) * 60 + lateness {
                late += 1
                quality.lastLate = now
            }
            latestEvent = max(latestEvent ?? timestamp, timestamp)
            if recent.admits(timestamp) { recent.insert(timestamp: timestamp, record: record) }
        }

        /// A new day: totals reset, ids of today and yesterday stay for dedupe.
        mutating func roll(to next: DayWindow, restaurant: Restaurant, limits: Limits) {
            var fresh = Ledger(window: next, restaurant: restaurant, limits: limits)
            swap(&fresh.ids, &ids)
            fresh.ids.forget(before: next.day.daysSinceEpoch - 1)
            self = fresh
        }

        func snapshot(restaurant: Restaurant, modes paymentModes: PaymentModes) -> Snapshot {
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
                warnings: Dictionary(
                    uniqueKeysWithValues: OrderWarning.allCases.map { ($0, warnings[$0.index]) }),
                duplicates: duplicates, outsideDay: outsideDay, late: late,
                recent: recent.orders(paymentIndex: paymentModes.index(of:), paymentModes: paymentModes.names),
                latestEvent: latestEvent, records: records,
                untrackedIDs: ids.untracked, quality: quality)
        }
    }
}

extension OrderParser {
    mutating func setPaymentIndex(_ index: Int) {
        order.paymentIndex = index
    }
}
