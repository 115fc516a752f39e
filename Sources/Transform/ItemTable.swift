/// Per-dish totals for the day, keyed by the dish name's bytes so that the ingest path never
/// builds a `String` for a name it has seen before. Menu dishes occupy the first slots.
///
/// Bounded: at most `limit` distinct names; later new names are summed under `overflowName`.
struct ItemTable: Sendable {
    struct Entry: Sendable {
        var name: String
        var quantity: Int64 = 0
        var revenue: Int64 = 0
        /// Menu price, nil for a dish that is not on the menu.
        var menuPrice: Int64?
    }

    private(set) var entries: [Entry] = []
    private var bytes: [UInt8] = []
    private var ranges: [Range<Int>] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    let limit: Int
    private(set) var overflowSlot: Int?

    static let overflowName = "(other dishes)"

    init(menu: [MenuItem], limit: Int = 100_000) {
        self.limit = max(limit, menu.count + 1)
        slots = [Int32](repeating: -1, count: 64)
        mask = 63
        for item in menu {
            _ = Array(item.name.utf8).withUnsafeBytes { insert($0, menuPrice: item.price) }
        }
    }

    @inline(__always)
    private static func hash(_ name: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }

    /// The slot for `name`, added (as an off-menu dish) when new.
    @inline(__always)
    mutating func slot(for name: UnsafeRawBufferPointer) -> Int {
        let h = Self.hash(name)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = Int(slots[i])
            if s < 0 { break }
            if hashes[s] == h && equal(s, name) { return s }
            i = (i + 1) & mask
        }
        if entries.count >= limit {
            if let overflowSlot { return overflowSlot }
            entries.append(Entry(name: Self.overflowName))
            ranges.append(0..<0)
            hashes.append(0)
            overflowSlot = entries.count - 1
            return entries.count - 1
        }
        return insert(name, menuPrice: nil)
    }

    /// The slot for `name` if it is already in the table (nothing is added).
    @inline(__always)
    func find(_ name: UnsafeRawBufferPointer) -> Int? {
        let h = Self.hash(name)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = Int(slots[i])
            if s < 0 { return nil }
            if hashes[s] == h && equal(s, name) { return s }
            i = (i + 1) & mask
        }
    }

    private func equal(_ s: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        let r = ranges[s]
        guard r.count == name.count else { return false }
        return bytes.withUnsafeBufferPointer { all in
            guard let a = all.baseAddress, let b = name.baseAddress else { return r.isEmpty }
            return bytesEqual(a + r.lowerBound, b.assumingMemoryBound(to: UInt8.self), r.count)
        }
    }

    private mutating func insert(_ name: UnsafeRawBufferPointer, menuPrice: Int64?) -> Int {
        if (entries.count + 1) * 2 > slots.count { grow() }
        let h = Self.hash(name)
        let index = entries.count
        let start = bytes.count
        bytes.append(contentsOf: name)
        ranges.append(start..<bytes.count)
        hashes.append(h)
        entries.append(Entry(name: String(decoding: name, as: UTF8.self), menuPrice: menuPrice))
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = Int32(index)
        return index
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (index, h) in hashes.enumerated() where index != overflowSlot {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(index)
        }
    }

    @inline(__always)
    mutating func add(slot: Int, quantity: Int64, price: Int64) {
        entries[slot].quantity &+= quantity
        entries[slot].revenue &+= quantity &* price
    }

    func menuPrice(slot: Int) -> Int64? { entries[slot].menuPrice }
}
