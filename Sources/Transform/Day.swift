import Foundation  // TimeZone: the IANA rules are data Foundation already carries.

/// A calendar date, without a zone.
public struct LocalDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else or a date that does not exist.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
        guard LocalDay(daysSinceEpoch: daysSinceEpoch) == self else { return nil }
    }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), month: Int(m), day: Int(d))
    }

    public var next: LocalDay { LocalDay(daysSinceEpoch: daysSinceEpoch + 1) }
    public var previous: LocalDay { LocalDay(daysSinceEpoch: daysSinceEpoch - 1) }

    public var description: String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (a: LocalDay, b: LocalDay) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
}

func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// One calendar day in one IANA zone, with the zone's UTC offsets around it precomputed, so that
/// "is this instant in the day?" and "which local minute?" cost a few comparisons per order.
///
/// An instant belongs to the day when its local date (wall clock in the zone) is the day. That
/// holds for 23- and 25-hour days, for zones whose midnight is skipped, and for zones that fall
/// back across midnight (a day need not be one contiguous UTC range).
public struct DayWindow: Sendable, Equatable {
    public let day: LocalDay
    public let zone: TimeZone
    /// The zone as the user named it (Foundation reports `UTC` as `GMT`).
    public let zoneName: String
    /// First instant of the day (UTC seconds) and first instant after it, for display.
    public let start: Int64
    public let end: Int64
    /// Offsets in force from `from` on, covering the day with two days of margin either side.
    private let segments: [Segment]
    private let dayNumber: Int64

    struct Segment: Sendable, Equatable {
        var from: Int64
        var offset: Int64
    }

    public init(day: LocalDay, zone: TimeZone, zoneName: String? = nil) {
        self.day = day
        self.zone = zone
        self.zoneName = zoneName ?? zone.identifier
        dayNumber = day.daysSinceEpoch
        let midnight = dayNumber * 86_400
        let segments = Self.offsets(zone, from: midnight - 3 * 86_400, to: midnight + 4 * 86_400)
        self.segments = segments
        start = Self.firstInstant(localDay: dayNumber, segments)
        end = Self.firstInstant(localDay: dayNumber + 1, segments)
    }

    /// The day that contains `instant` in `zone`.
    public static func containing(_ instant: Int64, zone: TimeZone, zoneName: String? = nil) -> DayWindow {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
        let days = floorDiv(instant + offset, 86_400)
        return DayWindow(day: LocalDay(daysSinceEpoch: days), zone: zone, zoneName: zoneName)
    }

    /// The same zone, the next day that has `instant` in it (for rolling over at midnight).
    public func containing(_ instant: Int64) -> DayWindow {
        DayWindow.containing(instant, zone: zone, zoneName: zoneName)
    }

    @inline(__always)
    func offset(at instant: Int64) -> Int64 {
        var offset = segments[0].offset
        for s in segments {
            if s.from > instant { break }
            offset = s.offset
        }
        return offset
    }

    /// Seconds since the day's local midnight on the wall clock, or nil outside the day.
    @inline(__always)
    public func wallSeconds(_ instant: Int64) -> Int64? {
        // Offsets never exceed ±26 h, so anything further away is outside without a lookup.
        let midnight = dayNumber * 86_400
        guard instant > midnight - 2 * 86_400, instant < midnight + 3 * 86_400 else { return nil }
        let wall = instant + offset(at: instant) - midnight
        return wall >= 0 && wall < 86_400 ? wall : nil
    }

    @inline(__always)
    public func contains(_ instant: Int64) -> Bool { wallSeconds(instant) != nil }

    /// Local minute of the day, 0…1439 (`hh * 60 + mm`), or nil outside the day. In a
    /// fall-back hour both passes of `01:30` share one minute, as the wall clock does.
    @inline(__always)
    public func minuteOfDay(_ instant: Int64) -> Int? {
        wallSeconds(instant).map { Int($0 / 60) }
    }

    /// `YYYY-MM-DD HH:MM:SS` in the zone (the gold row's `timestamp_standard`).
    public func standardTimestamp(_ instant: Int64) -> String {
        let wall = localSeconds(instant)
        let date = LocalDay(daysSinceEpoch: floorDiv(wall, 86_400))
        let s = wall - floorDiv(wall, 86_400) * 86_400
        return "\(date) \(pad(Int(s / 3600), 2)):\(pad(Int(s / 60 % 60), 2)):\(pad(Int(s % 60), 2))"
    }

    /// True when the precomputed offsets answer for `instant` (two days either side of the day).
    @inline(__always)
    func covers(_ instant: Int64) -> Bool {
        instant > dayNumber * 86_400 - 2 * 86_400 && instant < dayNumber * 86_400 + 3 * 86_400
    }

    /// The wall clock in the zone at `instant`, as seconds since 1970-01-01 00:00 local time:
    /// from the precomputed offsets near the day, from the zone's rules further away.
    @inline(__always)
    func localSeconds(_ instant: Int64) -> Int64 {
        if covers(instant) { return instant + offset(at: instant) }
        return instant + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
    }

    /// `HH:MM` for a minute of the day.
    public static func label(minute: Int) -> String {
        "\(pad(minute / 60, 2)):\(pad(minute % 60, 2))"
    }

    /// Offsets from `lower` to `upper`, found by sampling every 15 minutes and bisecting to the
    /// exact second of each change (robust for every kind of transition, DST or not).
    private static func offsets(_ zone: TimeZone, from lower: Int64, to upper: Int64) -> [Segment] {
        func offset(_ t: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))))
        }
        var segments = [Segment(from: lower, offset: offset(lower))]
        var t = lower
        let step: Int64 = 900
        while t < upper {
            let next = t + step
            let o = offset(next)
            if o != segments[segments.count - 1].offset {
                var lo = t
                var hi = next
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if offset(mid) == o { hi = mid } else { lo = mid }
                }
                segments.append(Segment(from: hi, offset: o))
            }
            t = next
        }
        return segments
    }

    private static func firstInstant(localDay: Int64, _ segments: [Segment]) -> Int64 {
        let midnight = localDay * 86_400
        // The earliest instant whose wall clock reads `localDay` or later.
        var best = Int64.max
        for (i, s) in segments.enumerated() {
            let segmentEnd = i + 1 < segments.count ? segments[i + 1].from : Int64.max
            let candidate = max(s.from, midnight - s.offset)
            if candidate < segmentEnd { best = min(best, candidate) }
        }
        return best
    }
}

@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
