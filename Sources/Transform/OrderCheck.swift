/// The allowed payment modes, upper-case, and the one ASCII-case-insensitive lookup of a
/// record's `payment_mode` among them (SEMANTICS.md §1).
struct PaymentModes: Sendable {
    let names: [String]
    private let upper: [[UInt8]]

    /// `names` are upper-case already (`Restaurant` folds them when it is made).
    init(_ names: [String]) {
        self.names = names
        upper = names.map { Array($0.utf8) }
    }

    /// Index into `names`, or -1 when the mode is not allowed.
    @inline(__always)
    func index(of bytes: UnsafeRawBufferPointer) -> Int {
        for (index, mode) in upper.enumerated() where mode.count == bytes.count {
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
}

/// Step 1 of SEMANTICS.md §3 for one record, and nothing else: parse, fold the payment mode,
/// judge the expectations (§2) and, for a valid order, look every item line up on the menu and
/// note the warnings it raises. Pure and reused from record to record: once warmed up a check
/// allocates nothing.
///
/// What the check found stays readable until the next `check`: the verdict, and for a valid
/// order its fields, item lines and warnings. Strings (the table id, dish names) are kept by
/// reference, so reading them takes the same record bytes again.
///
/// Dedupe, the day and aggregation are the caller's (`SalesState.add`), so that a caller that
/// needs the order itself as well (the `transform` service writing a gold row) parses it once.
public struct OrderCheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        /// The first rule the record broke.
        case rejected(RejectionReason)
        /// A valid order: its facts are in the check.
        case checked
    }

    /// One item line of a checked order, as sent, with what the menu says about it.
    public struct Line: Sendable {
        /// The dish name, by reference (see `withBytes(of:in:)`, `string(_:in:)`).
        public let name: StringRef
        public let quantity: Int64
        public let price: Int64
        /// Index into `restaurant.menu`, −1 for a dish that is not on the menu. (Also the
        /// dish's slot in a day's item table: menu dishes come first, in menu order.)
        public let menuIndex: Int
        /// Bit `warning.index` set for every warning this line raised.
        let warningBits: UInt8

        @inline(__always)
        init(_ item: ParsedItem) {
            name = item.name.text
            quantity = item.quantity.integer
            price = item.price.integer
            menuIndex = item.menuIndex
            warningBits = item.warningBits
        }

        /// The menu price, nil for a dish that is not on the menu.
        public func menuPrice(in restaurant: Restaurant) -> Int64? {
            menuIndex >= 0 ? restaurant.menu[menuIndex].price : nil
        }

        public func raises(_ warning: OrderWarning) -> Bool {
            warningBits & (1 << UInt8(warning.index)) != 0
        }
    }

    public let restaurant: Restaurant
    public let expectations: Expectations
    /// The parser holding the last record's facts (`parser.order`).
    public private(set) var parser = OrderParser()
    /// The last record's verdict. Before any check, an empty record's (`malformed_json`).
    public private(set) var verdict = Verdict.rejected(.malformedJSON)
    /// Length of the last record, to catch a caller that passes another record with the check.
    public private(set) var recordCount = 0

    let modes: PaymentModes
    /// The menu alone, for lookups (never grows).
    let menu: ItemTable
    /// Per warning, how many lines of the last order raised it.
    private var warningLines: ContiguousArray<Int32>
    /// True when any line of the last order raised any warning.
    public private(set) var hasWarnings = false

    public init(restaurant: Restaurant = .seed, expectations: Expectations = .contract) {
        precondition(OrderWarning.allCases.count <= 8, "warning bits are kept in a byte")
        self.restaurant = restaurant
        self.expectations = expectations
        modes = PaymentModes(restaurant.paymentModes)
        menu = ItemTable(menu: restaurant.menu, limit: restaurant.menu.count + 1)
        warningLines = ContiguousArray(repeating: 0, count: OrderWarning.allCases.count)
    }

    /// Judges one record value. `now` is the consumer's clock (Unix seconds), used only for the
    /// timestamp's upper bound.
    @discardableResult
    public mutating func check(_ record: UnsafeRawBufferPointer, now: Int64) -> Verdict {
        check(record, now: now, judgedBytes: record.count, largest: Expectations.largestRecord)
    }

    /// Convenience for tests and tools.
    @discardableResult
    public mutating func check(_ record: [UInt8], now: Int64) -> Verdict {
        record.withUnsafeBytes { check($0, now: now) }
    }

    /// Judges a gold row (`GoldRowWriter`) as it would judge the order it came from. A gold row
    /// carries the order's own fields under their own names, and the parser skips the other
    /// columns, so every rule is the same except the size: the row was written from a record
    /// that was within `Expectations.largestRecord`, and a row may be longer than its order
    /// (every off-menu dish gets two columns, unsafe characters become `\u` escapes). Rows up
    /// to `GoldRowWriter.largestRow` bytes are read.
    @discardableResult
    public mutating func check(goldRow record: UnsafeRawBufferPointer, now: Int64) -> Verdict {
        let judged = record.count <= GoldRowWriter.largestRow ? min(record.count, Expectations.largestRecord) : record.count
        return check(record, now: now, judgedBytes: judged, largest: GoldRowWriter.largestRow)
    }

    @discardableResult
    public mutating func check(goldRow record: [UInt8], now: Int64) -> Verdict {
        record.withUnsafeBytes { check(goldRow: $0, now: now) }
    }

    @inline(__always)
    private mutating func check(
        _ record: UnsafeRawBufferPointer, now: Int64, judgedBytes: Int, largest: Int
    ) -> Verdict {
        recordCount = record.count
        if hasWarnings {
            for i in warningLines.indices { warningLines[i] = 0 }
            hasWarnings = false
        }
        if record.count <= largest {
            parser.parse(record)
            if parser.order.paymentMode.kind == .string {
                let index = parser.withBytes(of: parser.order.paymentMode.text, in: record) {
                    modes.index(of: $0)
                }
                parser.setPaymentIndex(index)
            }
        } else {
            parser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let context = ExpectationContext(recordBytes: judgedBytes, now: now)
        if let reason = expectations.firstFailure(parser.order, context) {
            verdict = .rejected(reason)
            return verdict
        }
        for index in 0..<parser.order.items.count {
            let slot = parser.withBytes(of: parser.order.items[index].name.text, in: record) {
                menu.find($0) ?? -1
            }
            let line = ItemLine(
                quantity: parser.order.items[index].quantity.integer,
                price: parser.order.items[index].price.integer,
                menuPrice: slot >= 0 ? menu.menuPrice(slot: slot) : nil)
            var bits: UInt8 = 0
            expectations.warnings(for: line) { warning in
                bits |= 1 << UInt8(warning.index)
                warningLines[warning.index] += 1
                hasWarnings = true
            }
            parser.setLine(index, menuIndex: slot, warnings: bits)
        }
        verdict = .checked
        return verdict
    }

    // MARK: - The checked order (valid only when `verdict == .checked`)

    public var orderID: Int64 { parser.order.orderID.integer }
    public var customers: Int64 { parser.order.customers.integer }
    public var amount: Int64 { parser.order.amount.integer }
    /// Event time, Unix seconds.
    public var timestamp: Int64 { parser.order.timestamp.integer }
    /// Index into `restaurant.paymentModes`.
    public var paymentIndex: Int { parser.order.paymentIndex }
    /// Upper-case, as configured (no new string: the restaurant's own).
    public var paymentMode: String { modes.names[paymentIndex] }
    /// The table id, by reference.
    public var tableID: StringRef { parser.order.tableID.text }

    /// The order's item lines (none when the record was rejected).
    public var lineCount: Int { verdict == .checked ? parser.order.items.count : 0 }

    /// Item line `index`, `0..<lineCount`.
    @inline(__always)
    public func line(_ index: Int) -> Line { Line(parser.order.items[index]) }

    /// How many item lines raised `warning` (SEMANTICS.md §3 counts one per line).
    public func lines(raising warning: OrderWarning) -> Int { Int(warningLines[warning.index]) }


    /// The warnings the order raised, each once, in declaration order (allocates; for tools).
    public var warnings: [OrderWarning] { OrderWarning.allCases.filter { lines(raising: $0) > 0 } }

    /// Calls `body` with the bytes of a string of the checked order (`tableID`, a line's `name`).
    public func withBytes<R>(
        of ref: StringRef, in record: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        try parser.withBytes(of: ref, in: record, body)
    }

    /// A string of the checked order, as a Swift string (allocates).
    public func string(_ ref: StringRef, in record: UnsafeRawBufferPointer) -> String {
        parser.string(ref, in: record)
    }

    /// The checked order as an `Order` (allocates: for tools, tests and the recent list).
    public func order(in record: UnsafeRawBufferPointer) -> Order {
        precondition(verdict == .checked, "only a checked order can be materialised")
        return parser.materialize(from: record, paymentModes: modes.names)
    }

    public func order(in record: [UInt8]) -> Order {
        record.withUnsafeBytes { order(in: $0) }
    }
}

extension ParsedItem {
    @inline(__always)
    mutating func setMenu(_ index: Int, warnings: UInt8) {
        menuIndex = index
        warningBits = warnings
    }
}

extension OrderParser {
    @inline(__always)
    mutating func setLine(_ index: Int, menuIndex: Int, warnings: UInt8) {
        order.items[index].setMenu(menuIndex, warnings: warnings)
    }
}
