/// Where a record came from, for the quality log (partition and offset).
public struct RecordOrigin: Sendable, Hashable {
    public var partition: Int32
    public var offset: Int64

    public init(partition: Int32, offset: Int64) {
        self.partition = partition
        self.offset = offset
    }
}

/// When each kind of problem last happened (the consumer's clock, Unix seconds) and the last
/// rejected records themselves, for the Quality page. Bounded: one time per kind, at most
/// `capacity` records of at most `keptBytes` bytes each.
public struct QualityLog: Sendable, Equatable {
    public struct Rejected: Sendable, Equatable {
        public var reason: RejectionReason
        public var at: Int64
        public var origin: RecordOrigin?
        /// The record's first `keptBytes` bytes, as they came (not safe to print as they are).
        public var bytes: [UInt8]
        /// The record's whole length.
        public var size: Int
    }

    public static let capacity = 20
    public static let keptBytes = 240

    public var lastRejected: [RejectionReason: Int64] = [:]
    public var lastWarning: [OrderWarning: Int64] = [:]
    public var lastDuplicate: Int64?
    public var lastOutsideDay: Int64?
    public var lastLate: Int64?
    /// Newest first.
    public var rejects: [Rejected] = []

    public init() {}

    mutating func reject(_ reason: RejectionReason, at now: Int64, origin: RecordOrigin?, record: UnsafeRawBufferPointer) {
        lastRejected[reason] = now
        let kept = Array(UnsafeRawBufferPointer(rebasing: record.prefix(Self.keptBytes)))
        rejects.insert(Rejected(reason: reason, at: now, origin: origin, bytes: kept, size: record.count), at: 0)
        if rejects.count > Self.capacity { rejects.removeLast() }
    }
}
