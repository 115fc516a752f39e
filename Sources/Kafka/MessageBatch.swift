/// Messages handed over from the poll thread in one piece: every value and key copied into one
/// contiguous byte buffer, plus a small descriptor per message. One allocation per batch, none
/// per message, and librdkafka's memory is released before the batch leaves the poll thread.
public struct MessageBatch: Sendable {
    public struct Record: Sendable, Equatable {
        public var partition: Int32
        public var offset: Int64
        /// Record timestamp in milliseconds since the epoch, or -1 when the broker gave none.
        public var timestamp: Int64
        var valueStart: Int
        var valueCount: Int
        var keyStart: Int
        /// -1 for a null key.
        var keyCount: Int
        /// True for a null value (a tombstone); its bytes are empty.
        public var valueIsNull: Bool
    }

    public private(set) var records: [Record] = []
    private var bytes: [UInt8] = []
    /// Every partition had reached its end (or its stop offset) when this batch was made.
    public internal(set) var caughtUp = false

    public init() {}

    init(reservingBytes: Int, records: Int) {
        bytes.reserveCapacity(reservingBytes)
        self.records.reserveCapacity(records)
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }
    public var byteCount: Int { bytes.count }

    /// Appends one message (copies value and key).
    public mutating func append(
        partition: Int32, offset: Int64, timestamp: Int64,
        value: UnsafeRawBufferPointer?, key: UnsafeRawBufferPointer?
    ) {
        let valueStart = bytes.count
        if let value, value.count > 0 { bytes.append(contentsOf: value) }
        let keyStart = bytes.count
        if let key, key.count > 0 { bytes.append(contentsOf: key) }
        records.append(
            Record(
                partition: partition, offset: offset, timestamp: timestamp,
                valueStart: valueStart, valueCount: keyStart - valueStart,
                keyStart: keyStart, keyCount: key == nil ? -1 : bytes.count - keyStart,
                valueIsNull: value == nil))
    }

    /// Calls `body` with each record and its value bytes, in order, without copying.
    public func forEach(_ body: (Record, UnsafeRawBufferPointer) throws -> Void) rethrows {
        try bytes.withUnsafeBytes { all in
            for record in records {
                try body(record, UnsafeRawBufferPointer(
                    rebasing: all[record.valueStart..<record.valueStart + record.valueCount]))
            }
        }
    }

    public func value(at index: Int) -> [UInt8] {
        let r = records[index]
        return Array(bytes[r.valueStart..<r.valueStart + r.valueCount])
    }

    public func key(at index: Int) -> [UInt8]? {
        let r = records[index]
        guard r.keyCount >= 0 else { return nil }
        return Array(bytes[r.keyStart..<r.keyStart + r.keyCount])
    }
}
