import Foundation
import Testing
import Transform

@Suite struct OrderIDsTests {
    /// 1M ids from four tills, each restarted five times within the same second (the clock
    /// does not move at all): every id distinct, every one exact in a JSON reader.
    @Test func aMillionIDsFromSeveralTillsAndRestartsAreDistinct() {
        var seen = Set<Int64>(minimumCapacity: 1_000_000)
        var outOfRange = 0
        let now: Int64 = 1_795_000_000
        for till in [0, 7, 42, 99] {
            var journaled: Int64? = nil
            for _ in 0..<5 {
                var ids = OrderIDs(till: till, resuming: journaled)
                for _ in 0..<50_000 {
                    let id = ids.next(now: now)
                    if id > OrderIDs.maximum || id <= 0 { outOfRange += 1 }
                    seen.insert(id)
                }
                journaled = ids.last
            }
        }
        #expect(seen.count == 1_000_000)
        #expect(outOfRange == 0)
    }

    @Test func theIDSaysWhenAndWhichTill() {
        var ids = OrderIDs(till: 7)
        let first = ids.next(now: 1_795_000_000)
        #expect(first == 1_795_000_000_07_0000)
        #expect(ids.next(now: 1_795_000_000) == 1_795_000_000_07_0001)
        #expect(ids.next(now: 1_795_000_003) == 1_795_000_003_07_0000)
        let parts = OrderIDs.parts(of: first)
        #expect(parts.second == 1_795_000_000 && parts.till == 7 && parts.sequence == 0)
    }

    /// More than 10,000 in a second borrow the next second; a clock that steps back never makes
    /// an id smaller than the last.
    @Test func idsOnlyGrowWhateverTheClockDoes() {
        var ids = OrderIDs(till: 3)
        var previous: Int64 = 0
        let clock: [Int64] = Array(repeating: 1_800_000_000, count: 25_000) + [1_799_999_000, 1_800_000_001, 0]
        for now in clock {
            let id = ids.next(now: now)
            #expect(id > previous)
            #expect(OrderIDs.parts(of: id).till == 3)
            previous = id
        }
        #expect(OrderIDs.parts(of: previous).second == 1_800_000_002)
    }

    /// An id journaled from elsewhere (`producer send` of any record, another till's) is not
    /// resumed from.
    @Test func aForeignLastIDIsNotResumed() {
        for foreign: Int64 in [100_000_000_000_000_000, OrderIDs.maximum, 1_795_000_000_08_0005, 9] {
            var ids = OrderIDs(till: 7, resuming: foreign)
            #expect(ids.next(now: 1_795_000_000) == 1_795_000_000_07_0000)
        }
        var ids = OrderIDs(till: 7, resuming: 1_795_000_000_07_0005)
        #expect(ids.next(now: 1_795_000_000) == 1_795_000_000_07_0006)
    }

    @Test func theLastSecondBeforeTheLimitStillFits() {
        var ids = OrderIDs(till: 99)
        let id = ids.next(now: OrderIDs.maximum / 1_000_000 - 1)
        #expect(id <= OrderIDs.maximum)
    }

    @Test(arguments: [("till-7", 7), ("pos12", 12), ("kitchen", 0), ("host1234", 34), ("", 0)])
    func aHostNameSuggestsTheTill(name: String, till: Int) {
        #expect(OrderIDs.till(fromHostName: name) == till)
    }
}

@Suite struct JSONWriterTests {
    /// The till writes every order through the byte writer: integers at the edges and strings
    /// that need escaping read back exactly.
    @Test(arguments: [Int64(0), -1, 7, 10, -10, 1_795_656_749_040_000, Int64.max, Int64.min])
    func integersReadBack(value: Int64) throws {
        let order = Order(orderID: value, tableID: "T1", customers: value, paymentMode: "UPI", items: [], amount: value, timestamp: value)
        let text = order.json
        #expect(text.contains("\"order_id\":\(value),"))
        #expect(text.contains("\"timestamp\":\(value)}"))
    }

    @Test func stringsAreEscapedAndReadBackTheSame() throws {
        let names = ["Masala Dosa", "Quote \" and \\ back", "Tab\there", "மசாலா தோசை", "Bell\u{07}", "Bidi\u{202E}", "emoji 🍛", ""]
        let order = Order(
            orderID: 1, tableID: "T\u{1B}[31m", customers: 1, paymentMode: "CASH",
            items: names.map { Order.Line(name: $0, quantity: 1, price: 1) }, amount: Int64(names.count), timestamp: 1)
        #expect(order.json.utf8.elementsEqual(order.jsonBytes))
        #expect(!order.json.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{202E}" })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(order.jsonBytes)) as? [String: Any])
        #expect(object["table_id"] as? String == "T\u{1B}[31m")
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.map { $0["name"] as? String } == names)
    }
}
