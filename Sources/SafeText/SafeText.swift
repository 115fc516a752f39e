/// The one rule for text that came from a record (dish names, table ids, payment modes) before
/// it reaches a screen, a report or a log: scalars that a terminal obeys instead of showing
/// (cursor moves, colour and title escapes, line breaks) or that reorder what it shows (bidi
/// controls) are replaced, everything else passes unchanged.
///
/// A leaf module so that `Terminal`, `Kafka` and `Dashboard` share the rule without depending on
/// each other.
public enum SafeText {
    /// True for the scalars a record must never put on an output:
    /// - C0 controls U+0000–U+001F (tab too: it moves the cursor), DEL U+007F and C1 controls
    ///   U+0080–U+009F (U+009B is CSI, an escape sequence in one scalar on many terminals);
    /// - bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, which reorder the
    ///   text around them ("Trojan Source");
    /// - the line and paragraph separators U+2028, U+2029, which some viewers break lines on.
    @inlinable
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v <= 0x9F) { return true }
        if v < 0x061C { return false }  // the common case: ASCII and Latin-1 letters
        switch v {
        case 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069:
            return true
        default:
            return false
        }
    }

    /// True when any scalar of the grapheme is unsafe.
    @inlinable
    public static func isUnsafe(_ character: Character) -> Bool {
        // Single-byte ASCII graphemes (most of every dish name) need one comparison.
        if let ascii = character.asciiValue { return ascii < 0x20 || ascii == 0x7F }
        return character.unicodeScalars.contains { isUnsafe($0) }
    }

    /// True when `text` holds any unsafe scalar.
    @inlinable
    public static func containsUnsafe(_ text: some StringProtocol) -> Bool {
        // Every unsafe scalar starts with a byte below 0x20, 0x7F, or a lead byte of a
        // multi-byte scalar; plain printable ASCII is decided byte by byte without decoding.
        for byte in text.utf8 where byte < 0x20 || byte >= 0x7F {
            if byte < 0x20 || byte == 0x7F { return true }
            return text.unicodeScalars.contains { isUnsafe($0) }
        }
        return false
    }

    /// `text` with every grapheme that holds an unsafe scalar replaced by `replacement`: one
    /// replacement per replaced character, so character counts (and the columns of a layout
    /// padded by them) stay as they were. Text with nothing unsafe comes back unchanged.
    public static func clean(_ text: some StringProtocol, replacement: Character = "?") -> String {
        guard containsUnsafe(text) else { return String(text) }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            out.append(isUnsafe(character) ? replacement : character)
        }
        return out
    }

    /// `text` with every unsafe scalar written as a visible Swift-style escape (`\u{1B}`), for
    /// logs: one line per entry, yet the operator still sees what the record carried.
    public static func escaped(_ text: some StringProtocol) -> String {
        guard containsUnsafe(text) else { return String(text) }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
