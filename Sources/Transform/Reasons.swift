/// Why a record was rejected. The names are fixed by the data contract (SEMANTICS.md §2) and
/// appear verbatim in `--json`, on screen and in tests. Declared in the order the checks run.
public enum RejectionReason: String, CaseIterable, Sendable, Hashable, Comparable {
    case tooLarge = "too_large"
    case malformedJSON = "malformed_json"
    case missingOrderID = "missing_order_id"
    case invalidField = "invalid_field"
    case emptyItems = "empty_items"
    case unknownPaymentMode = "unknown_payment_mode"
    case invalidTimestamp = "invalid_timestamp"
    case amountMismatch = "amount_mismatch"

    public var index: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Self, b: Self) -> Bool { a.index < b.index }
}

/// A data-quality remark on a kept order (one per item line that raises it).
public enum OrderWarning: String, CaseIterable, Sendable, Hashable {
    /// The item is not on the menu; it is shown under its own name.
    case unknownItem = "unknown_item"
    /// The item's price differs from the menu; the order's own price counts.
    case priceMismatch = "price_mismatch"

    public var index: Int { Self.allCases.firstIndex(of: self)! }
}
