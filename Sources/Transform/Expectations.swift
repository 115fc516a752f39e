/// What an expectation may look at besides the parsed order.
public struct ExpectationContext: Sendable {
    /// Length of the record value in bytes.
    public var recordBytes: Int
    /// The consumer's clock, Unix seconds (passed in: the core reads no clock).
    public var now: Int64

    public init(recordBytes: Int, now: Int64) {
        self.recordBytes = recordBytes
        self.now = now
    }
}

/// One item line as the warnings see it, with its menu price when the dish is on the menu.
public struct ItemLine: Sendable {
    public var quantity: Int64
    public var price: Int64
    public var menuPrice: Int64?
}

/// A named data-quality rule, in the manner of Delta Live Tables' `expect_or_drop` / `expect`:
/// a *drop* rule rejects the record under its name, a *warn* rule keeps it and counts the name.
public struct Expectation: Sendable {
    public enum Action: Sendable, Equatable {
        /// Reject the record (SEMANTICS.md §2, first table).
        case drop(RejectionReason)
        /// Keep the order, count the remark per item line (SEMANTICS.md §2, second table).
        case warn(OrderWarning)
    }

    enum Check: Sendable {
        case order(@Sendable (borrowing ParsedOrder, ExpectationContext) -> Bool)
        case itemLine(@Sendable (ItemLine) -> Bool)
    }

    public let action: Action
    let check: Check

    public var name: String {
        switch action {
        case let .drop(reason): return reason.rawValue
        case let .warn(warning): return warning.rawValue
        }
    }

    public static func drop(
        _ reason: RejectionReason,
        _ holds: @escaping @Sendable (borrowing ParsedOrder, ExpectationContext) -> Bool
    ) -> Expectation {
        Expectation(action: .drop(reason), check: .order(holds))
    }

    public static func warn(
        _ warning: OrderWarning, _ holds: @escaping @Sendable (ItemLine) -> Bool
    ) -> Expectation {
        Expectation(action: .warn(warning), check: .itemLine(holds))
    }
}

/// The contract's rules (SEMANTICS.md §1–2), in the order they are checked. The first drop rule
/// that does not hold names the rejection.
public struct Expectations: Sendable {
    private let orderRules: [(RejectionReason, @Sendable (borrowing ParsedOrder, ExpectationContext) -> Bool)]
    private let lineRules: [(OrderWarning, @Sendable (ItemLine) -> Bool)]

    public init(_ rules: [Expectation]) {
        var orderRules: [(RejectionReason, @Sendable (borrowing ParsedOrder, ExpectationContext) -> Bool)] = []
        var lineRules: [(OrderWarning, @Sendable (ItemLine) -> Bool)] = []
        for rule in rules {
            switch (rule.action, rule.check) {
            case let (.drop(reason), .order(holds)): orderRules.append((reason, holds))
            case let (.warn(warning), .itemLine(holds)): lineRules.append((warning, holds))
            default: preconditionFailure("expectation \(rule.name) mixes a drop with an item check")
            }
        }
        self.orderRules = orderRules
        self.lineRules = lineRules
    }

    /// The first rule the record breaks, or nil when it is a valid order.
    @inline(__always)
    public func firstFailure(_ order: borrowing ParsedOrder, _ context: ExpectationContext)
        -> RejectionReason?
    {
        for (reason, holds) in orderRules where !holds(order, context) { return reason }
        return nil
    }

    /// Calls `body` for every warning the item line raises.
    @inline(__always)
    func warnings(for line: ItemLine, _ body: (OrderWarning) -> Void) {
        for (warning, holds) in lineRules where !holds(line) { body(warning) }
    }

    public static let largestRecord = 65_536
    /// 2000-01-01T00:00:00Z.
    public static let earliestTimestamp: Int64 = 946_684_800
    public static let largestOrderID: Int64 = (1 << 53) - 1

    public static let contract = Expectations([
        .drop(.tooLarge) { _, context in context.recordBytes <= largestRecord },
        .drop(.malformedJSON) { order, _ in order.wellFormed },
        .drop(.missingOrderID) { order, _ in
            order.orderID.kind != .absent && order.orderID.kind != .null
        },
        .drop(.invalidField) { order, _ in order.fieldsValid },
        .drop(.emptyItems) { order, _ in order.itemCount > 0 },
        .drop(.unknownPaymentMode) { order, _ in order.paymentIndex >= 0 },
        .drop(.invalidTimestamp) { order, context in
            order.timestamp.kind == .integer
                && order.timestamp.integer >= earliestTimestamp
                && order.timestamp.integer <= context.now + 86_400
        },
        .drop(.amountMismatch) { order, _ in
            order.amount.kind == .integer && order.amount.integer == order.lineTotal
        },
        .warn(.unknownItem) { line in line.menuPrice != nil },
        .warn(.priceMismatch) { line in line.menuPrice == nil || line.menuPrice == line.price },
    ])
}

extension ParsedOrder {
    /// Every known field present with the right type and in range, except what the later,
    /// more specific rules judge: an empty `items` array, the payment mode's value, the
    /// timestamp's range and the amount's value (SEMANTICS.md §2 `invalid_field`).
    public var fieldsValid: Bool {
        orderID.kind == .integer && orderID.integer >= 1
            && orderID.integer <= Expectations.largestOrderID
            && tableID.kind == .string && tableID.text.scalars >= 1 && tableID.text.scalars <= 32
            && customers.kind == .integer && customers.integer >= 1 && customers.integer <= 100
            && paymentMode.kind == .string
            && itemsField.kind == .array && itemsValid
            && (amount.kind == .integer || amount.kind == .bigInteger)
            && (timestamp.kind == .integer || timestamp.kind == .bigInteger)
    }
}
