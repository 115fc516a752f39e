import SafeText

/// Builds compact JSON text with correct string escaping (RFC 8259 §7).
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = [false]

    init() {
        text.reserveCapacity(1024)
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject() {
        separate()
        text += "{"
        needsComma.append(false)
    }

    mutating func endObject() {
        needsComma.removeLast()
        text += "}"
    }

    mutating func beginArray() {
        separate()
        text += "["
        needsComma.append(false)
    }

    mutating func endArray() {
        needsComma.removeLast()
        text += "]"
    }

    /// A key; the value that follows does not add a comma of its own.
    mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        text += ":"
        needsComma[needsComma.count - 1] = false
    }

    mutating func integer(_ value: Int64) {
        separate()
        text += String(value)
        needsComma[needsComma.count - 1] = true
    }

    mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendQuoted(_ value: String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case _ where SafeText.isUnsafe(scalar):
                // Controls, C1 and bidi marks as \u escapes: the same string to a JSON reader,
                // nothing a terminal obeys when the output is read on one.
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
