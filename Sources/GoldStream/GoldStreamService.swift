import Foundation
import Kafka
import Logging
import Synchronization
import TiffinCLI
import Transform

/// The `transform` service's loop (also run inside `dashboard --demo --source gold`): poll a batch → check, dedupe, write gold rows and rejects → one
/// transaction with the batch's offsets. Single-threaded on purpose: rebalances happen inside
/// `poll`, between batches, so a batch is always committed (or aborted) by the generation that
/// read it.
public final class GoldStreamService {
    let source: String
    let gold: String
    let rejects: String
    let timeout: Double
    let logger: Logger
    let config: KafkaConfig
    let producer: Producer
    private(set) var consumer: GroupConsumer!
    private let restaurant: Restaurant

    /// What the rebalance callback hands to the loop (it runs inside `poll`, on this thread).
    private final class Inbox: Sendable {
        let events = Mutex<[RebalanceEvent]>([])
    }
    private let changes = Inbox()

    private var check: OrderCheck
    private var writer: GoldRowWriter
    /// Order ids seen per assigned partition (records are keyed by order id, so a resend
    /// lands on the same partition): exactly what the partition holds up to our position, so
    /// a partition that leaves takes its ids with it and one that comes is rebuilt.
    private var seen: [Int32: OrderIDSet] = [:]
    private var stats = Stats()

    struct Stats {
        var records = 0
        var gold = 0
        var duplicates = 0
        var rejected: [RejectionReason: Int] = [:]
        var aborted = 0
        var lastReport = Date()
        var recordsAtReport = 0
    }

    /// Order ids remembered per partition for dedupe (today's and yesterday's, by UTC day).
    static let dedupeCapacity = 4_000_000

    /// Status lines go to standard error too (not when a screen is up: the demo).
    public var statusToStandardError = true

    /// `instance`: a name stable across restarts of this instance (its `transactional.id`), so
    /// that a restarted instance fences the one that died and its open transaction is aborted
    /// at once; nil: host name and process id (no fencing across restarts: a dead instance's
    /// open transaction then holds read_committed readers back until it times out).
    public init(
        config: KafkaConfig, source: String, gold: String, rejects: String, group: String,
        restaurant: Restaurant, zone: TimeZone, zoneName: String, timeout: Double, logger: Logger,
        instance: String? = nil
    ) throws {
        self.config = config
        self.source = source
        self.gold = gold
        self.rejects = rejects
        self.timeout = timeout
        self.logger = logger
        self.restaurant = restaurant
        check = OrderCheck(restaurant: restaurant)
        writer = GoldRowWriter(restaurant: restaurant, zone: zone, zoneName: zoneName)

        var producerConfig = config
        let host = ProcessInfo.processInfo.hostName.prefix(40)
        producerConfig.setIfAbsent(
            "transactional.id", "tiffin-transform-\(group)-" + (instance ?? "\(host)-\(getpid())"))
        producerConfig.setIfAbsent("linger.ms", "20")
        // Reports on the producer's own thread. (Serving them on this thread, at each commit's
        // flush, measured no faster and kept a transaction's delivered records allocated until
        // then: +25 MB peak while catching up.)
        producer = try Producer(config: producerConfig, logger: logger)
        // Unreachable cluster, missing topic, failed handshake: one sentence, before anything.
        _ = try producer.checkTopic(source, timeout: timeout)
        for (topic, flag) in [(gold, "--gold"), (rejects, "--rejects")] {
            do {
                _ = try producer.checkTopic(topic, timeout: timeout)
            } catch KafkaError.unknownTopic {
                throw MissingTopic(topic: topic, flag: flag)
            }
        }
        try producer.initTransactions(timeout: timeout)
        let changes = self.changes
        consumer = try GroupConsumer(config: config, topic: source, group: group, logger: logger) { event in
            changes.events.withLock { $0.append(event) }
        }
    }

    /// Processes batches until `stop()`, or (`untilCaughtUp`) until it has partitions and none
    /// of them has anything left to read.
    public func run(batch size: Int, untilCaughtUp: Bool = false, stop: () -> Bool) throws {
        say("transform: reading \(source) as group member; gold rows → \(gold), rejects → \(rejects)\n")
        var closed = false
        defer { if !closed { consumer.close() } }  // an error leaves the group too, not after a session timeout
        while !stop() {
            let batch = consumer.poll(max: size, timeout: 0.2)
            try applyRebalances()
            if !batch.isEmpty { try process(batch) }
            report(force: false)
            if untilCaughtUp, batch.isEmpty, !consumer.assignment.isEmpty, consumer.lag == 0 { break }
        }
        report(force: true)
        consumer.close()
        closed = true
        say("transform: left the group; \(stats.records) records: \(stats.gold) gold, \(stats.duplicates) duplicates, \(stats.rejected.values.reduce(0, +)) rejected\n")
    }

    /// Partitions just assigned: their order ids are read again from the source topic, from the
    /// start of yesterday (UTC) up to the committed offset, before any of their new records.
    /// (The callback ran inside `poll`, before the fetch of those partitions started.)
    private func applyRebalances() throws {
        let events = changes.events.withLock { list in defer { list.removeAll() }; return list }
        for event in events {
            switch event {
            case let .revoked(partitions):
                logger.notice("partitions revoked: \(Self.describe(partitions))")
                for partition in partitions { seen[partition] = nil }
            case let .assigned(partitions):
                logger.notice("partitions assigned: \(Self.describe(partitions))")
                try rebuild(partitions)
            }
        }
    }

    private func rebuild(_ partitions: [Int32]) throws {
        guard !partitions.isEmpty else { return }
        let committed = try consumer.committed(partitions, timeout: timeout)
        let from = (Int64(Date().timeIntervalSince1970) / 86_400 - 1) * 86_400 * 1000
        var rebuilt = 0
        for partition in partitions {
            var ids = OrderIDSet(capacity: Self.dedupeCapacity)
            let until = committed[partition] ?? -1
            if until > 0 {
                try PartitionReader.read(
                    config: config, topic: source, partition: partition, fromTime: from, until: until, logger: logger
                ) { _, value in
                    let now = Int64(Date().timeIntervalSince1970)
                    if check.check(value, now: now) == .checked {
                        _ = ids.insert(check.orderID, day: check.timestamp / 86_400)
                        rebuilt += 1
                    }
                }
            }
            seen[partition] = ids
        }
        logger.notice("dedupe rebuilt for partitions \(Self.describe(partitions)): \(rebuilt) orders up to the committed offsets")
    }

    /// The UTC day the dedupe sets were last trimmed for.
    private var trimmedDay: Int64 = 0

    /// Once a UTC day: ids of days before yesterday leave every partition's set, so memory
    /// follows two days of orders, not the whole stream.
    private func trimIfNewDay(_ now: Int64) {
        let today = now / 86_400
        guard today != trimmedDay else { return }
        trimmedDay = today
        for partition in Array(seen.keys) { seen[partition]?.forget(before: today - 1) }
    }

    private func process(_ batch: MessageBatch) throws {
        // Records fetched before their partition was revoked (inside the same poll) belong to
        // the new owner now: neither processed nor committed here.
        let owned = Set(consumer.assignment)
        var offsets = TopicOffsets(topic: source)
        var first: [Int32: Int64] = [:]
        for record in batch.records where owned.contains(record.partition) {
            offsets.next[record.partition] = record.offset + 1
            if first[record.partition] == nil { first[record.partition] = record.offset }
        }
        guard !offsets.next.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970)
        trimIfNewDay(now)
        var counts = Stats()
        do {
            try producer.transaction(offsets: offsets, consumer: consumer, timeout: timeout) {
                var index = 0
                var row: [UInt8] = []
                var key: [UInt8] = []
                try batch.forEach { record, value in
                    defer { index += 1 }
                    guard owned.contains(record.partition) else { return }
                    counts.records += 1
                    switch check.check(value, now: now) {
                    case let .rejected(reason):
                        counts.rejected[reason, default: 0] += 1
                        try reject(value, key: batch.key(at: index), reason: reason.rawValue, record: record)
                    case .checked:
                        guard seen[record.partition, default: OrderIDSet(capacity: Self.dedupeCapacity)]
                            .insert(check.orderID, day: check.timestamp / 86_400)
                        else {
                            counts.duplicates += 1
                            try reject(value, key: batch.key(at: index), reason: "duplicate", record: record)
                            return
                        }
                        row.removeAll(keepingCapacity: true)
                        writer.append(check, record: value, to: &row)
                        key.removeAll(keepingCapacity: true)
                        key.appendDecimal(check.orderID)
                        // Record time = event time; when the order reached Kafka (for "late")
                        // travels in a header, as do its source coordinates. No Swift
                        // allocation per record: librdkafka copies the bytes.
                        try row.withUnsafeBytes { bytes in
                            try key.withUnsafeBytes { key in
                                _ = try producer.send(
                                    topic: gold, key: key, value: bytes, timestamp: check.timestamp * 1000,
                                    headerCount: 3
                                ) { headers in
                                    headers.add("source.timestamp", record.timestamp)
                                    headers.add("source.partition", Int64(record.partition))
                                    headers.add("source.offset", record.offset)
                                }
                            }
                        }
                        counts.gold += 1
                    }
                }
            }
        } catch let error where error is TransactionAborted || (error as? KafkaError) == .queueFull {
            // Aborted (a full producer queue aborts it too): nothing of the batch is visible.
            // The ids it added to the dedupe sets are not really seen: rebuild them for the
            // assignment and read again from the committed offsets (where there are none yet,
            // from the batch's first records).
            stats.aborted += 1
            logger.warning("\(error); reading the batch again")
            let partitions = consumer.assignment
            seen = [:]
            try rebuild(partitions)
            var restart = first
            for (partition, offset) in try consumer.committed(partitions, timeout: timeout) where offset >= 0 {
                restart[partition] = offset
            }
            consumer.seek(restart.filter { Set(partitions).contains($0.key) })
            return
        }
        consumer.commit(offsets.next)  // the embedded broker does not store offsets sent to a transaction
        stats.records += counts.records
        stats.gold += counts.gold
        stats.duplicates += counts.duplicates
        for (reason, n) in counts.rejected { stats.rejected[reason, default: 0] += n }
    }

    /// The record as it came, to the dead-letter topic, with where it came from and why.
    private func reject(_ value: UnsafeRawBufferPointer, key: [UInt8]?, reason: String, record: MessageBatch.Record) throws {
        try producer.send(
            topic: rejects, key: key, value: value, timestamp: record.timestamp >= 0 ? record.timestamp : nil,
            headers: [
                Header("reason", reason), Header("source.topic", source),
                Header("source.partition", "\(record.partition)"), Header("source.offset", "\(record.offset)"),
            ])
    }

    /// Partitions as runs, e.g. "0–3, 7, 9–11 (8)": a status line for 64 partitions stays one
    /// short line. "none" when empty.
    public static func describe(_ partitions: [Int32]) -> String {
        let sorted = Set(partitions).sorted()
        guard var start = sorted.first else { return "none" }
        var runs: [String] = []
        var end = start
        for partition in sorted.dropFirst() {
            if end < .max && partition == end + 1 { end = partition; continue }
            runs.append(start == end ? "\(start)" : "\(start)–\(end)")
            start = partition
            end = partition
        }
        runs.append(start == end ? "\(start)" : "\(start)–\(end)")
        return runs.joined(separator: ", ") + (sorted.count > 1 ? " (\(sorted.count))" : "")
    }

    private func say(_ text: String) {
        logger.notice("\(text.trimmingCharacters(in: .newlines))")
        if statusToStandardError { writeStandardError(text) }
    }

    /// A status line on standard error (and in the log) every 5 s.
    private func report(force: Bool) {
        let elapsed = Date().timeIntervalSince(stats.lastReport)
        guard force || elapsed >= 5 else { return }
        let rate = Double(stats.records - stats.recordsAtReport) / max(elapsed, 0.001)
        stats.lastReport = Date()
        stats.recordsAtReport = stats.records
        let rejected = stats.rejected.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        let line = "transform: partitions \(Self.describe(consumer.assignment)), lag \(consumer.lag), "
            + String(format: "%.0f", rate) + " records/s; \(stats.gold) gold, \(stats.duplicates) duplicates"
            + (rejected.isEmpty ? "" : ", rejected: \(rejected)") + (stats.aborted > 0 ? ", \(stats.aborted) aborted" : "")
        logger.info("\(line)")
        if statusToStandardError { writeStandardError(line + "\n") }
    }
}

/// A topic the service writes to does not exist (the cluster does not create it on its own).
public struct MissingTopic: Error, CustomStringConvertible {
    public var topic: String
    public var flag: String

    public var description: String {
        "topic '\(topic)' (\(flag)) does not exist on the cluster; create it (with `broker`: "
            + "--topic \(topic)) or name another with \(flag)"
    }
}
