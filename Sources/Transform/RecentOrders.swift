/// The newest orders by event time (ties: the later arrival first), kept as copies of their
/// record bytes in reused slots, and turned into `Order` values only when a snapshot asks.
/// Keeping bytes instead of `Order`s keeps string building out of the ingest path.
struct RecentOrders: Sendable {
    private struct Slot: Sendable {
        var timestamp: Int64 = 0
        var sequence = 0
        var bytes: [UInt8] = []
    }

    private var slots: [Slot] = []
    /// Slot indexes, newest first.
    private var order: [Int] = []
    private var sequence = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(0, capacity)  // 0: none kept (`--json` prints none)
        order.reserveCapacity(self.capacity + 1)
    }

    var isEmpty: Bool { order.isEmpty }

    /// Would an order at `timestamp` make the list? (Cheap; call before copying anything.)
    @inline(__always)
    func admits(_ timestamp: Int64) -> Bool {
        order.count < capacity || (capacity > 0 && timestamp >= slots[order[order.count - 1]].timestamp)
    }

    mutating func insert(timestamp: Int64, record: UnsafeRawBufferPointer) {
        guard capacity > 0 else { return }
        sequence += 1
        let slot: Int
        if order.count < capacity {
            slot = slots.count
            slots.append(Slot())
        } else {
            slot = order.removeLast()
        }
        slots[slot].timestamp = timestamp
        slots[slot].sequence = sequence
        slots[slot].bytes.removeAll(keepingCapacity: true)
        slots[slot].bytes.append(contentsOf: record)
        // Newest first: the first position whose entry is older (or equal and earlier).
        var lo = 0
        var hi = order.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if slots[order[mid]].timestamp > timestamp { lo = mid + 1 } else { hi = mid }
        }
        order.insert(slot, at: lo)
    }

    mutating func removeAll() {
        slots.removeAll()
        order.removeAll()
    }

    /// The orders, newest first, re-parsed from their bytes.
    func orders(paymentIndex: (UnsafeRawBufferPointer) -> Int, paymentModes: [String]) -> [Order] {
        var parser = OrderParser()
        return order.map { index in
            slots[index].bytes.withUnsafeBytes { record in
                parser.parse(record)
                let ref = parser.order.paymentMode.text
                parser.setPaymentIndex(parser.withBytes(of: ref, in: record) { paymentIndex($0) })
                return parser.materialize(from: record, paymentModes: paymentModes)
            }
        }
    }
}
