import CRdKafka
import Foundation
import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, `acks=all`).
///
/// `send` copies the message into librdkafka's queue and returns an id; a background thread
/// (or, with `reportsOnCaller`, the caller's own `poll`) serves delivery reports, which reach
/// `onDelivery` with that id. `flush` waits for all of them.
public final class Producer: Sendable {
    let client: NativeClient
    private let nextID = Atomic<UInt64>(1)
    private let poller: DeliveryPoller?

    /// librdkafka defaults this producer starts from (any can be overridden with `-X`).
    public static let defaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "linger.ms": "5",
        "statistics.interval.ms": "1000",
    ]

    /// `reportsOnCaller`: no thread of its own; reports (and client callbacks) are served
    /// only by `poll`, `flush` and a `send` that waits for room. For a caller that sends in a
    /// loop: librdkafka then frees each delivered message on the thread that allocated it,
    /// which glibc's allocator does without taking a lock.
    public init(
        config: KafkaConfig, logger: Logger, reportsOnCaller: Bool = false,
        onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil
    ) throws {
        var config = config
        for (name, value) in Self.defaults { config.setIfAbsent(name, value) }
        client = try NativeClient(
            kind: .producer, config: config,
            context: ClientContext(logger: logger, onDelivery: onDelivery))
        poller = reportsOnCaller ? nil : DeliveryPoller(client: client)
    }

    deinit {
        poller?.stop()
    }

    /// Serves what is due (delivery reports, client callbacks), waiting up to `timeout`
    /// seconds for the first.
    public func poll(timeout: Double) {
        rd_kafka_poll(client.handle, Int32(max(0, timeout) * 1000))
    }

    /// Queues one message. `timestamp` is the record time in milliseconds since the epoch
    /// (nil: now). Waits up to `queueFullTimeout` seconds while librdkafka's queue is full.
    @discardableResult
    public func send(
        topic: String, key: [UInt8]? = nil, value: UnsafeRawBufferPointer,
        timestamp: Int64? = nil, partition: Int32? = nil, headers: [Header] = [], queueFullTimeout: Double = 30,
        id chosen: UInt64? = nil
    ) throws -> UInt64 {
        try queue(id: chosen, queueFullTimeout: queueFullTimeout) { opaque in
            // librdkafka takes the headers on success; on failure they are still ours.
            var list: OpaquePointer?
            if !headers.isEmpty {
                list = rd_kafka_headers_new(headers.count)
                for header in headers {
                    header.value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(list, header.name, -1, bytes.baseAddress, bytes.count)
                    }
                }
            }
            let err: rd_kafka_resp_err_t = (key ?? []).withUnsafeBytes { k in
                tiffin_produce_headers(
                    client.handle, topic, partition ?? RD_KAFKA_PARTITION_UA, key == nil ? nil : k.baseAddress,
                    key == nil ? 0 : k.count, value.baseAddress, value.count, timestamp ?? 0, list, opaque)
            }
            if !err.isOK, let list { rd_kafka_headers_destroy(list) }
            return err
        }
    }

    /// The same with the key as bytes in place (nil: no key) and no headers: for senders that
    /// keep records in a buffer of their own (librdkafka copies both).
    @discardableResult
    public func send(
        topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, timestamp: Int64? = nil,
        queueFullTimeout: Double = 30, id chosen: UInt64? = nil
    ) throws -> UInt64 {
        try queue(id: chosen, queueFullTimeout: queueFullTimeout) { opaque in
            tiffin_produce_headers(
                client.handle, topic, RD_KAFKA_PARTITION_UA, key?.baseAddress, key?.count ?? 0,
                value.baseAddress, value.count, timestamp ?? 0, nil, opaque)
        }
    }

    /// A handle on `name` for `send(to:…)`: librdkafka then skips finding the topic by name for
    /// every message. Settings come from the producer's configuration.
    public func topic(_ name: String) throws -> TopicHandle {
        try TopicHandle(client: client, name: name)
    }

    /// `send(topic:key:value:…)` through a topic handle.
    @discardableResult
    public func send(
        to topic: TopicHandle, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, timestamp: Int64? = nil,
        queueFullTimeout: Double = 30, id chosen: UInt64? = nil
    ) throws -> UInt64 {
        precondition(topic.client === client, "a topic handle of another producer")
        return try queue(id: chosen, queueFullTimeout: queueFullTimeout) { opaque in
            tiffin_produce_rkt(
                client.handle, topic.pointer, key?.baseAddress, key?.count ?? 0,
                value.baseAddress, value.count, timestamp ?? 0, opaque)
        }
    }

    /// The same with headers added in place by `headers` (given an empty list for this message;
    /// called again if the message must be queued again): for senders of many records, which
    /// need no array, string or key copy per record. `headerCount` is a hint for the list's size.
    @discardableResult
    public func send(
        topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer, timestamp: Int64? = nil,
        headerCount: Int, headers: (borrowing HeaderList) -> Void, queueFullTimeout: Double = 30
    ) throws -> UInt64 {
        precondition(headerCount >= 0, "a negative header count")
        return try queue(id: nil, queueFullTimeout: queueFullTimeout) { opaque in
            let list = rd_kafka_headers_new(headerCount)!
            headers(HeaderList(list: list))
            let err = tiffin_produce_headers(
                client.handle, topic, RD_KAFKA_PARTITION_UA, key?.baseAddress, key?.count ?? 0,
                value.baseAddress, value.count, timestamp ?? 0, list, opaque)
            if !err.isOK { rd_kafka_headers_destroy(list) }
            return err
        }
    }

    /// Runs `produce` (one librdkafka call, given the message's opaque id) until the message is
    /// queued; while the queue is full, serves reports and tries again for up to
    /// `queueFullTimeout` seconds. The clock is read only once the queue is full.
    private func queue(
        id chosen: UInt64?, queueFullTimeout: Double, _ produce: (UnsafeMutableRawPointer?) -> rd_kafka_resp_err_t
    ) throws -> UInt64 {
        let id = chosen ?? nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(id))
        var deadline: Date?
        client.context.outstanding.add(1, ordering: .relaxed)
        while true {
            let err = produce(opaque)
            if err.isOK { return id }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL,
                Date() < deadline ?? { deadline = Date().addingTimeInterval(queueFullTimeout); return deadline! }()
            {
                rd_kafka_poll(client.handle, 10)
                continue
            }
            client.context.outstanding.subtract(1, ordering: .relaxed)
            throw err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? KafkaError.queueFull : KafkaError.code(err)
        }
    }

    /// Convenience for byte arrays.
    @discardableResult
    public func send(
        topic: String, key: [UInt8]? = nil, value: [UInt8], timestamp: Int64? = nil,
        partition: Int32? = nil, queueFullTimeout: Double = 30, id: UInt64? = nil
    ) throws -> UInt64 {
        try value.withUnsafeBytes {
            try send(
                topic: topic, key: key, value: $0, timestamp: timestamp, partition: partition,
                queueFullTimeout: queueFullTimeout, id: id)
        }
    }

    /// Drops every message not yet delivered (queued or in flight) without waiting; each gets
    /// a delivery report with a purge error. For callers that keep their own copy (the outbox)
    /// and must exit now.
    public func purge() {
        _ = rd_kafka_purge(client.handle, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT)
        rd_kafka_poll(client.handle, 0)
    }

    /// Waits until every queued message is acknowledged or failed.
    public func flush(timeout: Double) throws {
        let err = rd_kafka_flush(client.handle, Int32(timeout * 1000))
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw KafkaError.flushTimedOut(outstanding: Int(rd_kafka_outq_len(client.handle)))
        }
        if !err.isOK { throw KafkaError.code(err) }
    }

    /// Messages handed to `send` and not yet reported delivered or failed.
    public var outstanding: Int { client.context.outstanding.load(ordering: .relaxed) }
    public var deliveredCount: Int { client.context.delivered.load(ordering: .relaxed) }
    public var failedCount: Int { client.context.failed.load(ordering: .relaxed) }
    public var health: ClientHealth { client.context.health.withLock { $0 } }

    /// Waits up to `timeout` seconds for the cluster to answer a metadata request for `topic`,
    /// so a caller can fail early with a clear sentence instead of queueing into the void.
    public func checkTopic(_ topic: String, timeout: Double) throws -> Int {
        try client.partitionCount(
            topic: topic, timeout: timeout, brokers: client.brokersDescription)
    }
}

/// Serves delivery reports and client callbacks on its own thread until stopped.
private final class DeliveryPoller: Sendable {
    private let worker: Worker

    init(client: NativeClient) {
        worker = Worker(name: "tiffin-producer-poll") { worker in
            while !worker.isStopping { rd_kafka_poll(client.handle, 100) }
        }
    }

    /// Waits for the thread (it wakes every 100 ms) so it never polls a freed handle.
    func stop() {
        worker.stop()
        worker.join()
    }
}

extension NativeClient {
    /// `bootstrap.servers` as configured, for error messages.
    var brokersDescription: String { configured("bootstrap.servers") ?? "?" }

    /// A property's value as the client runs with it (defaults included), or nil.
    func configured(_ name: String) -> String? {
        var size = 512
        var buffer = [CChar](repeating: 0, count: size)
        // The configuration is not retained on the handle in a readable form, so ask librdkafka.
        guard let conf = rd_kafka_conf(handle) else { return nil }
        guard rd_kafka_conf_get(conf, name, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(cBuffer: buffer)
    }
}

/// A producer's handle on one topic (`Producer.topic(_:)`). It keeps its producer's client
/// alive, so the handle is always destroyed before the client.
public final class TopicHandle: @unchecked Sendable {
    // Safety: librdkafka's topic handles are thread-safe; the pointer never changes.
    let client: NativeClient
    let pointer: OpaquePointer
    public let name: String

    init(client: NativeClient, name: String) throws {
        // NULL configuration: the producer's (topic-level settings given to the client apply).
        guard let pointer = rd_kafka_topic_new(client.handle, name, nil) else {
            throw KafkaError.clientCreation(
                "topic name '\(name.prefix(80))' is not usable: "
                    + (KafkaConfig.topicProblem(name) ?? rd_kafka_last_error().text))
        }
        self.client = client
        self.name = name
        self.pointer = pointer
    }

    deinit {
        rd_kafka_topic_destroy(pointer)
    }
}

/// One message's header list while it is being built (see `Producer.send(…headers:)`).
/// Not copyable: librdkafka owns the list once the message is queued, so it cannot be kept.
public struct HeaderList: ~Copyable {
    let list: OpaquePointer

    /// A header whose value is the decimal digits of `value` (written without an allocation).
    public func add(_ name: StaticString, _ value: Int64) {
        withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { buffer in
            var n = value.magnitude
            var start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: 0x30 + n % 10)
                n /= 10
            } while n > 0
            if value < 0 { start -= 1; buffer[start] = 0x2D }
            add(name, UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// A header with these bytes as its value.
    public func add(_ name: StaticString, _ value: UnsafeRawBufferPointer) {
        name.withUTF8Buffer { name in
            _ = rd_kafka_header_add(
                list, UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self), name.count,
                value.baseAddress, value.count)
        }
    }
}

