import Foundation
import Testing
@testable import Transform

@Suite struct GoldRowWriterTests {
    let now = referenceTime + 3600
    let window = DayWindow.containing(referenceTime, zone: kolkata)

    /// Checks `record` and writes its gold row.
    func goldRow(_ record: [UInt8], writer: inout GoldRowWriter) throws -> [UInt8] {
        var check = OrderCheck(restaurant: writer.restaurant)
        try #require(check.check(record, now: now) == .checked)
        return writer.json(for: check, record: record)
    }

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func theReferenceOrdersRowHasEveryColumnInOrder() throws {
        var writer = GoldRowWriter(window: window)
        let row = String(decoding: try goldRow(Array(referenceOrder.utf8), writer: &writer), as: UTF8.self)
        let expected =
            #"{"order_id":482913,"table_id":"T3","customer_per_order":2,"payment_mode":"UPI","amount":155,"#
            + #""timestamp":1764059400,"timestamp_standard":"2025-11-25 14:00:00","#
            + #""Masala_Dosa_Q":2,"Masala_Dosa_P":70,"Idli_Q":0,"Idli_P":40,"Idli_Vada_Q":0,"Idli_Vada_P":70,"#
            + #""Poori_Q":0,"Poori_P":50,"Chapati_Q":0,"Chapati_P":50,"Plain_Dosa_Q":0,"Plain_Dosa_P":50,"#
            + #""Tea_Q":0,"Tea_P":10,"Coffee_Q":1,"Coffee_P":15,"Cold_Drink_Q":0,"Cold_Drink_P":20,"#
            + #""Lassi_Q":0,"Lassi_P":25,"#
            + #""items":[{"name":"Masala Dosa","quantity":2,"price":70},{"name":"Coffee","quantity":1,"price":15}],"#
            + #""warnings":[]}"#
        #expect(row == expected)
    }

    @Test func anUnknownDishIsKeptInItemsAndGetsItsColumnsAfterTheMenus() throws {
        var writer = GoldRowWriter(window: window)
        let items = #"[{"name": "Filter Coffee", "quantity": 1, "price": 30}, {"name": "Tea", "quantity": 2, "price": 12}, {"name": "Filter Coffee", "quantity": 2, "price": 35}, {"name": "Tea", "quantity": 1, "price": 10}]"#
        let bytes = try goldRow(Array(order(items: items, amount: "134").utf8), writer: &writer)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""Lassi_P":25,"Filter_Coffee_Q":3,"Filter_Coffee_P":30,"items":["#))
        let row = try object(bytes)
        #expect(row["Tea_Q"] as? Int == 3 && row["Tea_P"] as? Int == 10)
        let lines = try #require(row["items"] as? [[String: Any]])
        #expect(lines.map { $0["name"] as? String } == ["Filter Coffee", "Tea", "Filter Coffee", "Tea"])
        #expect(lines.map { $0["price"] as? Int } == [30, 12, 35, 10])
        #expect(row["warnings"] as? [String] == ["unknown_item", "price_mismatch"])
    }

    @Test func aColumnNameIsNeverWrittenTwice() throws {
        // "Masala_Dosa" (off the menu) would take the menu's "Masala_Dosa_Q"; "Ghee Roast" and
        // "Ghee_Roast" would share one. The later dish gets no columns; `items` has every line.
        var writer = GoldRowWriter(window: window)
        let items = #"[{"name": "Masala_Dosa", "quantity": 5, "price": 1}, {"name": "Ghee Roast", "quantity": 1, "price": 90}, {"name": "Ghee_Roast", "quantity": 2, "price": 80}]"#
        let record = Array(order(items: items, amount: "255").utf8)
        let bytes = try goldRow(record, writer: &writer)
        let text = String(decoding: bytes, as: UTF8.self)
        for key in ["Masala_Dosa_Q", "Masala_Dosa_P", "Ghee_Roast_Q", "Ghee_Roast_P"] {
            #expect(text.components(separatedBy: "\"\(key)\"").count == 2, "\(key)")
        }
        let row = try object(bytes)
        #expect(row["Masala_Dosa_Q"] as? Int == 0 && row["Masala_Dosa_P"] as? Int == 70)
        #expect(row["Ghee_Roast_Q"] as? Int == 1 && row["Ghee_Roast_P"] as? Int == 90)
        #expect((row["items"] as? [Any])?.count == 3)
        let reference = GoldRow(order: OrderCheckTests.materialise(record, now: now), restaurant: .seed, window: window)
        #expect(Set(reference.columns.map(\.name)).count == reference.columns.count)
        #expect(reference["Ghee_Roast_Q"] == .integer(1) && reference["Masala_Dosa_Q"] == .integer(0))
    }

    @Test func theZoneDecidesTheStandardTimestamp() throws {
        var kolkataWriter = GoldRowWriter(zone: kolkata)
        var utcWriter = GoldRowWriter(zone: TimeZone(identifier: "UTC")!, zoneName: "UTC")
        let record = Array(referenceOrder.utf8)
        let a = try object(try goldRow(record, writer: &kolkataWriter))
        let b = try object(try goldRow(record, writer: &utcWriter))
        #expect(a["timestamp_standard"] as? String == "2025-11-25 14:00:00")
        #expect(b["timestamp_standard"] as? String == "2025-11-25 08:30:00")
        #expect(a["timestamp"] as? Int == 1_764_059_400 && b["timestamp"] as? Int == 1_764_059_400)
    }

    @Test func standardTimestampsAgreeWithTheCalendarOverYearsAndTransitions() {
        // One writer, times jumping back and forth over 25 years and across DST changes: the
        // text is always the zone's wall clock.
        for zoneName in ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"] {
            let zone = TimeZone(identifier: zoneName)!
            var writer = GoldRowWriter(zone: zone)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            var random = SplitMix64(seed: 11)
            var times: [Int64] = []
            let transition: Int64 = 1_774_746_000  // 2026-03-29 01:00 UTC, London springs forward
            for _ in 0..<150 { times.append(946_684_800 + Int64(random.next(below: 800_000_000))) }
            for d in -8...8 { times.append(transition + Int64(d) * 900 - 1) }
            for t in times {
                let order = Order(
                    orderID: 1, tableID: "T1", customers: 1, paymentMode: "CASH",
                    items: [.init(name: "Tea", quantity: 1, price: 10)], amount: 10, timestamp: t)
                let row = String(decoding: writer.json(for: order), as: UTF8.self)
                let c = calendar.dateComponents(
                    [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(t)))
                let expected = String(
                    format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
                #expect(row.contains(#""timestamp_standard":"\#(expected)""#), "\(zoneName) \(t)")
            }
        }
    }

    @Test func hostileNamesAreEscapedAndReadBackEqual() throws {
        var writer = GoldRowWriter(window: window)
        // JSON escapes in the record: quotes, backslash, newline, ESC, BEL, C1 CSI, RLO, LRI,
        // a NUL, a line separator; and a raw RLO and é as UTF-8.
        let hostile = #"Dosa \"Special\"\\ \n\u001b]0;PWNED\u0007\u009b31m\u202e\u2066\u0000\u2028"# + "\u{202E}é"
        let table = #"T\"1\"\u001b[2J"#
        let record = Array(order(tableID: "\"\(table)\"", items: #"[{"name": "\#(hostile)", "quantity": 1, "price": 155}]"#).utf8)
        let bytes = try goldRow(record, writer: &writer)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.unicodeScalars.contains {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || [0x202E, 0x2066, 0x2028].contains($0.value)
        })
        let row = try object(bytes)
        let name = "Dosa \"Special\"\\ \n\u{1B}]0;PWNED\u{07}\u{9B}31m\u{202E}\u{2066}\u{0}\u{2028}\u{202E}é"
        #expect(row["table_id"] as? String == "T\"1\"\u{1B}[2J")
        #expect((row["items"] as? [[String: Any]])?.first?["name"] as? String == name)
        let column = GoldRow.columnName(name, "Q")
        #expect(row[column] as? Int == 1)
        #expect(row[GoldRow.columnName(name, "P")] as? Int == 155)
        #expect(row["warnings"] as? [String] == ["unknown_item"])
        // The same text a JSONWriter gives for the same strings.
        var reference = JSONWriter()
        reference.string(name)
        #expect(text.contains(#""name":\#(reference.text)"#))
    }

    @Test func theRowOfACheckEqualsTheRowOfItsOrder() {
        var writer = GoldRowWriter(window: window)
        var generator = OrderGenerator(seed: 5)
        for i in 0..<300 {
            let record = generator.nextRecord(at: referenceTime + Int64(i * 7), faultRate: 0.3)
            var check = OrderCheck()
            guard check.check(record, now: now) == .checked else { continue }
            #expect(writer.json(for: check, record: record) == writer.json(for: check.order(in: record)))
        }
    }

    @Test func randomOrdersHaveExactlyGoldRowsColumnsAndValues() throws {
        var generator = OrderGenerator(seed: 21)
        var random = SplitMix64(seed: 4)
        let zones = [kolkata, london, TimeZone(identifier: "America/New_York")!]
        var writers = zones.map { GoldRowWriter(window: DayWindow.containing(referenceTime, zone: $0)) }
        var check = OrderCheck()
        let offMenu = ["Filter Coffee", "Ghee Roast", "Filter  Coffee", "Vada Pav"]
        let now = referenceTime + 4 * 86_400
        var checked = 0
        for i in 0..<400 {
            let t = referenceTime - 3 * 86_400 + Int64(random.next(below: 6 * 86_400))
            var order = generator.next(at: t)
            for _ in 0..<Int(random.next(below: 3)) {
                // Off-menu dishes, repeated ones and menu dishes at another price.
                let pick = Int(random.next(below: 6))
                let line =
                    pick < 4
                    ? Order.Line(name: offMenu[pick], quantity: 1 + Int64(random.next(below: 3)), price: 30)
                    : Order.Line(name: "Tea", quantity: 1, price: 10 + Int64(random.next(below: 2)))
                order.items.insert(line, at: Int(random.next(below: UInt64(order.items.count + 1))))
            }
            order.amount = order.items.reduce(0) { $0 + $1.quantity * $1.price }
            if i % 3 == 0 { order.paymentMode = order.paymentMode.lowercased() }
            let record = order.jsonBytes
            try #require(check.check(record, now: now) == .checked)
            checked += 1
            let z = i % zones.count
            let bytes = writers[z].json(for: check, record: record)
            let row = try object(bytes)
            let materialised = check.order(in: record)
            let gold = GoldRow(order: materialised, restaurant: .seed, window: DayWindow.containing(t, zone: zones[z]))
            var expectedKeys = Set(gold.columns.map(\.name))
            expectedKeys.formUnion(["timestamp", "items", "warnings"])
            #expect(Set(row.keys) == expectedKeys)
            for column in gold.columns {
                switch column.value {
                case let .integer(v): #expect(row[column.name] as? Int == Int(v), "\(column.name)")
                case let .text(s): #expect(row[column.name] as? String == s, "\(column.name)")
                }
            }
            #expect(row["timestamp"] as? Int == Int(t))
            #expect(row["payment_mode"] as? String == order.paymentMode.uppercased())
            let lines = try #require(row["items"] as? [[String: Any]])
            #expect(lines.count == order.items.count)
            for (line, sent) in zip(lines, order.items) {
                #expect(line["name"] as? String == sent.name)
                #expect(line["quantity"] as? Int == Int(sent.quantity) && line["price"] as? Int == Int(sent.price))
            }
            #expect(row["warnings"] as? [String] == check.warnings.map(\.rawValue))
            // The keys in GoldRow's order, `timestamp` before `timestamp_standard`.
            let text = String(decoding: bytes, as: UTF8.self)
            var names = gold.columns.map(\.name)
            names.insert("timestamp", at: 5)
            let positions = names.map { text.range(of: "\"\($0)\":")!.lowerBound }
            #expect(positions == positions.sorted())
        }
        #expect(checked == 400)
    }

    /// 2,000 records of a hostile stream, ingested raw and as the gold rows of their valid
    /// orders: the same snapshot, but for the rejections (which have no gold row).
    @Test func goldRowsReingestedGiveTheSameDay() throws {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: kolkata)
        var generator = OrderGenerator(seed: 77)
        var random = SplitMix64(seed: 78)
        var raw = SalesState(window: window)
        var gold = SalesState(window: window)
        var goldChecked = SalesState(window: window)
        var check = OrderCheck()
        var goldCheck = OrderCheck()
        var writer = GoldRowWriter(zone: kolkata)
        let now = window.end + 600
        var rows = 0
        for i in 0..<2_000 {
            // Around the day's edges, some late, 20 % faulty (resends, truncations, unknown
            // modes, wrong amounts, off-menu dishes).
            let t = window.start - 3_600 + Int64(random.next(below: UInt64(window.end - window.start + 7_200)))
            var record = generator.nextRecord(at: t, faultRate: 0.2)
            if i % 50 == 0 { record = Array(order(orderID: String(5_000_000 + i), paymentMode: #""upi""#).utf8) }
            let arrival = i % 9 == 0 ? t + 600 : t
            raw.ingest(record, now: now, arrival: arrival)
            guard check.check(record, now: now) == .checked else { continue }
            let row = writer.json(for: check, record: record)
            rows += 1
            #expect(gold.ingest(row, now: now, arrival: arrival) != .rejected(.tooLarge))
            goldCheck.check(goldRow: row, now: now)
            #expect(goldCheck.verdict == .checked)
            goldChecked.add(goldCheck, record: row, now: now, arrival: arrival)
        }
        let a = raw.snapshot()
        let b = gold.snapshot()
        #expect(a.rejectedTotal > 50 && b.rejectedTotal == 0 && rows > 1_500)
        #expect(a.duplicates > 10 && a.outsideDay > 10 && a.warnings[.unknownItem]! > 10)
        var aJSON = try object(Array(a.json.utf8))
        var bJSON = try object(Array(b.json.utf8))
        aJSON["rejected"] = nil
        bJSON["rejected"] = nil
        #expect(NSDictionary(dictionary: aJSON).isEqual(to: bJSON))
        #expect(a.recent == b.recent && a.late == b.late && a.latestEvent == b.latestEvent)
        #expect(b == goldChecked.snapshot())
    }

    @Test func aGoldRowLongerThanItsOrderIsStillReadAsTheOrder() {
        // 100 distinct off-menu dishes of 64 raw (unescaped) RLO characters: within 64 KiB as an
        // order, well past it as a gold row (each becomes `\u202e`, and gets two columns).
        let items = (0..<100).map { i in
            item("\"" + String(repeating: "\u{202E}", count: 62) + String(format: "%02d", i) + "\"", quantity: "1", price: "1")
        }
        let record = Array(order(items: "[" + items.joined(separator: ",") + "]", amount: "100").utf8)
        #expect(record.count <= Expectations.largestRecord)
        var check = OrderCheck()
        #expect(check.check(record, now: now) == .checked)
        var writer = GoldRowWriter(window: window)
        let row = writer.json(for: check, record: record)
        #expect(row.count > Expectations.largestRecord)
        var state = kolkataState()
        #expect(state.ingest(row, now: now) == .rejected(.tooLarge))
        #expect(check.check(goldRow: row, now: now) == .checked)
        #expect(state.add(check, record: row, now: now) == .accepted)
        #expect(state.snapshot().revenue == 100 && state.snapshot().warnings[.unknownItem] == 100)
        // Past `largestRow`, a gold row is too large all the same.
        let huge = Array(order(extra: #""pad": "\#(String(repeating: "x", count: GoldRowWriter.largestRow))""#).utf8)
        #expect(check.check(goldRow: huge, now: now) == .rejected(.tooLarge))
    }
}

extension OrderCheckTests {
    static func materialise(_ record: [UInt8], now: Int64) -> Order {
        var check = OrderCheck()
        check.check(record, now: now)
        return check.order(in: record)
    }
}
