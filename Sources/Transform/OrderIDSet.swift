/// The order ids already accepted, for dedupe: an open-addressing hash set of 8-byte slots
/// (53 bits of id, 11 bits of the day it was accepted for), so a million ids cost ~16 MiB.
///
/// Bounded: it holds at most `capacity` ids. When full it first forgets ids from days before
/// yesterday; if that frees nothing, new ids are no longer remembered and `untracked` counts
/// them (a duplicate of such an id would then be counted again). A new day (`forget(before:)`)
/// drops ids older than yesterday, so a long-running dashboard stays flat.
public struct OrderIDSet: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0
    let capacity: Int
    /// Ids that could not be remembered because the set was full.
    private(set) var untracked = 0

    private static let idBits: UInt64 = 53
    private static let idMask: UInt64 = (1 << 53) - 1

    public init(capacity: Int) {
        self.capacity = max(16, capacity)
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    /// Ids from a till mostly count up: eight neighbours share a 64-byte cache line, while
    /// the high bits are mixed so that no pattern of ids piles into one run of slots.
    @inline(__always)
    private static func hash(_ id: UInt64) -> Int {
        let mixed = ((id >> 3) &* 0x9E37_79B9_7F4A_7C15) >> 17
        return Int(truncatingIfNeeded: (mixed << 3) | (id & 7))
    }

    @inline(__always)
    private static func tag(_ day: Int64) -> UInt64 { UInt64(truncatingIfNeeded: day) & 0x7FF }

    /// Records `id` as accepted on local day `day`; false when it was there already.
    public mutating func insert(_ id: Int64, day: Int64) -> Bool {
        let key = UInt64(id) & Self.idMask
        var i = Self.hash(key) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot & Self.idMask == key { return false }
            i = (i + 1) & mask
        }
        if count >= capacity {
            forget(before: day - 1)
            if count >= capacity {
                untracked += 1
                return true
            }
            return insert(id, day: day)
        }
        if (count + 1) * 10 > slots.count * 7 {
            rehash(into: slots.count * 2, keepingFrom: nil)
            return insert(id, day: day)
        }
        slots[i] = key | (Self.tag(day) << Self.idBits)
        count += 1
        return true
    }

    /// Drops ids accepted for days before `day` (tags wrap every 2048 days; only recent days
    /// are compared, so the wrap never matters for a live dashboard).
    public mutating func forget(before day: Int64) {
        rehash(into: slots.count, keepingFrom: day)
    }

    private mutating func rehash(into size: Int, keepingFrom day: Int64?) {
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        count = 0
        let newest = day.map { Self.tag($0) }
        for slot in old where slot != 0 {
            if let newest {
                // Age in days, modulo the tag width; anything "in the future" counts as recent.
                let age = (newest &- (slot >> Self.idBits)) & 0x7FF
                if age > 0 && age < 0x400 { continue }
            }
            var i = Self.hash(slot & Self.idMask) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
            count += 1
        }
    }
}
