import Foundation
import Testing
import Transform
import Kafka

/// Weeks on a wall: ten million distinct orders over ten days go through the dashboard's core
/// (check, dedupe, aggregate; the day rolled at each midnight and freed memory given back, as the
/// live view does), and the process's resident memory stays flat from the second day on — what
/// the state keeps is bounded by a day or two, not by the stream. (Run on its own, with the
/// heavy suites: the measure is this process's memory.)
@Suite(.timeLimit(.minutes(6))) struct LongStreamTests {
    @Test func tenMillionOrdersOverTenDaysKeepMemoryFlat() throws {
        let zone = TimeZone(identifier: "Asia/Kolkata")!
        let first = DayWindow.containing(1_764_000_000, zone: zone)
        var window = first
        var state = SalesState(window: window)
        var generator = OrderGenerator(seed: 12, firstOrderID: 1)
        let total = 10_000_000, days = 10
        let perDay = total / days
        let step = 86_400 / perDay + 1
        var record: [UInt8] = []
        record.reserveCapacity(512)
        var resident: [Int] = []
        for n in 0..<total {
            let t = first.start + Int64(n / perDay) * 86_400 + Int64((n % perDay) * step % 86_400)
            if t >= window.end {
                window = DayWindow.containing(t, zone: zone)
                state.roll(to: window)
                Memory.giveBack()
            }
            record.removeAll(keepingCapacity: true)
            _ = generator.appendRecord(at: t, faultRate: 0, id: nil, to: &record)
            _ = state.ingest(record, now: t + 60)
            if (n + 1) % perDay == 0 { resident.append(try #require(Self.residentKilobytes())) }
        }
        #expect(state.snapshot().orders == perDay)
        #expect(state.snapshot().duplicates == 0)
        // From the end of the second day, when yesterday's ids are remembered too.
        let settled = Array(resident.dropFirst(1))
        #expect(settled.count == days - 1)
        let growth = (settled.max() ?? 0) - (settled.min() ?? 0)
        // Flat: after the second day, within a few MB (allocator noise), whatever the stream adds.
        #expect(growth < 8 * 1024, "RSS by day (MB): \(resident.map { $0 / 1024 })")
    }

    static func residentKilobytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])
    }
}
