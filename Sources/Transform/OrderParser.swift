/// A strict RFC 8259 parser for one order record, written over raw bytes.
///
/// One pass validates the whole document (UTF-8, escapes, number grammar, structure) and records
/// the known fields; unknown fields, however deeply nested, are validated and skipped. Strings
/// without escapes are referenced in place; escaped ones are decoded into a scratch buffer that
/// is reused, so a warmed-up parser allocates nothing per record.
///
/// Choices where RFC 8259 leaves room (written down in the README's SEMANTICS notes):
/// a byte-order mark and nesting deeper than 10,000 levels are malformed; a lone surrogate
/// escape (`\ud800`) is one character; `-0` is the integer 0.
public struct OrderParser: Sendable {
    public internal(set) var order = ParsedOrder()
    private var scratch: [UInt8] = []
    private var containers: [UInt8] = []

    /// Deepest nesting accepted inside unknown fields.
    public static let maxDepth = 10_000

    public init() {
        scratch.reserveCapacity(512)
        containers.reserveCapacity(64)
        order.items.reserveCapacity(16)
    }

    /// Parses one record; the facts are in `order` until the next call.
    /// Returns `order.wellFormed`.
    @discardableResult
    public mutating func parse(_ record: UnsafeRawBufferPointer) -> Bool {
        order.reset()
        scratch.removeAll(keepingCapacity: true)
        guard let start = record.baseAddress, record.count > 0 else { return false }
        var c = Cursor(base: start.assumingMemoryBound(to: UInt8.self), end: record.count)
        do {
            c.skipWhitespace()
            guard c.current == UInt8(ascii: "{") else { throw Malformed() }
            try parseOrder(&c)
            c.skipWhitespace()
            guard c.pos == c.end else { throw Malformed() }
            order.wellFormed = true
        } catch {
            order.wellFormed = false
        }
        return order.wellFormed
    }

    /// Calls `body` with the bytes of a string field of the last parsed record.
    public func withBytes<R>(
        of ref: StringRef, in record: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        if ref.decoded {
            return try scratch.withUnsafeBytes {
                try body(UnsafeRawBufferPointer(rebasing: $0[Int(ref.start)..<Int(ref.start + ref.count)]))
            }
        }
        return try body(
            UnsafeRawBufferPointer(rebasing: record[Int(ref.start)..<Int(ref.start + ref.count)]))
    }

    /// A string field of the last parsed record as a Swift string.
    public func string(_ ref: StringRef, in record: UnsafeRawBufferPointer) -> String {
        withBytes(of: ref, in: record) { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: - Objects of the schema

    private enum Key: UInt8 {
        case unknown = 0, orderID, tableID, customers, paymentMode, items, amount, timestamp
        case name, quantity, price
    }

    private mutating func parseOrder(_ c: inout Cursor) throws(Malformed) {
        var unused = ParsedItem()
        try parseObject(&c, isItem: false, item: &unused)
    }

    /// The members of the order object, or (`isItem`) of one element of `items`: known keys
    /// are recorded (once each), unknown ones validated and skipped.
    private mutating func parseObject(
        _ c: inout Cursor, isItem: Bool, item: inout ParsedItem
    ) throws(Malformed) {
        c.pos += 1
        c.skipWhitespace()
        if c.current == UInt8(ascii: "}") {
            c.pos += 1
            return
        }
        var seen: UInt16 = 0
        repeat {
            let key = try parseKey(&c, item: isItem)
            if key != .unknown {
                let bit = UInt16(1) << key.rawValue
                if seen & bit != 0 { throw Malformed() }
                seen |= bit
            }
            switch key {
            case .orderID: order.orderID = try parseValue(&c, decode: false)
            case .tableID: order.tableID = try parseValue(&c, decode: true)
            case .customers: order.customers = try parseValue(&c, decode: false)
            case .paymentMode: order.paymentMode = try parseValue(&c, decode: true)
            case .amount: order.amount = try parseValue(&c, decode: false)
            case .timestamp: order.timestamp = try parseValue(&c, decode: false)
            case .items:
                if c.current == UInt8(ascii: "[") {
                    try parseItems(&c)
                } else {
                    order.itemsField = try parseValue(&c, decode: false)
                }
            case .name: item.name = try parseValue(&c, decode: true)
            case .quantity: item.quantity = try parseValue(&c, decode: false)
            case .price: item.price = try parseValue(&c, decode: false)
            case .unknown: _ = try parseValue(&c, decode: false)
            }
        } while try c.nextMember(closing: UInt8(ascii: "}"))
    }

    private mutating func parseItems(_ c: inout Cursor) throws(Malformed) {
        order.itemsField.kind = .array
        c.pos += 1
        c.skipWhitespace()
        if c.current == UInt8(ascii: "]") {
            c.pos += 1
            return
        }
        repeat {
            var item = ParsedItem()
            if c.current == UInt8(ascii: "{") {
                try parseObject(&c, isItem: true, item: &item)
            } else {
                item.kind = try parseValue(&c, decode: false).kind
            }
            order.itemCount += 1
            if item.isValid {
                order.lineTotal &+= item.quantity.integer &* item.price.integer
            } else {
                order.itemsValid = false
            }
            if order.items.count <= ParsedOrder.maxItems { order.items.append(item) }
        } while try c.nextMember(closing: UInt8(ascii: "]"))
        if order.itemCount > ParsedOrder.maxItems { order.itemsValid = false }
    }

    /// Reads `"key" :` and says which known key it is (after unescaping).
    @inline(__always)
    private mutating func parseKey(_ c: inout Cursor, item: Bool) throws(Malformed) -> Key {
        guard c.current == UInt8(ascii: "\"") else { throw Malformed() }
        // Fast path: a known key spelt plainly, directly followed by its closing quote.
        if let (key, length) = Self.plainKey(c, item: item) {
            c.pos += length + 2
            c.skipWhitespace()
            guard c.current == UInt8(ascii: ":") else { throw Malformed() }
            c.pos += 1
            c.skipWhitespace()
            return key
        }
        let mark = scratch.count
        let ref = try parseString(&c, decode: true)
        let key: Key
        if ref.decoded {
            key = scratch.withUnsafeBufferPointer {
                Self.identify(UnsafeBufferPointer(rebasing: $0[Int(ref.start)..<Int(ref.start + ref.count)]), item: item)
            }
            scratch.removeSubrange(mark...)
        } else {
            key = Self.identify(UnsafeBufferPointer(start: c.base + Int(ref.start), count: Int(ref.count)), item: item)
        }
        c.skipWhitespace()
        guard c.current == UInt8(ascii: ":") else { throw Malformed() }
        c.pos += 1
        c.skipWhitespace()
        return key
    }

    @inline(__always)
    private static func plainKey(_ c: Cursor, item: Bool) -> (Key, Int)? {
        let start = c.pos + 1
        guard start < c.end else { return nil }
        @inline(__always) func match(_ text: StaticString, _ key: Key) -> (Key, Int)? {
            let n = text.utf8CodeUnitCount
            guard start + n < c.end, c.base[start + n] == UInt8(ascii: "\""),
                bytesEqual(c.base + start, text.utf8Start, n)
            else { return nil }
            return (key, n)
        }
        switch (item, c.base[start]) {
        case (false, UInt8(ascii: "o")): return match("order_id", .orderID)
        case (false, UInt8(ascii: "t")): return match("table_id", .tableID) ?? match("timestamp", .timestamp)
        case (false, UInt8(ascii: "c")): return match("customer_per_order", .customers)
        case (false, UInt8(ascii: "p")): return match("payment_mode", .paymentMode)
        case (false, UInt8(ascii: "i")): return match("items", .items)
        case (false, UInt8(ascii: "a")): return match("amount", .amount)
        case (true, UInt8(ascii: "n")): return match("name", .name)
        case (true, UInt8(ascii: "q")): return match("quantity", .quantity)
        case (true, UInt8(ascii: "p")): return match("price", .price)
        default: return nil
        }
    }

    private static let orderKeys: [(StaticString, Key)] = [
        ("order_id", .orderID), ("table_id", .tableID), ("customer_per_order", .customers),
        ("payment_mode", .paymentMode), ("items", .items), ("amount", .amount),
        ("timestamp", .timestamp),
    ]
    private static let itemKeys: [(StaticString, Key)] = [
        ("name", .name), ("quantity", .quantity), ("price", .price),
    ]

    @inline(__always)
    private static func identify(_ bytes: UnsafeBufferPointer<UInt8>, item: Bool) -> Key {
        for (text, key) in item ? itemKeys : orderKeys where text.utf8CodeUnitCount == bytes.count {
            if bytesEqual(text.utf8Start, bytes.baseAddress!, bytes.count) { return key }
        }
        return .unknown
    }

    // MARK: - Values

    /// Parses any JSON value and says what it was; strings are decoded only when asked.
    @inline(__always)
    private mutating func parseValue(_ c: inout Cursor, decode: Bool) throws(Malformed) -> Field {
        var field = Field()
        switch c.current {
        case UInt8(ascii: "\""):
            field.kind = .string
            field.text = try parseString(&c, decode: decode)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try c.parseNumber(into: &field)
        case UInt8(ascii: "t"):
            try c.expectLiteral("true")
            field.kind = .boolean
        case UInt8(ascii: "f"):
            try c.expectLiteral("false")
            field.kind = .boolean
        case UInt8(ascii: "n"):
            try c.expectLiteral("null")
            field.kind = .null
        case UInt8(ascii: "{"):
            try skipContainer(&c)
            field.kind = .object
        case UInt8(ascii: "["):
            try skipContainer(&c)
            field.kind = .array
        default:
            throw Malformed()
        }
        return field
    }

    /// Validates a whole object or array without recursion (depth is bounded by `maxDepth`).
    private mutating func skipContainer(_ c: inout Cursor) throws(Malformed) {
        containers.removeAll(keepingCapacity: true)
        var ignored = Field()
        while true {
            // Expecting a value.
            switch c.current {
            case UInt8(ascii: "{"):
                c.pos += 1
                c.skipWhitespace()
                if c.current == UInt8(ascii: "}") {
                    c.pos += 1
                } else {
                    containers.append(1)
                    if containers.count > Self.maxDepth { throw Malformed() }
                    try skipKey(&c)
                    continue
                }
            case UInt8(ascii: "["):
                c.pos += 1
                c.skipWhitespace()
                if c.current == UInt8(ascii: "]") {
                    c.pos += 1
                } else {
                    containers.append(0)
                    if containers.count > Self.maxDepth { throw Malformed() }
                    continue
                }
            case UInt8(ascii: "\""):
                _ = try parseString(&c, decode: false)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try c.parseNumber(into: &ignored)
            case UInt8(ascii: "t"): try c.expectLiteral("true")
            case UInt8(ascii: "f"): try c.expectLiteral("false")
            case UInt8(ascii: "n"): try c.expectLiteral("null")
            default: throw Malformed()
            }
            // After a value: close containers or move to the next element.
            while true {
                guard let top = containers.last else { return }
                c.skipWhitespace()
                let b = c.current
                if b == UInt8(ascii: ",") {
                    c.pos += 1
                    c.skipWhitespace()
                    if top == 1 { try skipKey(&c) }
                    break
                } else if (b == UInt8(ascii: "}") && top == 1) || (b == UInt8(ascii: "]") && top == 0) {
                    c.pos += 1
                    containers.removeLast()
                } else {
                    throw Malformed()
                }
            }
        }
    }

    private mutating func skipKey(_ c: inout Cursor) throws(Malformed) {
        guard c.current == UInt8(ascii: "\"") else { throw Malformed() }
        _ = try parseString(&c, decode: false)
        c.skipWhitespace()
        guard c.current == UInt8(ascii: ":") else { throw Malformed() }
        c.pos += 1
        c.skipWhitespace()
    }

    // MARK: - Strings

    /// Reads a string at `"`. Without escapes the result points into the record; with escapes
    /// and `decode`, the unescaped UTF-8 goes to `scratch`.
    @inline(__always)
    private mutating func parseString(_ c: inout Cursor, decode: Bool) throws(Malformed) -> StringRef {
        c.pos += 1
        let start = c.pos
        var scalars: Int32 = 0
        while c.pos < c.end {
            let b = c.base[c.pos]
            if b == UInt8(ascii: "\"") {
                let ref = StringRef(
                    start: Int32(start), count: Int32(c.pos - start), scalars: scalars, decoded: false)
                c.pos += 1
                return ref
            }
            if b == UInt8(ascii: "\\") {
                return try parseEscapedString(&c, start: start, scalars: scalars, decode: decode)
            }
            if b < 0x20 { throw Malformed() }
            if b < 0x80 {
                c.pos += 1
            } else {
                c.pos = try c.utf8Sequence(at: c.pos)
            }
            scalars += 1
        }
        throw Malformed()
    }

    private mutating func parseEscapedString(
        _ c: inout Cursor, start: Int, scalars: Int32, decode: Bool
    ) throws(Malformed) -> StringRef {
        var scalars = scalars
        let out = scratch.count
        if decode { scratch.append(contentsOf: UnsafeBufferPointer(start: c.base + start, count: c.pos - start)) }
        while c.pos < c.end {
            let b = c.base[c.pos]
            if b == UInt8(ascii: "\"") {
                c.pos += 1
                return StringRef(
                    start: Int32(out), count: Int32(scratch.count - out), scalars: scalars,
                    decoded: decode)
            }
            if b == UInt8(ascii: "\\") {
                let scalar = try c.escape()
                if decode { Self.appendUTF8(scalar, to: &scratch) }
            } else if b < 0x20 {
                throw Malformed()
            } else if b < 0x80 {
                if decode { scratch.append(b) }
                c.pos += 1
            } else {
                let next = try c.utf8Sequence(at: c.pos)
                if decode { scratch.append(contentsOf: UnsafeBufferPointer(start: c.base + c.pos, count: next - c.pos)) }
                c.pos = next
            }
            scalars += 1
        }
        throw Malformed()
    }

    private static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        switch v {
        case 0..<0x80:
            out.append(UInt8(v))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (v >> 6)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (v >> 12)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (v >> 18)))
            out.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (v & 0x3F)))
        }
    }
}

@inline(__always)
func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}

/// Raised inside the parser for anything that is not valid JSON; never escapes it.
struct Malformed: Error {}

/// A read position over one record's bytes. Reading past the end yields 0, which no JSON
/// production accepts, so bounds are checked once per token rather than per byte.
struct Cursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos = 0

    init(base: UnsafePointer<UInt8>, end: Int) {
        self.base = base
        self.end = end
    }

    @inline(__always)
    var current: UInt8 { pos < end ? base[pos] : 0 }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let b = base[pos]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            pos += 1
        }
    }

    /// After a member or element: true at `,` (moved to the next one), false at `closing`
    /// (moved past it); anything else is malformed.
    @inline(__always)
    mutating func nextMember(closing: UInt8) throws(Malformed) -> Bool {
        skipWhitespace()
        let b = current
        pos += 1
        if b == UInt8(ascii: ",") {
            skipWhitespace()
            return true
        }
        if b == closing { return false }
        throw Malformed()
    }

    mutating func expectLiteral(_ text: StaticString) throws(Malformed) {
        let n = text.utf8CodeUnitCount
        guard end - pos >= n, bytesEqual(base + pos, text.utf8Start, n) else { throw Malformed() }
        pos += n
    }

    /// JSON number grammar; integers are exact up to Int64, beyond that `.bigInteger`.
    @inline(__always)
    mutating func parseNumber(into field: inout Field) throws(Malformed) {
        var negative = false
        if current == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        var b = current
        guard b >= 0x30 && b <= 0x39 else { throw Malformed() }
        var magnitude: UInt64 = 0
        var overflow = false
        if b == 0x30 {
            pos += 1
        } else {
            while pos < end {
                b = base[pos]
                guard b >= 0x30 && b <= 0x39 else { break }
                if !overflow {
                    let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(b - 0x30))
                    if o1 || o2 { overflow = true } else { magnitude = sum }
                }
                pos += 1
            }
        }
        var fraction = false
        if current == UInt8(ascii: ".") {
            pos += 1
            guard current >= 0x30 && current <= 0x39 else { throw Malformed() }
            while current >= 0x30 && current <= 0x39 { pos += 1 }
            fraction = true
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            pos += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { pos += 1 }
            guard current >= 0x30 && current <= 0x39 else { throw Malformed() }
            while current >= 0x30 && current <= 0x39 { pos += 1 }
            fraction = true
        }
        if fraction {
            field.kind = .fraction
        } else if negative {
            if !overflow && magnitude <= UInt64(1) << 63 {
                field.kind = .integer
                field.integer = Int64(bitPattern: 0 &- magnitude)
            } else {
                field.kind = .bigInteger
                field.integer = -1
            }
        } else if !overflow && magnitude <= UInt64(Int64.max) {
            field.kind = .integer
            field.integer = Int64(magnitude)
        } else {
            field.kind = .bigInteger
            field.integer = 1
        }
    }

    /// Validates the UTF-8 sequence starting at `i` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and returns the index after it.
    @inline(__always)
    func utf8Sequence(at i: Int) throws(Malformed) -> Int {
        let b0 = base[i]
        @inline(__always) func byte(_ k: Int) -> UInt8 { i + k < end ? base[i + k] : 0 }
        @inline(__always) func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF:
            guard isContinuation(byte(1)) else { throw Malformed() }
            return i + 2
        case 0xE0:
            guard (0xA0...0xBF).contains(byte(1)), isContinuation(byte(2)) else { throw Malformed() }
            return i + 3
        case 0xE1...0xEC, 0xEE...0xEF:
            guard isContinuation(byte(1)), isContinuation(byte(2)) else { throw Malformed() }
            return i + 3
        case 0xED:
            guard (0x80...0x9F).contains(byte(1)), isContinuation(byte(2)) else { throw Malformed() }
            return i + 3
        case 0xF0:
            guard (0x90...0xBF).contains(byte(1)), isContinuation(byte(2)), isContinuation(byte(3))
            else { throw Malformed() }
            return i + 4
        case 0xF1...0xF3:
            guard isContinuation(byte(1)), isContinuation(byte(2)), isContinuation(byte(3))
            else { throw Malformed() }
            return i + 4
        case 0xF4:
            guard (0x80...0x8F).contains(byte(1)), isContinuation(byte(2)), isContinuation(byte(3))
            else { throw Malformed() }
            return i + 4
        default:
            throw Malformed()
        }
    }

    /// What a lone surrogate escape (`"\ud800"`) decodes to. RFC 8259's grammar allows it and
    /// common parsers (Python's, JavaScript's, Go's) accept it as one character; it is not a
    /// Unicode scalar, so a Swift string shows it as U+FFFD.
    static let loneSurrogate: UInt32 = 0xFFFD

    /// Reads one escape at `\` and returns the Unicode scalar it stands for. Surrogate pairs
    /// combine; a lone surrogate counts as one character (see `loneSurrogate`).
    mutating func escape() throws(Malformed) -> UInt32 {
        pos += 1
        let e = current
        pos += 1
        switch e {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            let unit = try hex4()
            switch unit {
            case 0xD800...0xDBFF:
                // A pair when a low surrogate escape follows; otherwise a lone surrogate.
                if current == UInt8(ascii: "\\"), pos + 1 < end, base[pos + 1] == UInt8(ascii: "u") {
                    let mark = pos
                    pos += 2
                    let low = try hex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    pos = mark  // the next escape stands on its own
                }
                return Self.loneSurrogate
            case 0xDC00...0xDFFF:
                return Self.loneSurrogate
            default:
                return unit
            }
        default:
            throw Malformed()
        }
    }

    private mutating func hex4() throws(Malformed) -> UInt32 {
        guard end - pos >= 4 else { throw Malformed() }
        var value: UInt32 = 0
        for k in 0..<4 {
            let b = base[pos + k]
            let digit: UInt8
            switch b {
            case 0x30...0x39: digit = b - 0x30
            case 0x41...0x46: digit = b - 0x41 + 10
            case 0x61...0x66: digit = b - 0x61 + 10
            default: throw Malformed()
            }
            value = value << 4 | UInt32(digit)
        }
        pos += 4
        return value
    }
}
