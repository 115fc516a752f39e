import SafeText

/// Builds compact JSON with correct string escaping (RFC 8259 §7), as UTF-8 bytes: the till
/// writes a million orders a second through it, so plain ASCII strings go in with one copy and
/// integers without a String in between.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = [false]

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    mutating func endArray() {
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// A key; the value that follows does not add a comma of its own.
    mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func integer(_ value: Int64) {
        separate()
        Self.appendInteger(value, to: &bytes)
        needsComma[needsComma.count - 1] = true
    }

    mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendQuoted(_ value: String) {
        var value = value
        value.withUTF8 { Self.appendQuoted(UnsafeRawBufferPointer($0), to: &bytes) }
    }

    /// `value` in decimal, without a String in between.
    @inline(__always)
    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.appendBytes(UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// A string given as UTF-8 (valid, as the parser and `String` guarantee; an invalid
    /// sequence would be written as U+FFFD), quoted and escaped.
    @inline(__always)
    static func appendQuoted(_ utf8: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendContent(utf8, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// What goes between the quotes of a string.
    @inline(__always)
    static func appendContent(_ utf8: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        // Most names are printable ASCII with nothing to escape: one copy.
        var plain = true
        for byte in utf8 where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            bytes.appendBytes(utf8)
        } else {
            appendEscaped(utf8, to: &bytes)
        }
    }

    /// The scalars of `utf8` with JSON's escapes, and every scalar `SafeText` calls unsafe
    /// (controls, C1, bidi marks) as a `\u` escape: the same string to a JSON reader, nothing a
    /// terminal obeys when the output is read on one.
    static func appendEscaped(_ utf8: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        var iterator = utf8.makeIterator()
        var decoder = UTF8()
        while true {
            let scalar: Unicode.Scalar
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): scalar = s
            case .emptyInput: return
            case .error: scalar = "\u{FFFD}"
            }
            switch scalar {
            case "\"": append("\\\"", to: &bytes)
            case "\\": append("\\\\", to: &bytes)
            case "\n": append("\\n", to: &bytes)
            case "\r": append("\\r", to: &bytes)
            case "\t": append("\\t", to: &bytes)
            case "\u{08}": append("\\b", to: &bytes)
            case "\u{0C}": append("\\f", to: &bytes)
            case _ where SafeText.isUnsafe(scalar):
                if scalar.value > 0xFFFF {
                    // (None is today; a surrogate pair keeps the escape valid JSON if one ever is.)
                    let v = scalar.value - 0x10000
                    appendUnicodeEscape(0xD800 + (v >> 10), to: &bytes)
                    appendUnicodeEscape(0xDC00 + (v & 0x3FF), to: &bytes)
                } else {
                    appendUnicodeEscape(scalar.value, to: &bytes)
                }
            default:
                bytes.append(contentsOf: UTF8.encode(scalar)!)
            }
        }
    }

    /// `\uXXXX`, lower-case hex.
    private static func appendUnicodeEscape(_ unit: UInt32, to bytes: inout [UInt8]) {
        append("\\u", to: &bytes)
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = UInt8((unit >> UInt32(shift)) & 0xF)
            bytes.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }

    @inline(__always)
    private static func append(_ ascii: StaticString, to bytes: inout [UInt8]) {
        ascii.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Punctuation and keys known at compile time, as they are (the caller keeps commas right).
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A value after `raw` ("…":): no comma bookkeeping.
    mutating func rawInteger(_ value: Int64) {
        needsComma[needsComma.count - 1] = false
        integer(value)
    }

    mutating func rawString(_ value: String) {
        appendQuoted(value)
    }
}

extension [UInt8] {
    /// Appends `value` in decimal, without a String in between.
    public mutating func appendDecimal(_ value: Int64) {
        JSONWriter.appendInteger(value, to: &self)
    }

    /// Appends raw bytes with one copy (`append(contentsOf:)` of a raw buffer goes byte by byte).
    @inlinable
    public mutating func appendBytes(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress else { return }
        append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: raw.count))
    }
}
