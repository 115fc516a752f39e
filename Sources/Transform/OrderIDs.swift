/// Order ids a till can hand out without asking anyone: unique across restarts, processes and
/// tills, readable by a person, and exact in every JSON reader (≤ 2^53 − 1).
///
///     order_id = S × 1,000,000 + T × 10,000 + Q        e.g. 1795_000_000_07_0042
///
/// S is the Unix second the id was issued in, T the till (0…99), Q a sequence within that
/// second (0…9999). A till that issues more than 10,000 ids in one second borrows the next
/// second (S runs ahead of the clock until the rate drops), and a clock that steps back is
/// ignored the same way: S never goes below the last id's second, so ids only grow.
/// A restart resumes after the last id the till journaled (`resuming`), so it never repeats
/// one even within the same second; two processes on a machine never share a till number
/// (`TillLock`), and tills on different machines are told apart by `--till`.
/// S × 10^6 stays below 2^53 until the year 2255.
public struct OrderIDs: Sendable, Equatable {
    public static let tills = 0...99
    public static let perSecond: Int64 = 10_000
    static let secondScale: Int64 = 1_000_000
    static let tillScale: Int64 = 10_000
    public static let maximum: Int64 = (Int64(1) << 53) - 1

    public let till: Int
    /// The last id issued (or journaled before a restart), if any.
    public private(set) var last: Int64?

    /// `till` must be within `tills`; `resuming` is the last id this till issued before.
    /// An id that is not this scheme's for this till (beyond 2^53 − 1, another till's) is not
    /// resumed from: it could only push the ids out of range.
    public init(till: Int, resuming last: Int64? = nil) {
        precondition(Self.tills.contains(till), "till numbers are 0…99")
        self.till = till
        if let last, last > 0, last <= Self.maximum, Self.parts(of: last).till == till {
            self.last = last
        } else {
            self.last = nil
        }
    }

    /// The next id at `now` (Unix seconds).
    public mutating func next(now: Int64) -> Int64 {
        var second = max(0, now)
        var sequence: Int64 = 0
        if let last {
            let lastSecond = last / Self.secondScale
            let lastSequence = last % Self.tillScale
            if lastSecond >= second {
                // Same second (or a clock behind the last id): continue after it.
                second = lastSecond
                sequence = lastSequence + 1
                if sequence >= Self.perSecond {
                    second += 1
                    sequence = 0
                }
            }
        }
        let id = second * Self.secondScale + Int64(till) * Self.tillScale + sequence
        last = id
        return id
    }

    /// The parts of an id made by this scheme: (second, till, sequence).
    public static func parts(of id: Int64) -> (second: Int64, till: Int, sequence: Int64) {
        (id / secondScale, Int((id % secondScale) / tillScale), id % tillScale)
    }

    /// The till number a host name suggests: its trailing digits ("till-7" → 7, "pos12" → 12),
    /// modulo 100; 0 when it has none.
    public static func till(fromHostName name: String) -> Int {
        let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let value = Int(String(digits.reversed().suffix(6))) else { return 0 }
        return value % 100
    }
}
