import CRdKafka

/// Messages handed over from the poll thread in one piece. The batch owns librdkafka's
/// messages and reads their bytes in place — no copy — and destroys them when the last copy
/// of the batch goes away (it keeps the client alive until then, as librdkafka requires).
public struct MessageBatch: Sendable {
    public struct Record: Sendable, Equatable {
        public var partition: Int32
        public var offset: Int64
        /// Record timestamp in milliseconds since the epoch, or -1 when the broker gave none.
        public var timestamp: Int64
        /// True for a null value (a tombstone); its bytes are empty.
        public var valueIsNull: Bool
    }

    public private(set) var records: [Record] = []
    private let storage: Storage?
    /// Every partition had reached its end (or its stop offset) when this batch was made.
    public internal(set) var caughtUp = false
    /// The cluster behind the address was replaced (a new cluster id): what was read before this
    /// batch came from a cluster that is gone, and reading starts over on the new one. Such a
    /// batch carries no records.
    public internal(set) var restarted = false

    public init() {
        storage = nil
    }

    init(client: NativeClient, capacity: Int) {
        storage = Storage(client: client, capacity: capacity)
        records.reserveCapacity(capacity)
    }

    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// Takes ownership of one message (the poll thread only, before the batch is handed over).
    mutating func append(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let m = message.pointee
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        records.append(
            Record(
                partition: m.partition, offset: m.offset,
                timestamp: rd_kafka_message_timestamp(message, &type),
                valueIsNull: m.payload == nil))
        storage!.messages.append(message)
    }

    /// Calls `body` with each record and its value bytes, in order, without copying.
    public func forEach(_ body: (Record, UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard let storage else { return }
        for (index, message) in storage.messages.enumerated() {
            try body(records[index], Self.value(message))
        }
    }

    public func value(at index: Int) -> [UInt8] {
        Array(Self.value(storage!.messages[index]))
    }

    public func key(at index: Int) -> [UInt8]? {
        let m = storage!.messages[index].pointee
        guard let key = m.key else { return nil }
        return Array(UnsafeRawBufferPointer(start: key, count: m.key_len))
    }

    /// The record's headers, in order (empty when it has none).
    public func headers(at index: Int) -> [Header] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(storage!.messages[index], &list).isOK, let list else { return [] }
        var out: [Header] = []
        var i = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(list, i, &name, &value, &size).isOK, let name else { break }
            out.append(Header(String(cString: name), value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []))
            i += 1
        }
        return out
    }

    @inline(__always)
    private static func value(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> UnsafeRawBufferPointer {
        let m = message.pointee
        return UnsafeRawBufferPointer(start: m.payload, count: m.payload == nil ? 0 : m.len)
    }

    private final class Storage: @unchecked Sendable {
        // Safety: filled by the poll thread before the batch is handed over, read-only after.
        var messages: [UnsafeMutablePointer<rd_kafka_message_t>] = []
        let client: NativeClient

        init(client: NativeClient, capacity: Int) {
            self.client = client
            messages.reserveCapacity(capacity)
        }

        deinit {
            for message in messages { rd_kafka_message_destroy(message) }
        }
    }
}
