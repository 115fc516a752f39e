import Foundation  // TimeZone (as DayWindow)

/// Writes the gold row of a valid order as one compact JSON object: the original gold table's
/// columns (SEMANTICS.md §5, `GoldRow`), the event time in Unix seconds, the order's own item
/// lines and the warnings it raised. Keys in this order:
///
///     order_id, table_id, customer_per_order, payment_mode (upper-case), amount,
///     timestamp (Unix seconds), timestamp_standard (local "YYYY-MM-DD HH:MM:SS"),
///     <Item>_Q, <Item>_P for every menu dish (Q: Σ quantity in the order, 0 if absent;
///     P: menu price), then the same for every off-menu dish in the order, in the order they
///     first appear (P: the price of its first line), items: [{name, quantity, price}, …] as
///     sent, warnings: ["unknown_item", …]
///
/// Column names follow `GoldRow.columnName` (spaces as `_`); an off-menu dish whose column name
/// is taken already (`Masala_Dosa` next to the menu's `Masala Dosa`) gets no columns of its own,
/// so a row never has a key twice (its lines are still in `items`). `GoldRow` is the reference.
///
/// `warnings` names each warning the order raised once, in the contract's order (the counters
/// count one per item line; the lines are in `items`). A gold row keeps the order's own fields
/// under their own names, so `OrderParser` reads it as the order itself (it skips the other
/// keys): `OrderCheck.check(goldRow:)` and `SalesState.add` count a gold row as its order.
///
/// Every key is escaped once, at init; the hot path copies bytes. Strings in values are escaped
/// as `JSONWriter` escapes them (JSON's rules, and `SafeText`'s unsafe scalars as `\u`).
public struct GoldRowWriter: Sendable {
    /// Longest gold row `OrderCheck.check(goldRow:)` reads (a row can be longer than its order).
    public static let largestRow = 1 << 20

    public let restaurant: Restaurant
    public let expectations: Expectations
    /// The zone's offsets, around the newest day written so far: it follows the orders forward
    /// (an older order is formatted from the zone's rules directly).
    public private(set) var window: DayWindow

    private let menu: ItemTable
    /// Column names with spaces as `_` (the "stem" before `_Q`/`_P`), to keep columns unique.
    private let stems: ItemTable
    /// For every menu dish, `,"<Item>_Q":` then `,"<Item>_P":<price>`, one after the other.
    private let menuColumns: [UInt8]
    private let menuColumnEnds: [(q: Int, p: Int)]
    private let warningNames: [[UInt8]]

    // Reused from row to row.
    private var quantities: [Int64]
    private var offMenuLines: [Int] = []
    private var offMenuQuantities: [Int64] = []
    private var scratch: [UInt8] = []

    /// Times are written in `window`'s zone.
    public init(restaurant: Restaurant = .seed, window: DayWindow, expectations: Expectations = .contract) {
        self.restaurant = restaurant
        self.expectations = expectations
        self.window = window
        menu = ItemTable(menu: restaurant.menu, limit: restaurant.menu.count + 1)
        stems = ItemTable(
            menu: restaurant.menu.map {
                MenuItem(name: String(decoding: $0.name.utf8.map { $0 == 0x20 ? 0x5F : $0 }, as: UTF8.self), price: 0)
            },
            limit: restaurant.menu.count + 1)
        var columns: [UInt8] = []
        var ends: [(q: Int, p: Int)] = []
        for item in restaurant.menu {
            var key = JSONWriter(capacity: 64)
            key.raw(",")
            key.rawString(GoldRow.columnName(item.name, "Q"))
            key.raw(":")
            columns.append(contentsOf: key.bytes)
            let q = columns.count
            key = JSONWriter(capacity: 64)
            key.raw(",")
            key.rawString(GoldRow.columnName(item.name, "P"))
            key.raw(":")
            key.rawInteger(item.price)
            columns.append(contentsOf: key.bytes)
            ends.append((q, columns.count))
        }
        menuColumns = columns
        menuColumnEnds = ends
        warningNames = OrderWarning.allCases.map { Array("\"\($0.rawValue)\"".utf8) }
        quantities = Array(repeating: 0, count: restaurant.menu.count)
    }

    /// Times are written in `zone`.
    public init(
        restaurant: Restaurant = .seed, zone: TimeZone, zoneName: String? = nil,
        expectations: Expectations = .contract
    ) {
        self.init(
            restaurant: restaurant, window: DayWindow.containing(0, zone: zone, zoneName: zoneName),
            expectations: expectations)
    }

    // MARK: - Writing

    /// The gold row of the order `check` holds (its verdict must be `.checked`; `record` is the
    /// record it checked), appended to `out`. Allocates nothing once `out` has room.
    public mutating func append(_ check: borrowing OrderCheck, record: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        precondition(check.verdict == .checked, "only a checked order has a gold row")
        assert(check.restaurant == restaurant, "the check was made for another restaurant")
        assert(check.recordCount == record.count, "the check was made for another record")
        write(Checked(check: copy check, record: record), to: &out)
    }

    /// The gold row of the order `check` holds, as a new array.
    public mutating func json(for check: borrowing OrderCheck, record: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + menuColumns.count)
        append(check, record: record, to: &out)
        return out
    }

    public mutating func json(for check: borrowing OrderCheck, record: [UInt8]) -> [UInt8] {
        record.withUnsafeBytes { json(for: check, record: $0) }
    }

    /// The gold row of a materialised order (for tools and tests; the warnings are judged here,
    /// with the writer's menu and expectations). The order is written as it is, valid or not.
    public mutating func json(for order: Order) -> [UInt8] {
        var source = Materialised(order: order, menuIndex: [], warnings: 0)
        for line in order.items {
            var copy = line.name
            let slot = copy.withUTF8 { menu.find(UnsafeRawBufferPointer($0)) }
            source.menuIndex.append(slot ?? -1)
            expectations.warnings(
                for: ItemLine(
                    quantity: line.quantity, price: line.price,
                    menuPrice: slot.map { restaurant.menu[$0].price })
            ) { warning in source.warnings |= 1 << UInt8(warning.index) }
        }
        var out: [UInt8] = []
        out.reserveCapacity(512 + menuColumns.count)
        write(source, to: &out)
        return out
    }

    private mutating func write(_ source: some Source, to out: inout [UInt8]) {
        let timestamp = source.timestamp
        out.append(#"{"order_id":"#)
        JSONWriter.appendInteger(source.orderID, to: &out)
        out.append(#","table_id":"#)
        source.withTableID { JSONWriter.appendQuoted($0, to: &out) }
        out.append(#","customer_per_order":"#)
        JSONWriter.appendInteger(source.customers, to: &out)
        out.append(#","payment_mode":"#)
        var mode = source.paymentMode
        mode.withUTF8 { JSONWriter.appendQuoted(UnsafeRawBufferPointer($0), to: &out) }
        out.append(#","amount":"#)
        JSONWriter.appendInteger(source.amount, to: &out)
        out.append(#","timestamp":"#)
        JSONWriter.appendInteger(timestamp, to: &out)
        out.append(#","timestamp_standard":""#)
        appendStandardTime(timestamp, to: &out)
        out.append(UInt8(ascii: "\""))

        // Σ quantity per menu dish; off-menu dishes by the first line that names them.
        for i in quantities.indices { quantities[i] = 0 }
        offMenuLines.removeAll(keepingCapacity: true)
        offMenuQuantities.removeAll(keepingCapacity: true)
        for i in 0..<source.lineCount {
            let slot = source.menuIndex(i)
            if slot >= 0 {
                quantities[slot] += source.quantity(i)
                continue
            }
            let same = source.withName(i) { name in
                offMenuLines.firstIndex { j in source.withName(j) { bytesEqual(name, $0) } }
            }
            if let same {
                offMenuQuantities[same] += source.quantity(i)
            } else {
                offMenuLines.append(i)
                offMenuQuantities.append(source.quantity(i))
            }
        }
        menuColumns.withUnsafeBufferPointer { columns in
            var start = 0
            for (slot, end) in menuColumnEnds.enumerated() {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: columns[start..<end.q]))
                JSONWriter.appendInteger(quantities[slot], to: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: columns[end.q..<end.p]))
                start = end.p
            }
        }
        for (k, line) in offMenuLines.enumerated() {
            // The stem (`_` for spaces) must be new: not a menu column's, not an earlier one's.
            scratch.removeAll(keepingCapacity: true)
            source.withName(line) { name in
                for b in name { scratch.append(b == 0x20 ? 0x5F : b) }
            }
            let taken = scratch.withUnsafeBytes { stem in
                stems.find(stem) != nil
                    || offMenuLines[..<k].contains { j in
                        source.withName(j) { sameStem(stem, $0) }
                    }
            }
            if taken { continue }
            scratch.withUnsafeBytes { stem in
                out.append(#","#)
                out.append(UInt8(ascii: "\""))
                JSONWriter.appendContent(stem, to: &out)
                out.append(#"_Q":"#)
                JSONWriter.appendInteger(offMenuQuantities[k], to: &out)
                out.append(#","#)
                out.append(UInt8(ascii: "\""))
                JSONWriter.appendContent(stem, to: &out)
                out.append(#"_P":"#)
                JSONWriter.appendInteger(source.price(line), to: &out)
            }
        }

        out.append(#","items":["#)
        for i in 0..<source.lineCount {
            out.append(i == 0 ? #"{"name":"# : #",{"name":"#)
            source.withName(i) { JSONWriter.appendQuoted($0, to: &out) }
            out.append(#","quantity":"#)
            JSONWriter.appendInteger(source.quantity(i), to: &out)
            out.append(#","price":"#)
            JSONWriter.appendInteger(source.price(i), to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(#"],"warnings":["#)
        var first = true
        for warning in OrderWarning.allCases where source.raises(warning) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: warningNames[warning.index])
        }
        out.append(#"]}"#)
    }

    /// `YYYY-MM-DD HH:MM:SS` on the zone's wall clock, the text of `DayWindow.standardTimestamp`.
    private mutating func appendStandardTime(_ instant: Int64, to out: inout [UInt8]) {
        if !window.covers(instant) && instant >= window.end {
            window = window.containing(instant)  // time moved on: follow it
        }
        let wall = window.localSeconds(instant)
        let days = floorDiv(wall, 86_400)
        let date = LocalDay(daysSinceEpoch: days)
        guard (1000...9999).contains(date.year) else {
            out.append(contentsOf: window.standardTimestamp(instant).utf8)
            return
        }
        let s = Int(wall - days * 86_400)
        @inline(__always) func two(_ v: Int) {
            out.append(UInt8(ascii: "0") + UInt8(v / 10))
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
        }
        two(date.year / 100)
        two(date.year % 100)
        out.append(UInt8(ascii: "-"))
        two(date.month)
        out.append(UInt8(ascii: "-"))
        two(date.day)
        out.append(UInt8(ascii: " "))
        two(s / 3600)
        out.append(UInt8(ascii: ":"))
        two(s / 60 % 60)
        out.append(UInt8(ascii: ":"))
        two(s % 60)
    }
}

/// Equal bytes.
@inline(__always)
private func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    for i in 0..<a.count where a[i] != b[i] { return false }
    return true
}

/// `stem` (spaces already `_`) is `name` with spaces as `_`.
@inline(__always)
private func sameStem(_ stem: UnsafeRawBufferPointer, _ name: UnsafeRawBufferPointer) -> Bool {
    guard stem.count == name.count else { return false }
    for i in 0..<stem.count where stem[i] != (name[i] == 0x20 ? 0x5F : name[i]) { return false }
    return true
}

extension Array where Element == UInt8 {
    @inline(__always)
    fileprivate mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }
}

// MARK: - What a row is written from

/// The order of a gold row, either checked (by reference into its record) or materialised.
private protocol Source {
    var orderID: Int64 { get }
    var customers: Int64 { get }
    var amount: Int64 { get }
    var timestamp: Int64 { get }
    var paymentMode: String { get }
    var lineCount: Int { get }
    func withTableID<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
    func withName<R>(_ line: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R
    func quantity(_ line: Int) -> Int64
    func price(_ line: Int) -> Int64
    /// Index into the menu, −1 off the menu.
    func menuIndex(_ line: Int) -> Int
    func raises(_ warning: OrderWarning) -> Bool
}

private struct Checked: Source {
    let check: OrderCheck
    let record: UnsafeRawBufferPointer

    var orderID: Int64 { check.orderID }
    var customers: Int64 { check.customers }
    var amount: Int64 { check.amount }
    var timestamp: Int64 { check.timestamp }
    var paymentMode: String { check.paymentMode }
    var lineCount: Int { check.lineCount }
    func withTableID<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        check.withBytes(of: check.tableID, in: record, body)
    }
    func withName<R>(_ line: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        check.withBytes(of: check.line(line).name, in: record, body)
    }
    func quantity(_ line: Int) -> Int64 { check.line(line).quantity }
    func price(_ line: Int) -> Int64 { check.line(line).price }
    func menuIndex(_ line: Int) -> Int { check.line(line).menuIndex }
    func raises(_ warning: OrderWarning) -> Bool { check.lines(raising: warning) > 0 }
}

private struct Materialised: Source {
    let order: Order
    var menuIndex: [Int]
    var warnings: UInt8

    var orderID: Int64 { order.orderID }
    var customers: Int64 { order.customers }
    var amount: Int64 { order.amount }
    var timestamp: Int64 { order.timestamp }
    var paymentMode: String { order.paymentMode }
    var lineCount: Int { order.items.count }
    func withTableID<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var text = order.tableID
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
    func withName<R>(_ line: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var text = order.items[line].name
        return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
    func quantity(_ line: Int) -> Int64 { order.items[line].quantity }
    func price(_ line: Int) -> Int64 { order.items[line].price }
    func menuIndex(_ line: Int) -> Int { menuIndex[line] }
    func raises(_ warning: OrderWarning) -> Bool { warnings & (1 << UInt8(warning.index)) != 0 }
}
