import Foundation
import Testing
@testable import Transform

@Suite struct DayTests {
    /// Unix seconds of a local wall-clock time, computed with Foundation's calendar (an
    /// independent path from DayWindow's own offset table).
    func instant(_ text: String, _ zone: TimeZone) -> Int64 {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return Int64(formatter.date(from: text)!.timeIntervalSince1970)
    }

    @Test(arguments: ["Asia/Kolkata", "Europe/London", "America/New_York", "Asia/Kathmandu", "UTC"])
    func midnightBelongsToTheNextDay(zoneName: String) {
        let zone = TimeZone(identifier: zoneName)!
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: zone)
        #expect(window.contains(instant("2026-11-20 00:00:00", zone)))
        #expect(window.contains(instant("2026-11-20 23:59:59", zone)))
        #expect(!window.contains(instant("2026-11-21 00:00:00", zone)))
        #expect(!window.contains(instant("2026-11-19 23:59:59", zone)))
        #expect(window.minuteOfDay(instant("2026-11-20 23:59:59", zone)) == 1439)
        #expect(window.start == instant("2026-11-20 00:00:00", zone))
        #expect(window.end == instant("2026-11-21 00:00:00", zone))
    }

    @Test func springForwardDayHas23Hours() {
        let window = DayWindow(day: LocalDay("2026-03-29")!, zone: london)
        #expect(window.end - window.start == 23 * 3600)
        // 00:59:59 GMT is followed by 02:00:00 BST.
        let before = instant("2026-03-29 00:59:59", london)
        #expect(window.minuteOfDay(before) == 59)
        #expect(window.minuteOfDay(before + 1) == 120)
    }

    @Test func fallBackDayHas25HoursAndSharesTheRepeatedMinutes() {
        let window = DayWindow(day: LocalDay("2026-10-25")!, zone: london)
        #expect(window.end - window.start == 25 * 3600)
        let firstPass = instant("2026-10-25 00:30:00", london) + 3600  // 01:30 BST
        let secondPass = firstPass + 3600  // 01:30 GMT
        #expect(window.minuteOfDay(firstPass) == 90)
        #expect(window.minuteOfDay(secondPass) == 90)
        #expect(window.standardTimestamp(secondPass) == "2026-10-25 01:30:00")
    }

    @Test func kolkataHasNoDSTAndAHalfHourOffset() {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: kolkata)
        #expect(window.end - window.start == 86_400)
        #expect(window.start == 1_795_113_000)  // 2026-11-19T18:30:00Z
    }

    @Test func aZoneThatFallsBackAcrossMidnight() {
        // Asia/Beirut leaves summer time at 00:00 → 23:00 the evening before (2022-10-30).
        let beirut = TimeZone(identifier: "Asia/Beirut")!
        let sunday = DayWindow(day: LocalDay("2022-10-30")!, zone: beirut)
        let saturday = DayWindow(day: LocalDay("2022-10-29")!, zone: beirut)
        // 2022-10-29T21:00:00Z: summer midnight, which the clocks turn into 23:00 Saturday again.
        let midnightSummer: Int64 = 1_667_077_200
        for t in [midnightSummer, midnightSummer + 1800] {
            let day = DayWindow.containing(t, zone: beirut).day
            #expect(day.description == "2022-10-29")
            #expect(saturday.contains(t) && !sunday.contains(t))
        }
        #expect(sunday.contains(midnightSummer + 3600))
    }

    @Test func daysParseAndRoundTrip() {
        #expect(LocalDay("2024-02-29")?.description == "2024-02-29")
        #expect(LocalDay("2023-02-29") == nil)
        #expect(LocalDay("2024-2-29") == nil)
        #expect(LocalDay("today") == nil)
        let day = LocalDay("1999-12-31")!
        #expect(LocalDay(daysSinceEpoch: day.daysSinceEpoch) == day)
        #expect(day.next.description == "2000-01-01")
    }
}
