import SafeText
import Testing

/// The one rule for record text on every output: what counts as unsafe, and that everything
/// else (any script, emoji, combining marks, joiners) passes unchanged.
@Suite struct SafeTextTests {
    /// Every unsafe class, scalar by scalar: C0 (tab too), DEL, C1, bidi controls, line and
    /// paragraph separators.
    static let unsafeScalars: [UInt32] = {
        var values = Array(UInt32(0x00)...0x1F)
        values += [0x7F]
        values += Array(UInt32(0x80)...0x9F)
        values += [0x061C, 0x200E, 0x200F]
        values += Array(UInt32(0x202A)...0x202E)
        values += Array(UInt32(0x2066)...0x2069)
        values += [0x2028, 0x2029]
        return values
    }()

    /// Text that must come back exactly as it went in.
    static let safe = [
        "Masala Dosa", "Filter Coffee ×2 @ ₹15; 100% {ok} ~ `x` | \\ \"q\" 'a'",
        "₹5,03,926", "मसाला दोसा", "寿司", "🍛", "Café", "Cafe\u{0301}", "é\u{0300}\u{0323}",
        "👨\u{200D}🍳", "👩\u{200D}👩\u{200D}👧", "🇮🇳", "👍🏽", "a\u{200B}b\u{200C}c\u{200D}d",
        "שלום", "مرحبا", "ç\u{FE0F}", " ", "", "\u{A0}nbsp\u{A0}", "\u{00A1}\u{00FF}\u{061B}\u{061D}",
        "\u{2027}\u{202F}\u{2065}\u{206A}", "\u{FEFF}", "\u{10FFFF}",
    ]

    @Test func everyUnsafeScalarIsUnsafe() {
        for value in Self.unsafeScalars {
            let scalar = Unicode.Scalar(value)!
            #expect(SafeText.isUnsafe(scalar), "U+\(String(value, radix: 16))")
            let text = "a" + String(Character(scalar)) + "b"
            #expect(SafeText.containsUnsafe(text), "U+\(String(value, radix: 16))")
            #expect(SafeText.clean(text) == "a?b", "U+\(String(value, radix: 16))")
            #expect(SafeText.clean(text, replacement: "·") == "a·b")
            #expect(SafeText.escaped(text) == "a\\u{\(String(value, radix: 16, uppercase: true))}b")
        }
    }

    @Test func noOtherScalarBelowU3000IsUnsafe() {
        let listed = Set(Self.unsafeScalars)
        for value in UInt32(0)..<0x3000 {
            guard let scalar = Unicode.Scalar(value), !listed.contains(value) else { continue }
            #expect(!SafeText.isUnsafe(scalar), "U+\(String(value, radix: 16))")
        }
    }

    @Test func safeTextPassesUnchanged() {
        for text in Self.safe {
            #expect(!SafeText.containsUnsafe(text), "\(text)")
            #expect(SafeText.clean(text) == text, "\(text)")
            #expect(SafeText.escaped(text) == text, "\(text)")
            #expect(SafeText.clean(text[...]) == text, "\(text)")  // a Substring too
        }
    }

    @Test func hostileNamesLoseEveryUnsafeScalar() {
        let hostile = [
            "\u{1B}]0;PWNED\u{07}Evil", "\u{1B}[2J\u{1B}[H", "\u{9B}31mred", "back\u{08}\u{08}space",
            "T3\r\nT4", "line\nforged", "tab\there", "abc\u{202E}fed", "\u{2066}x\u{2069}",
            "\u{061C}\u{200E}\u{200F}", "a\u{2028}b\u{2029}c", "del\u{7F}", "nul\u{0}",
            "मसाला\u{1B}[31mदोसा", "🍛\u{202E}🍛",
        ]
        for text in hostile {
            let cleaned = SafeText.clean(text)
            #expect(!cleaned.unicodeScalars.contains { SafeText.isUnsafe($0) }, "\(cleaned.debugDescription)")
            #expect(!SafeText.escaped(text).unicodeScalars.contains { SafeText.isUnsafe($0) })
        }
        // One "?" per replaced character, so text padded by character count stays aligned.
        #expect(SafeText.clean("\u{1B}]0;PWNED\u{07}Evil") == "?]0;PWNED?Evil")
        #expect(SafeText.clean("T3\r\nT4") == "T3?T4")  // CR LF is one character
        #expect(SafeText.clean("मसाला\u{1B}[31mदोसा") == "मसाला?[31mदोसा")
        #expect(SafeText.escaped("a\nb\u{1B}") == "a\\u{A}b\\u{1B}")
    }
}
