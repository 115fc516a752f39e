/// Rupee amounts the way an Indian restaurant writes them: `₹5,03,926` (lakh grouping), or
/// `Rs.5,03,926` with ASCII glyphs, where the terminal cannot show `₹`.
public struct Money: Sendable, Equatable {
    public var ascii = false

    public init(ascii: Bool = false) {
        self.ascii = ascii
    }

    public var symbol: String { ascii ? "Rs." : "₹" }

    /// Whole rupees with Indian digit grouping.
    public func format(_ rupees: Int64) -> String {
        (rupees < 0 ? "-" : "") + symbol + Self.grouped(rupees.magnitude)
    }

    /// Short form for axes and tight spaces: ₹950, ₹1.2k, ₹2.02L, ₹1.5Cr.
    public func compact(_ rupees: Int64) -> String {
        let value = Double(rupees)
        let sign = rupees < 0 ? "-" : ""
        let m = abs(value)
        switch m {
        case ..<1_000: return sign + symbol + String(Int64(m))
        case ..<1_00_000: return sign + symbol + Self.trim(m / 1_000) + "k"
        case ..<1_00_00_000: return sign + symbol + Self.trim(m / 1_00_000) + "L"
        default: return sign + symbol + Self.trim(m / 1_00_00_000) + "Cr"
        }
    }

    /// 1234567 → "12,34,567": the last three digits, then groups of two.
    public static func grouped(_ value: UInt64) -> String {
        let digits = Array(String(value))
        guard digits.count > 3 else { return String(digits) }
        var head = Array(digits[..<(digits.count - 3)])
        var groups: [String] = [String(digits[(digits.count - 3)...])]
        while head.count > 2 {
            groups.insert(String(head[(head.count - 2)...]), at: 0)
            head.removeLast(2)
        }
        if !head.isEmpty { groups.insert(String(head), at: 0) }
        return groups.joined(separator: ",")
    }

    /// Plain counts get the same grouping: 2,005 · 1,20,400.
    public static func count(_ value: Int64) -> String {
        (value < 0 ? "-" : "") + grouped(value.magnitude)
    }

    private static func trim(_ x: Double) -> String {
        let text = x >= 100 ? String(Int(x.rounded())) : x >= 10 ? oneDecimal(x) : twoDecimals(x)
        return text
    }

    private static func oneDecimal(_ x: Double) -> String {
        let tenths = Int((x * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }

    private static func twoDecimals(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        let whole = hundredths / 100
        let frac = hundredths % 100
        if frac == 0 { return String(whole) }
        if frac % 10 == 0 { return "\(whole).\(frac / 10)" }
        return "\(whole).\(frac < 10 ? "0" : "")\(frac)"
    }
}
