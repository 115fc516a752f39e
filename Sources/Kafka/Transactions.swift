import CRdKafka
import Foundation
import Logging
import Synchronization

// Exactly-once consume → produce → commit, in the shape swift-kafka-client uses: a scoped
// transaction that commits (with the consumer's offsets) or aborts on a throw; a group consumer
// polled on the caller's thread that says when partitions come and go; a reader of one
// partition's range (to rebuild state from the source topic, the changelog).

/// A change of a group consumer's assignment, before librdkafka applies it.
public enum RebalanceEvent: Sendable, Equatable {
    case assigned([Int32])
    case revoked([Int32])
}

/// A record header: name and bytes.
public struct Header: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]

    public init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }
}

extension NativeClient {
    static func installRebalance(_ conf: OpaquePointer) {
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, _ in
            guard let rk, let partitions else { return }
            let context = ClientContext.from(rk)
            let list = (0..<Int(partitions.pointee.cnt)).map { partitions.pointee.elems[$0].partition }
            let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
            if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
                context?.onRebalance?(.assigned(list))
                if cooperative {
                    if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
                } else {
                    rd_kafka_assign(rk, partitions)
                }
            } else {
                context?.onRebalance?(.revoked(list))
                if cooperative {
                    if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
                } else {
                    rd_kafka_assign(rk, nil)
                }
            }
        }
    }
}

extension KafkaError {
    /// A transaction failed; `abortable`: it was aborted and the work can be done again.
    static func transaction(_ error: OpaquePointer, doing: String) -> KafkaError {
        let text = String(cString: rd_kafka_error_string(error))
        return .broker(code: rd_kafka_error_code(error).rawValue, message: "\(doing): \(text)")
    }
}

/// Offsets to commit: the next offset to read, per partition of one topic.
public struct TopicOffsets: Sendable, Equatable {
    public var topic: String
    public var next: [Int32: Int64]

    public init(topic: String, next: [Int32: Int64] = [:]) {
        self.topic = topic
        self.next = next
    }

    func makeList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(next.count))!
        for (partition, offset) in next.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        }
        return list
    }
}

extension Producer {
    /// Registers the producer's `transactional.id` with the cluster, fencing any older producer
    /// with the same id (its open transaction is aborted). Call once, before `transaction`.
    public func initTransactions(timeout: Double) throws {
        if let error = rd_kafka_init_transactions(client.handle, Int32(timeout * 1000)) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError.transaction(error, doing: "cannot start transactions")
        }
    }

    /// Runs `body` (which sends) inside one transaction that also commits `offsets` for the
    /// consumer's group: all of it becomes visible to read_committed readers, or none of it.
    /// A throw from `body`, or a failure to commit that requires it, aborts the transaction
    /// (`TransactionAborted` then says so: the caller reads the records again from the
    /// committed offsets). A fatal error (fenced by a newer instance) is thrown as is.
    public func transaction<T>(
        offsets: TopicOffsets?, consumer: GroupConsumer?, timeout: Double = 30, _ body: () throws -> T
    ) throws -> T {
        if let error = rd_kafka_begin_transaction(client.handle) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError.transaction(error, doing: "cannot begin a transaction")
        }
        let result: T
        do {
            result = try body()
            if let offsets, let consumer, !offsets.next.isEmpty {
                let list = offsets.makeList()
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let metadata = rd_kafka_consumer_group_metadata(consumer.client.handle)
                defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
                if let error = rd_kafka_send_offsets_to_transaction(client.handle, list, metadata, Int32(timeout * 1000)) {
                    throw TransactionFailure(error, doing: "cannot add the offsets to the transaction")
                }
            }
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                guard let error = rd_kafka_commit_transaction(client.handle, Int32(timeout * 1000)) else { break }
                if rd_kafka_error_is_retriable(error) != 0, Date() < deadline {
                    rd_kafka_error_destroy(error)
                    continue
                }
                throw TransactionFailure(error, doing: "cannot commit the transaction")
            }
        } catch let failure as TransactionFailure {
            if failure.fatal { throw failure.kafkaError }
            abort(timeout: timeout)
            throw TransactionAborted(reason: failure.kafkaError.description)
        } catch {
            abort(timeout: timeout)
            throw error
        }
        return result
    }

    private func abort(timeout: Double) {
        if let error = rd_kafka_abort_transaction(client.handle, Int32(timeout * 1000)) {
            client.context.logger.error("aborting a transaction failed: \(String(cString: rd_kafka_error_string(error)))")
            rd_kafka_error_destroy(error)
        }
    }
}

/// The transaction was aborted: nothing of it is visible; read again from the committed offsets.
public struct TransactionAborted: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "the transaction was aborted (\(reason))" }
}

/// An error of librdkafka's transactional API, copied out (the native error is freed here).
private struct TransactionFailure: Error {
    let kafkaError: KafkaError
    let fatal: Bool

    init(_ error: OpaquePointer, doing: String) {
        kafkaError = KafkaError.transaction(error, doing: doing)
        fatal = rd_kafka_error_is_fatal(error) != 0
        rd_kafka_error_destroy(error)
    }
}

/// A consumer in a group, polled on the caller's thread (no thread of its own, so a rebalance
/// happens between the caller's batches, never in the middle of one). Cooperative-sticky by
/// default: partitions move one at a time, the rest keep flowing. Reads committed records only.
public final class GroupConsumer: Sendable {
    let client: NativeClient
    public let topic: String

    public static let defaults: [String: String] = [
        "partition.assignment.strategy": "cooperative-sticky",
        "enable.auto.commit": "false",
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
        "statistics.interval.ms": "1000",
        "fetch.wait.max.ms": "100",
        // librdkafka 2.0 compares this with the length of the consumer's one queue (all
        // partitions together), stops fetching while it is longer and looks again only on its
        // next tick: at the default 100,000 a member catching up sat idle ~150 ms for every
        // 100k records (`transform`, 1M records: 11.6–12.0 s → 8.4–9.1 s). What is fetched
        // ahead is then bounded by `queued.max.messages.kbytes` (64 MiB of record values,
        // loosely: a fetch can overshoot it) instead of 100k records: the peak RSS while
        // catching up on 1M went from ~160 MB to ~270 MB. `-X queued.max.messages.kbytes=32768`
        // gives ~95 MB of that back for ~1 s (BENCHMARKS.md §6).
        "queued.min.messages": "1000000",
        // A member that died (kill -9, a lost machine) hands its partitions on after 10 s
        // instead of librdkafka's 45.
        "session.timeout.ms": "10000",
        "heartbeat.interval.ms": "1000",
    ]

    /// `onRebalance` runs inside `poll`, on the caller's thread, before the change is applied:
    /// state for newly assigned partitions can be rebuilt there before their first record.
    public init(
        config: KafkaConfig, topic: String, group: String, logger: Logger,
        onRebalance: @escaping @Sendable (RebalanceEvent) -> Void
    ) throws {
        var config = config
        for (name, value) in Self.defaults { config.setIfAbsent(name, value) }
        config.set("group.id", group, origin: "--group")
        self.topic = topic
        client = try NativeClient(
            kind: .consumer, config: config, context: ClientContext(logger: logger, onRebalance: onRebalance))
        rd_kafka_poll_set_consumer(client.handle)
        let list = rd_kafka_topic_partition_list_new(1)!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        let err = rd_kafka_subscribe(client.handle, list)
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// Up to `max` records, waiting up to `timeout` seconds for the first.
    public func poll(max: Int, timeout: Double) -> MessageBatch {
        var batch = MessageBatch(client: client, capacity: min(max, 1024))
        var wait = Int32(timeout * 1000)
        while batch.count < max, let message = rd_kafka_consumer_poll(client.handle, wait) {
            wait = 0
            if message.pointee.err.isOK {
                client.context.noteTraffic()
                batch.append(message)
            } else {
                if message.pointee.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
                    client.context.handleError(message.pointee.err, reason: text ?? message.pointee.err.text)
                }
                rd_kafka_message_destroy(message)
            }
        }
        return batch
    }

    /// The group's committed offsets of `partitions` (-1001, librdkafka's "invalid", when none).
    public func committed(_ partitions: [Int32], timeout: Double = 10) throws -> [Int32: Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, topic, partition) }
        let err = rd_kafka_committed(client.handle, list, Int32(timeout * 1000))
        guard err.isOK else { throw KafkaError.code(err) }
        var out: [Int32: Int64] = [:]
        for i in 0..<Int(list.pointee.cnt) { out[list.pointee.elems[i].partition] = list.pointee.elems[i].offset }
        return out
    }

    /// Commits `offsets` for the group outside any transaction. After a transaction that
    /// already committed them this changes nothing on a real cluster; the embedded broker
    /// accepts offsets sent to a transaction without storing them, so this is what makes them
    /// stick there. Errors are logged (a newer generation owns the partitions: its commits win).
    public func commit(_ offsets: [Int32: Int64]) {
        guard !offsets.isEmpty else { return }
        let list = TopicOffsets(topic: topic, next: offsets).makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_commit(client.handle, list, 0)
        if !err.isOK { client.context.logger.warning("committing offsets failed: \(err.text)") }
    }

    /// Moves the read position of assigned partitions (after an aborted transaction: back to
    /// the committed offsets).
    public func seek(_ offsets: [Int32: Int64], timeout: Double = 10) {
        let list = TopicOffsets(topic: topic, next: offsets).makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(client.handle, list, Int32(timeout * 1000)) {
            client.context.logger.warning("seek failed: \(String(cString: rd_kafka_error_string(error)))")
            rd_kafka_error_destroy(error)
        }
    }

    /// The partitions assigned now.
    public var assignment: [Int32] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list).isOK, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0].partition }
    }

    /// Records behind the end, summed over the assignment (-1 while unknown).
    public var lag: Int64 {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list).isOK, let list else { return -1 }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(client.handle, list).isOK else { return -1 }
        // A partition with nothing consumed since it was assigned has no position yet: it is
        // at its committed offset (or, with none, at its oldest record).
        let unknown = (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0] }.filter { $0.offset < 0 }.map(\.partition)
        let committed = unknown.isEmpty ? [:] : ((try? self.committed(unknown, timeout: 2)) ?? [:])
        var total: Int64 = 0
        for i in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[i]
            var low: Int64 = -1
            var high: Int64 = -1
            guard rd_kafka_get_watermark_offsets(client.handle, topic, element.partition, &low, &high).isOK,
                high >= 0
            else { return -1 }
            var position = element.offset
            if position < 0 { position = committed[element.partition].flatMap { $0 >= 0 ? $0 : nil } ?? max(0, low) }
            total += max(0, high - position)
        }
        return total
    }

    public var health: ClientHealth { client.context.health.withLock { $0 } }

    /// Leaves the group (the partitions go to the other members at once).
    public func close() {
        rd_kafka_consumer_close(client.handle)
    }
}

/// Reads one partition from `from` (a record time in ms: the first offset at or after it) up
/// to, not including, offset `until`, committed records only. For rebuilding state from the
/// source topic, which is the changelog.
public enum PartitionReader {
    public static func read(
        config: KafkaConfig, topic: String, partition: Int32, fromTime: Int64, until: Int64,
        logger: Logger, timeout: Double = 30, _ body: (MessageBatch.Record, UnsafeRawBufferPointer) -> Void
    ) throws {
        guard until > 0 else { return }
        var config = config
        config.set("group.id", "tiffin-rebuild-\(getpid())", origin: "rebuild")
        config.set("enable.auto.commit", "false", origin: "rebuild")
        config.setIfAbsent("isolation.level", "read_committed")
        config.set("enable.partition.eof", "true", origin: "rebuild")
        let client = try NativeClient(kind: .consumer, config: config, context: ClientContext(logger: logger))
        defer { rd_kafka_consumer_close(client.handle) }
        // Where the retention window starts.
        let times = rd_kafka_topic_partition_list_new(1)!
        defer { rd_kafka_topic_partition_list_destroy(times) }
        rd_kafka_topic_partition_list_add(times, topic, partition).pointee.offset = fromTime
        // The embedded broker cannot look offsets up by time (it answers -1): then from the
        // oldest record kept, which reads more than needed and changes nothing.
        var start: Int64 = -1
        if rd_kafka_offsets_for_times(client.handle, times, Int32(timeout * 1000)).isOK {
            start = times.pointee.elems[0].offset
        }
        if start < 0 {
            var low: Int64 = 0
            var high: Int64 = 0
            _ = rd_kafka_query_watermark_offsets(client.handle, topic, partition, &low, &high, Int32(timeout * 1000))
            start = max(0, low)
        }
        guard start < until else { return }
        let list = TopicOffsets(topic: topic, next: [partition: start]).makeList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client.handle, list)
        guard err.isOK else { throw KafkaError.code(err) }
        let deadline = Date().addingTimeInterval(timeout)
        var position = start
        while position < until {
            guard let message = rd_kafka_consumer_poll(client.handle, 200) else {
                if Date() > deadline {
                    throw KafkaError.unreachable(brokers: "the cluster", seconds: timeout, detail: "rebuilding partition \(partition) stopped at offset \(position) of \(until)")
                }
                continue
            }
            defer { rd_kafka_message_destroy(message) }
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                // The end of what is committed (the rest of the range was aborted or control
                // records): nothing more to read.
                break
            }
            guard m.err.isOK else { continue }
            position = m.offset + 1
            guard m.offset < until else { break }
            var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let record = MessageBatch.Record(
                partition: m.partition, offset: m.offset, timestamp: rd_kafka_message_timestamp(message, &type),
                valueIsNull: m.payload == nil)
            body(record, UnsafeRawBufferPointer(start: m.payload, count: m.len))
        }
    }
}
