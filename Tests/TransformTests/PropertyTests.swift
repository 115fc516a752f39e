import Foundation
import Testing
@testable import Transform

/// Random streams against a naive re-computation written with plain dictionaries and
/// Foundation's calendar: the totals must agree whatever the arrival order.
@Suite struct PropertyTests {
    struct Expected: Equatable {
        var orders = 0, revenue: Int64 = 0, customers: Int64 = 0
        var items: [String: [Int64]] = [:]
        var modes: [String: [Int64]] = [:]
        var minutes: [String: [Int64]] = [:]
        var duplicates = 0, outsideDay = 0, mismatches = 0, unknownModes = 0
    }

    /// A stream: valid orders, resends of earlier ids with other content, wrong amounts and
    /// unknown payment modes, with event times spread around the day's edges.
    func stream(seed: UInt64, count: Int, window: DayWindow) -> [(order: Order, fault: Int)] {
        var generator = OrderGenerator(seed: seed, firstOrderID: 1_000)
        var random = SplitMix64(seed: seed ^ 0xABCD)
        var records: [(Order, Int)] = []
        let span = window.end - window.start + 4 * 3600
        for _ in 0..<count {
            let t = window.start - 2 * 3600 + Int64(random.next(below: UInt64(span)))
            var order = generator.next(at: t)
            let fault = Int(random.next(below: 10))
            switch fault {
            case 0 where !records.isEmpty:
                order.orderID = records[Int(random.next(below: UInt64(records.count)))].0.orderID
            case 1: order.amount += 1
            case 2: order.paymentMode = "CHEQUE"
            default: break
            }
            records.append((order, fault))
        }
        return records
    }

    func naive(_ records: [(order: Order, fault: Int)], window: DayWindow) -> Expected {
        var e = Expected()
        var seen = Set<Int64>()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = window.zone
        for (order, _) in records {
            if order.amount != order.items.reduce(0, { $0 + $1.quantity * $1.price }) {
                e.mismatches += 1
                continue
            }
            if !["CASH", "CARD", "UPI"].contains(order.paymentMode) {
                e.unknownModes += 1
                continue
            }
            if !seen.insert(order.orderID).inserted {
                e.duplicates += 1
                continue
            }
            let date = Date(timeIntervalSince1970: Double(order.timestamp))
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            guard c.year == window.day.year, c.month == window.day.month, c.day == window.day.day
            else {
                e.outsideDay += 1
                continue
            }
            e.orders += 1
            e.revenue += order.amount
            e.customers += order.customers
            for line in order.items {
                e.items[line.name, default: [0, 0]][0] += line.quantity
                e.items[line.name, default: [0, 0]][1] += line.quantity * line.price
            }
            e.modes[order.paymentMode, default: [0, 0]][0] += 1
            e.modes[order.paymentMode, default: [0, 0]][1] += order.amount
            let label = String(format: "%02d:%02d", c.hour!, c.minute!)
            e.minutes[label, default: [0, 0]][0] += 1
            e.minutes[label, default: [0, 0]][1] += order.amount
        }
        return e
    }

    func actual(_ records: [(order: Order, fault: Int)], window: DayWindow) -> Expected {
        var state = SalesState(window: window)
        for (order, _) in records {
            state.ingest(Array(order.json.utf8), now: window.end + 3600)
        }
        let s = state.snapshot()
        var e = Expected()
        e.orders = Int(s.orders)
        e.revenue = s.revenue
        e.customers = s.customers
        for item in s.items { e.items[item.name] = [item.quantity, item.revenue] }
        for mode in s.paymentModes where mode.orders > 0 { e.modes[mode.mode] = [mode.orders, mode.revenue] }
        for (minute, total) in s.minutes.enumerated() where total.orders > 0 {
            e.minutes[DayWindow.label(minute: minute)] = [total.orders, total.revenue]
        }
        e.duplicates = s.duplicates
        e.outsideDay = s.outsideDay
        e.mismatches = s.rejected[.amountMismatch] ?? 0
        e.unknownModes = s.rejected[.unknownPaymentMode] ?? 0
        return e
    }

    @Test(arguments: [
        ("Asia/Kolkata", "2026-11-20"), ("Europe/London", "2026-03-29"),
        ("Europe/London", "2026-10-25"), ("America/New_York", "2026-11-01"),
    ])
    func randomStreamsAgreeWithANaiveRecomputation(zone: String, day: String) {
        let window = DayWindow(day: LocalDay(day)!, zone: TimeZone(identifier: zone)!)
        for seed in UInt64(1)...5 {
            var records = stream(seed: seed, count: 2_000, window: window)
            let expected = naive(records, window: window)
            #expect(actual(records, window: window) == expected, "seed \(seed)")
            // Any arrival order gives the same totals as the naive run over that order.
            var random = SplitMix64(seed: seed)
            records.shuffle(using: &random)
            #expect(actual(records, window: window) == naive(records, window: window), "seed \(seed) shuffled")
            #expect(expected.orders > 100 && expected.duplicates > 10 && expected.outsideDay > 10)
        }
    }

    @Test func theSplitIntoBatchesDoesNotMatter() {
        // SalesState has no notion of batches; snapshots taken at random points in between
        // must not disturb the totals either.
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: kolkata)
        let records = stream(seed: 9, count: 1_000, window: window)
        var whole = SalesState(window: window)
        var pieces = SalesState(window: window)
        var random = SplitMix64(seed: 3)
        for (order, _) in records {
            whole.ingest(Array(order.json.utf8), now: window.end)
            pieces.ingest(Array(order.json.utf8), now: window.end)
            if random.next(below: 50) == 0 { _ = pieces.snapshot() }
        }
        #expect(whole.snapshot() == pieces.snapshot())
    }
}
