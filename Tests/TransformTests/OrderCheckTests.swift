import Foundation
import Testing
@testable import Transform

@Suite struct OrderCheckTests {
    let now = referenceTime + 3600

    @Test func aValidOrderIsCheckedWithItsFacts() {
        var check = OrderCheck()
        let record = Array(referenceOrder.utf8)
        #expect(check.check(record, now: now) == .checked)
        #expect(check.verdict == .checked)
        #expect(check.orderID == 482913 && check.timestamp == referenceTime)
        #expect(check.amount == 155 && check.customers == 2)
        #expect(check.paymentIndex == 2 && check.paymentMode == "UPI")
        #expect(check.lineCount == 2)
        #expect(!check.hasWarnings && check.warnings.isEmpty)
        record.withUnsafeBytes { bytes in
            #expect(check.string(check.tableID, in: bytes) == "T3")
            #expect(check.string(check.line(0).name, in: bytes) == "Masala Dosa")
            #expect(check.string(check.line(1).name, in: bytes) == "Coffee")
        }
        #expect(check.line(0).quantity == 2 && check.line(0).price == 70 && check.line(0).menuIndex == 0)
        #expect(check.line(1).menuIndex == 7 && check.line(1).menuPrice(in: .seed) == 15)
        let order = check.order(in: record)
        #expect(
            order
                == Order(
                    orderID: 482913, tableID: "T3", customers: 2, paymentMode: "UPI",
                    items: [
                        .init(name: "Masala Dosa", quantity: 2, price: 70),
                        .init(name: "Coffee", quantity: 1, price: 15),
                    ],
                    amount: 155, timestamp: referenceTime))
    }

    @Test(arguments: corpus)
    func theVerdictIsTheCorpusReason(_ c: Case) {
        var check = OrderCheck()
        let verdict = check.check(c.record, now: now)
        #expect(verdict == (c.expected.map(OrderCheck.Verdict.rejected) ?? .checked), "\(c.name)")
        if c.expected != nil { #expect(check.lineCount == 0, "\(c.name)") }
    }

    @Test func oneCheckIsReusedAcrossRecords() {
        // Facts of one record never leak into the next verdict.
        var check = OrderCheck()
        var reference = OrderCheck()
        for c in corpus + corpus.reversed() {
            #expect(check.check(c.record, now: now) == reference.check(c.record, now: now), "\(c.name)")
            reference = OrderCheck()
        }
    }

    @Test func warningsAreSurfacedPerLine() {
        var check = OrderCheck()
        let items = #"[{"name": "Tea", "quantity": 2, "price": 12}, {"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Idli", "quantity": 1, "price": 40}]"#
        #expect(check.check(Array(order(items: items, amount: "124").utf8), now: now) == .checked)
        #expect(check.hasWarnings)
        #expect(check.warnings == [.unknownItem, .priceMismatch])
        #expect(check.lines(raising: .unknownItem) == 2 && check.lines(raising: .priceMismatch) == 1)
        #expect(check.line(0).raises(.priceMismatch) && !check.line(0).raises(.unknownItem))
        #expect(check.line(1).raises(.unknownItem) && check.line(1).menuIndex == -1)
        #expect(check.line(1).menuPrice(in: .seed) == nil)
        #expect(!check.line(3).raises(.unknownItem) && !check.line(3).raises(.priceMismatch))
        // The next record starts clean.
        #expect(check.check(Array(referenceOrder.utf8), now: now) == .checked)
        #expect(!check.hasWarnings && check.lines(raising: .unknownItem) == 0)
    }

    @Test func paymentModesAreFoldedOnceAndReportedUpperCase() {
        var check = OrderCheck()
        #expect(check.check(Array(order(paymentMode: #""cAsH""#).utf8), now: now) == .checked)
        #expect(check.paymentMode == "CASH" && check.paymentIndex == 0)
        let custom = Restaurant(menu: Restaurant.seed.menu, paymentModes: ["wallet", "upi"], tables: ["T1"])
        var other = OrderCheck(restaurant: custom)
        #expect(other.check(Array(order(paymentMode: #""Wallet""#).utf8), now: now) == .checked)
        #expect(other.paymentMode == "WALLET")
        #expect(other.check(Array(order(paymentMode: #""CASH""#).utf8), now: now) == .rejected(.unknownPaymentMode))
    }

    @Test func addCountsARejectionVerdictAndKeepsTheRecord() {
        var check = OrderCheck()
        var state = kolkataState()
        let record = Array(order(amount: "1").utf8)
        check.check(record, now: now)
        let origin = RecordOrigin(partition: 3, offset: 42)
        #expect(state.add(check, record: record, now: now, origin: origin) == .rejected(.amountMismatch))
        let s = state.snapshot()
        #expect(s.rejected[.amountMismatch] == 1 && s.records == 1 && s.orders == 0)
        #expect(s.quality.rejects.first?.origin == origin && s.quality.rejects.first?.bytes == record)
    }

    @Test func addGoesThroughDedupeAndTheDay() {
        var check = OrderCheck()
        var state = kolkataState()
        let record = Array(referenceOrder.utf8)
        check.check(record, now: now)
        #expect(state.add(check, record: record, now: now) == .accepted)
        #expect(state.add(check, record: record, now: now) == .duplicate)
        let tomorrow = Array(order(orderID: "7", timestamp: String(referenceTime + 86_400)).utf8)
        check.check(tomorrow, now: now)
        #expect(state.add(check, record: tomorrow, now: now) == .outsideDay)
    }

    /// A mixed stream: random valid orders with resends, wrong amounts and unknown modes
    /// (PropertyTests' stream), the generator's faults (truncations, off-menu dishes), and the
    /// whole corpus; some records arrive late.
    func mixedStream(seed: UInt64, window: DayWindow) -> [[UInt8]] {
        var records = PropertyTests().stream(seed: seed, count: 1_500, window: window).map { Array($0.order.json.utf8) }
        var generator = OrderGenerator(seed: seed, firstOrderID: 900_000)
        var random = SplitMix64(seed: seed ^ 0x5EED)
        for _ in 0..<500 {
            let t = window.start + Int64(random.next(below: UInt64(window.end - window.start)))
            records.append(generator.nextRecord(at: t, faultRate: 0.3))
        }
        records += corpus.map(\.record)
        records.shuffle(using: &random)
        return records
    }

    @Test(arguments: [("Asia/Kolkata", "2025-11-25"), ("Europe/London", "2026-03-29")])
    func checkThenAddEqualsIngest(zone: String, day: String) {
        let window = DayWindow(day: LocalDay(day)!, zone: TimeZone(identifier: zone)!)
        for seed in UInt64(1)...3 {
            let records = mixedStream(seed: seed, window: window)
            var ingested = SalesState(window: window)
            var added = SalesState(window: window)
            var check = OrderCheck()
            let now = window.end + 3600
            var outcomes = (0, 0)
            for (i, record) in records.enumerated() {
                let arrival = i % 7 == 0 ? now : nil
                let origin = RecordOrigin(partition: Int32(i % 4), offset: Int64(i))
                let a = ingested.ingest(record, now: now, arrival: arrival, origin: origin)
                check.check(record, now: now)
                let b = added.add(check, record: record, now: now, arrival: arrival, origin: origin)
                #expect(a == b, "seed \(seed) record \(i)")
                if a == .accepted { outcomes.0 += 1 } else { outcomes.1 += 1 }
            }
            #expect(ingested.snapshot() == added.snapshot(), "seed \(seed)")
            #expect(ingested.snapshot().json == added.snapshot().json)
            #expect(outcomes.0 > 500 && outcomes.1 > 300)
        }
    }
}

/// The fuzzer's committed seed corpus (Tests/Fuzz/seeds) is meant to start it at every rule:
/// each seed named after a reason is judged with that reason, the valid ones are valid.
@Suite struct FuzzSeedTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/seeds")

    @Test func everySeedIsJudgedAsItsNameSays() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).sorted()
        #expect(names.count >= 15)
        var reasons = Set<RejectionReason>()
        for name in names {
            let bytes = Array(try Data(contentsOf: Self.folder.appendingPathComponent(name)))
            var check = OrderCheck()
            let verdict = check.check(bytes, now: 1_764_100_000)
            let stem = String(name.prefix { $0 != "." })
            if let reason = RejectionReason(rawValue: stem) {
                #expect(verdict == .rejected(reason), "\(name)")
                reasons.insert(reason)
            }
            switch stem {
            case "reference", "escapes", "ansi_escaped", "many_items":  // many: the 100 allowed
                #expect(verdict == .checked, "\(name)")
            case "warnings":
                #expect(verdict == .checked && check.warnings == [.unknownItem, .priceMismatch], "\(name)")
            case "control_bytes_raw", "duplicate_keys", "trailing_commas", "not_an_object", "bad_utf8", "byte_order_mark":
                #expect(verdict == .rejected(.malformedJSON), "\(name)")
            case "too_many_items":  // 101 lines: one more than SEMANTICS.md allows
                #expect(verdict == .rejected(.invalidField), "\(name)")
            default:
                break
            }
        }
        // Every reason has a seed of its own, except malformed JSON, which has several above.
        #expect(reasons.union([.malformedJSON]) == Set(RejectionReason.allCases))
    }
}
