/// What a JSON value turned out to be, as far as the order schema cares.
public enum ValueKind: UInt8, Sendable {
    case absent
    case null
    /// An integer that fits in Int64 (`-0` is 0).
    case integer
    /// An integer beyond Int64, either way (an out-of-range integer, not malformed JSON).
    case bigInteger
    /// A number with a fraction or exponent (`2.0`, `1e3`): not an integer.
    case fraction
    case string
    case boolean
    case array
    case object
}

/// Where a string's bytes are: in the record (no escapes) or in the parser's scratch buffer.
public struct StringRef: Sendable, Equatable {
    var start: Int32 = 0
    var count: Int32 = 0
    /// Unicode scalars after unescaping (SEMANTICS.md counts lengths this way).
    public internal(set) var scalars: Int32 = 0
    var decoded = false
}

/// One known field of an order or an item.
public struct Field: Sendable {
    public internal(set) var kind: ValueKind = .absent
    /// The value when `kind == .integer`; the sign of the overflow when `.bigInteger` (−1 or 1).
    public internal(set) var integer: Int64 = 0
    /// The text when `kind == .string`.
    public internal(set) var text = StringRef()

    mutating func reset() {
        kind = .absent
        integer = 0
    }
}

/// One element of `items`.
public struct ParsedItem: Sendable {
    /// `.object` for a proper item; anything else is the wrong type.
    public internal(set) var kind: ValueKind = .object
    public internal(set) var name = Field()
    public internal(set) var quantity = Field()
    public internal(set) var price = Field()
    /// Index into the menu, or -1 off the menu; filled in by the caller that knows the menu.
    public internal(set) var menuIndex = -1
    /// Bit `warning.index` set for every warning the line raised; filled in with `menuIndex`.
    var warningBits: UInt8 = 0

    /// Name 1…64 scalars, quantity 1…1000, price 0…1,000,000 (SEMANTICS.md §1).
    public var isValid: Bool {
        kind == .object
            && name.kind == .string && name.text.scalars >= 1 && name.text.scalars <= 64
            && quantity.kind == .integer && quantity.integer >= 1 && quantity.integer <= 1000
            && price.kind == .integer && price.integer >= 0 && price.integer <= 1_000_000
    }
}

/// The facts one pass of the parser found in a record; the expectations judge them.
/// Reused from record to record, so parsing allocates nothing once warmed up.
public struct ParsedOrder: Sendable {
    /// Valid UTF-8 JSON, an object, no known field twice (SEMANTICS.md §2 `malformed_json`).
    public internal(set) var wellFormed = false
    public internal(set) var orderID = Field()
    public internal(set) var tableID = Field()
    public internal(set) var customers = Field()
    public internal(set) var paymentMode = Field()
    public internal(set) var amount = Field()
    public internal(set) var timestamp = Field()
    /// `items` itself: `.array` when it is one.
    public internal(set) var itemsField = Field()
    /// Elements of `items` (all of them, even past the limit, so lengths are exact).
    public internal(set) var itemCount = 0
    /// The first `ParsedOrder.maxItems + 1` elements.
    public internal(set) var items: ContiguousArray<ParsedItem> = []
    /// Every element is a valid item (true for an empty array).
    public internal(set) var itemsValid = true
    /// Σ quantity × price over the items, when `itemsValid`.
    public internal(set) var lineTotal: Int64 = 0
    /// Index into the allowed payment modes, or -1; filled in by the caller that knows them.
    public var paymentIndex = -1

    public static let maxItems = 100

    mutating func reset() {
        wellFormed = false
        orderID.reset()
        tableID.reset()
        customers.reset()
        paymentMode.reset()
        amount.reset()
        timestamp.reset()
        itemsField.reset()
        itemCount = 0
        items.removeAll(keepingCapacity: true)
        itemsValid = true
        lineTotal = 0
        paymentIndex = -1
    }
}
