import Foundation
import Testing
@testable import Transform

@Suite struct SalesStateTests {
    let now = referenceTime + 3600

    @Test func aReferenceOrderIsCountedEverywhere() {
        var state = kolkataState()
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .accepted)
        let s = state.snapshot()
        #expect(s.day.description == "2025-11-25")
        #expect(s.orders == 1 && s.revenue == 155 && s.customers == 2)
        #expect(s.items.map(\.name) == ["Masala Dosa", "Coffee"])
        #expect(s.items[0].quantity == 2 && s.items[0].revenue == 140)
        #expect(s.paymentModes.first { $0.mode == "UPI" }?.orders == 1)
        #expect(s.paymentModes.first { $0.mode == "UPI" }?.share == 100)
        #expect(s.minutes[14 * 60].orders == 1 && s.minutes[14 * 60].revenue == 155)
        #expect(s.recent.first?.tableID == "T3")
        #expect(s.recent.first?.items.count == 2)
    }

    @Test func duplicatesAreIgnoredWhateverTheirContent() {
        var state = kolkataState()
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .accepted)
        let other = order(customers: "9", paymentMode: #""CASH""#)
        #expect(state.ingest(Array(other.utf8), now: now) == .duplicate)
        let s = state.snapshot()
        #expect(s.orders == 1 && s.customers == 2 && s.duplicates == 1)
        #expect(s.paymentModes.first { $0.mode == "CASH" }?.orders == 0)
    }

    @Test func rejectedRecordsDoNotReserveTheirID() {
        var state = kolkataState()
        #expect(state.ingest(Array(order(amount: "1").utf8), now: now) == .rejected(.amountMismatch))
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .accepted)
        #expect(state.snapshot().duplicates == 0)
    }

    @Test func anOrderOutsideTheDayStillReservesItsID() {
        var state = kolkataState()
        let yesterday = order(timestamp: String(referenceTime - 86_400))
        #expect(state.ingest(Array(yesterday.utf8), now: now) == .outsideDay)
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .duplicate)
        let s = state.snapshot()
        #expect(s.outsideDay == 1 && s.duplicates == 1 && s.orders == 0)
    }

    @Test func warningsAreCountedPerItemLineAndTheOrderKept() {
        var state = kolkataState()
        let items = #"[{"name": "Tea", "quantity": 2, "price": 12}, {"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Idli", "quantity": 1, "price": 40}]"#
        #expect(state.ingest(Array(order(items: items, amount: "124").utf8), now: now) == .accepted)
        let s = state.snapshot()
        #expect(s.warnings[.unknownItem] == 2)
        #expect(s.warnings[.priceMismatch] == 1)
        #expect(s.revenue == 124)
        let coffee = s.items.first { $0.name == "Filter Coffee" }
        #expect(coffee?.quantity == 2 && coffee?.revenue == 60 && coffee?.onMenu == false)
        #expect(s.items.first { $0.name == "Tea" }?.revenue == 24)
    }

    @Test func rejectedRecordsCountOnlyUnderTheirReason() {
        var state = kolkataState()
        state.ingest(Array(order(paymentMode: #""BTC""#).utf8), now: now)
        state.ingest(Array("{".utf8), now: now)
        let s = state.snapshot()
        #expect(s.rejected[.unknownPaymentMode] == 1 && s.rejected[.malformedJSON] == 1)
        #expect(s.orders == 0 && s.duplicates == 0 && s.outsideDay == 0 && s.items.isEmpty)
        #expect(s.records == 2)
    }

    @Test func paymentModesAreReportedUpperCase() {
        var state = kolkataState()
        state.ingest(Array(order(paymentMode: #""cAsH""#).utf8), now: now)
        #expect(state.snapshot().paymentModes.first { $0.mode == "CASH" }?.orders == 1)
        #expect(state.snapshot().recent.first?.paymentMode == "CASH")
    }

    @Test func lateOrdersAreCountedAndStillAggregated() {
        var state = kolkataState()
        let t = referenceTime  // 14:00:00; its minute closes at 14:01:00, plus 60 s of grace
        state.ingest(Array(order(orderID: "1", timestamp: String(t)).utf8), now: now, arrival: t + 5)
        state.ingest(Array(order(orderID: "2", timestamp: String(t)).utf8), now: now, arrival: t + 119)
        state.ingest(Array(order(orderID: "3", timestamp: String(t)).utf8), now: now, arrival: t + 120)
        state.ingest(Array(order(orderID: "4", timestamp: String(t)).utf8), now: now, arrival: t + 7200)
        state.ingest(Array(order(orderID: "5", timestamp: String(t)).utf8), now: now)
        let s = state.snapshot()
        #expect(s.late == 2)
        #expect(s.orders == 5)
        #expect(s.minutes[14 * 60].orders == 5)
    }

    @Test func recentOrdersAreNewestFirstAndBounded() {
        var limits = SalesState.Limits()
        limits.recentOrders = 3
        var state = kolkataState(limits: limits)
        for (id, offset) in [(1, 50), (2, 10), (3, 40), (4, 30), (5, 20)] {
            state.ingest(Array(order(orderID: String(id), timestamp: String(referenceTime + Int64(offset))).utf8), now: now)
        }
        #expect(state.snapshot().recent.map(\.orderID) == [1, 3, 4])
    }

    /// `--json` keeps no recent orders (it prints none); the totals are the same.
    @Test func noRecentOrdersKeptWhenTheLimitIsZero() {
        var limits = SalesState.Limits()
        limits.recentOrders = 0
        var state = kolkataState(limits: limits)
        for (id, offset) in [(1, 50), (2, 10), (3, 40)] {
            state.ingest(Array(order(orderID: String(id), timestamp: String(referenceTime + Int64(offset))).utf8), now: now)
        }
        #expect(state.snapshot().recent.isEmpty)
        #expect(state.snapshot().orders == 3)
    }

    @Test func aNewDayResetsTotalsButRemembersYesterdaysIDs() {
        var state = kolkataState()
        state.ingest(Array(referenceOrder.utf8), now: now)
        let tomorrow = DayWindow.containing(referenceTime + 86_400, zone: kolkata)
        state.roll(to: tomorrow)
        #expect(state.snapshot().orders == 0)
        #expect(state.snapshot().day.description == "2025-11-26")
        let again = order(timestamp: String(referenceTime + 86_400))
        #expect(state.ingest(Array(again.utf8), now: now + 86_400) == .duplicate)
    }

    @Test func theJSONSnapshotHasEveryReasonAndOnlyNonEmptyEntries() throws {
        var state = kolkataState()
        state.ingest(Array(referenceOrder.utf8), now: now)
        let json = state.snapshot().json
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["day"] as? String == "2025-11-25")
        #expect(object["tz"] as? String == "Asia/Kolkata")
        #expect(object["revenue"] as? Int == 155)
        let rejected = try #require(object["rejected"] as? [String: Int])
        #expect(Set(rejected.keys) == Set(RejectionReason.allCases.map(\.rawValue)))
        let warnings = try #require(object["warnings"] as? [String: Int])
        #expect(Set(warnings.keys) == ["unknown_item", "price_mismatch"])
        let items = try #require(object["items"] as? [String: [String: Int]])
        #expect(items == ["Masala Dosa": ["quantity": 2, "revenue": 140], "Coffee": ["quantity": 1, "revenue": 15]])
        #expect(object["payment_modes"] as? [String: [String: Int]] == ["UPI": ["orders": 1, "revenue": 155]])
        #expect(object["minutes"] as? [String: [String: Int]] == ["14:00": ["orders": 1, "revenue": 155]])
        #expect(object["duplicates"] as? Int == 0 && object["outside_day"] as? Int == 0)
    }

    @Test func anEmptyDayIsAllZeros() throws {
        let json = kolkataState().snapshot().json
        #expect(json.contains(#""items":{}"#) && json.contains(#""minutes":{}"#))
        #expect(json.contains(#""payment_modes":{}"#) && json.contains(#""orders":0"#))
    }

    @Test func dishNamesAreEscapedInJSON() throws {
        var state = kolkataState()
        let items = #"[{"name": "Dosa \"Special\"\n\\ \u0001", "quantity": 1, "price": 10}]"#
        state.ingest(Array(order(items: items, amount: "10").utf8), now: now)
        let object = try JSONSerialization.jsonObject(with: Data(state.snapshot().json.utf8)) as? [String: Any]
        let names = (object?["items"] as? [String: Any])?.keys.map { $0 }
        #expect(names == ["Dosa \"Special\"\n\\ \u{01}"])
    }

    @Test func dishNamesAreBoundedAndTheRestSummed() {
        var limits = SalesState.Limits()
        limits.dishNames = 12  // the 10 menu dishes and 2 more
        var state = kolkataState(limits: limits)
        for id in 1...5 {
            let items = #"[{"name": "Special \#(id)", "quantity": 1, "price": 100}]"#
            state.ingest(Array(order(orderID: String(id), items: items, amount: "100").utf8), now: now)
        }
        let s = state.snapshot()
        #expect(s.orders == 5 && s.revenue == 500)
        #expect(s.items.map(\.name).sorted() == ["(other dishes)", "Special 1", "Special 2"])
        #expect(s.items.first { $0.name == "(other dishes)" }?.quantity == 3)
        #expect(s.warnings[.unknownItem] == 5)
    }

    @Test func theDedupeSetIsBounded() {
        var limits = SalesState.Limits()
        limits.orderIDs = 100
        var state = kolkataState(limits: limits)
        for id in 1...150 {
            state.ingest(Array(order(orderID: String(id)).utf8), now: now)
        }
        let s = state.snapshot()
        #expect(s.orders == 150)
        #expect(s.untrackedIDs == 50)
    }

    /// What keeps a wall screen flat for weeks: at each new day, ids accepted before yesterday
    /// are forgotten (an order resent two days later counts again; `Bench memory` shows the
    /// resident memory staying flat over ten days of a million orders each).
    @Test func idsOlderThanYesterdayAreForgottenWhenTheDayRolls() {
        var state = kolkataState()
        state.ingest(Array(referenceOrder.utf8), now: now)
        for days in 1...2 {
            state.roll(to: DayWindow.containing(referenceTime + Int64(days) * 86_400, zone: kolkata))
        }
        let again = order(timestamp: String(referenceTime + 2 * 86_400))
        #expect(state.ingest(Array(again.utf8), now: now + 2 * 86_400) == .accepted)
    }

    @Test func aResetForgetsTheDayAndItsIDs() {
        var state = kolkataState()
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .accepted)
        #expect(state.ingest(Array("{bad".utf8), now: now) == .rejected(.malformedJSON))
        state.reset()
        let empty = state.snapshot()
        #expect(empty.orders == 0 && empty.revenue == 0 && empty.rejectedTotal == 0)
        #expect(empty.day.description == "2025-11-25")
        // Read again from a replaced cluster, the same order counts once more, not as a duplicate.
        #expect(state.ingest(Array(referenceOrder.utf8), now: now) == .accepted)
        #expect(state.snapshot().orders == 1 && state.snapshot().duplicates == 0)
    }

    @Test func theJSONSnapshotCarriesNoTerminalControlsYetTheSameNames() throws {
        var state = kolkataState()
        // JSON escapes in the record: ESC, BEL, CSI (C1), RLO and LRI.
        let hostile = #"Evil\u001b]0;PWNED\u0007\u009b31m\u202eDosa\u2066"#
        let record = order(
            items: #"[{"name": "\#(hostile)", "quantity": 1, "price": 155}]"#)
        #expect(state.ingest(Array(record.utf8), now: now) == .accepted)
        let json = state.snapshot().json
        #expect(!json.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E || $0.value == 0x2066 })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let items = try #require(object["items"] as? [String: Any])
        #expect(items.keys.contains("Evil\u{1B}]0;PWNED\u{07}\u{9B}31m\u{202E}Dosa\u{2066}"))
    }
}
