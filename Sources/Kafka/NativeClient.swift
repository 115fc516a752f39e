import CRdKafka
import Foundation
import Logging
import Synchronization

/// What librdkafka's callbacks reach through the client's opaque pointer: the logger, the
/// connection state and, for producers, the delivery handler. It outlives the handle it serves.
final class ClientContext: Sendable {
    let logger: Logger
    let health = Mutex(ClientHealth())
    let onDelivery: (@Sendable (DeliveryReport) -> Void)?
    /// Group consumers that follow their assignment (`GroupConsumer`): called on the polling
    /// thread, inside the poll, before librdkafka applies the change.
    let onRebalance: (@Sendable (RebalanceEvent) -> Void)?
    /// Messages handed to librdkafka and not yet reported (producers only).
    let outstanding = Atomic<Int>(0)
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// The first TLS or SASL failure reported: retrying will not help, so a client waiting for
    /// its first answer gives up at once with this text.
    let handshakeFailure = Mutex<String?>(nil)
    /// Values of secret properties (a password, a key file's path): cut out of every message
    /// librdkafka hands us before it is logged or shown (OpenSSL quotes a path it cannot open).
    let secrets = Mutex<[String]>([])

    /// `text` with every secret value replaced.
    func scrubbed(_ text: String) -> String {
        let values = secrets.withLock { $0 }
        guard !values.isEmpty else { return text }
        var text = text
        for value in values where text.contains(value) {
            text = text.replacingOccurrences(of: value, with: "[redacted]")
        }
        return text
    }

    init(
        logger: Logger, onDelivery: (@Sendable (DeliveryReport) -> Void)? = nil,
        onRebalance: (@Sendable (RebalanceEvent) -> Void)? = nil
    ) {
        self.logger = logger
        self.onDelivery = onDelivery
        self.onRebalance = onRebalance
    }

    static func from(_ rk: OpaquePointer?) -> ClientContext? {
        guard let rk, let raw = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<ClientContext>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Data or a metadata answer arrived: whatever was down is evidently back.
    func noteTraffic() {
        health.withLock { health in
            if health.state != .connected { health.transition(to: .connected) }
        }
    }

    func handleError(_ err: rd_kafka_resp_err_t, reason: String) {
        let reason = scrubbed(reason)
        let logger = self.logger
        if Self.isHandshakeFailure(err, reason) { noteHandshakeFailure(Self.connectionFailureReason(reason)) }
        health.withLock { health in
            switch err {
            case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
                health.transition(to: .allBrokersDown)
            case RD_KAFKA_RESP_ERR__TRANSPORT:
                // One connection dropped; statistics (or the all-down error) tell how many remain.
                health.record(.brokerDown(reason))
            default:
                health.record(.error(reason))
            }
        }
        logger.warning("librdkafka: \(reason)", metadata: ["code": "\(err.rawValue)"])
    }

    func noteHandshakeFailure(_ reason: String) {
        handshakeFailure.withLock { if $0 == nil { $0 = reason } }
    }

    /// The cause in a librdkafka connection message, without the broker's name in front
    /// ("sasl_ssl://host:9092/bootstrap: ", "ssl://host:9092/1: ") or the state details behind
    /// ("(after 1ms in state …)").
    static func connectionFailureReason(_ text: String) -> String {
        var reason = Substring(text)
        // librdkafka's thread tag "[thrd:…]: " first, then the broker's name "proto://host:port/id: ".
        if reason.hasPrefix("[thrd:"), let end = reason.range(of: "]: ") { reason = reason[end.upperBound...] }
        if let scheme = reason.range(of: "://"), let colon = reason[scheme.upperBound...].range(of: ": "),
            !reason[scheme.upperBound..<colon.lowerBound].contains(" ")
        {
            reason = reason[colon.upperBound...]
        }
        if let after = reason.range(of: " (after ", options: .backwards) { reason = reason[..<after.lowerBound] }
        return String(reason)
    }

    /// librdkafka's reason for not creating a client, in the user's terms where it is about the
    /// TLS files: which flag gave the file, what is wrong with it, what to give instead. (The
    /// key's path is not repeated: every `ssl.key.*` value is kept out of messages.)
    static func creationFailure(_ text: String, config: KafkaConfig) -> String {
        let lower = text.lowercased()
        func named(_ property: String, flag: String) -> String {
            let origin = config.origin(of: property)
            let given = origin == flag ? "given with \(flag)" : "set as \(property)\(origin.map { " (\($0))" } ?? "")"
            guard !KafkaConfig.isSecret(property), let path = config[property] else { return given }
            return "\(given) (\(path))"
        }
        if lower.hasPrefix("ssl.ca.location failed") {
            return "the CA file \(named("ssl.ca.location", flag: "--ca")) holds no PEM certificate (\(text)); "
                + "give the CA certificate in PEM form, like the ca.pem a hosted Kafka hands out"
        }
        if lower.hasPrefix("ssl.certificate.location failed") {
            return "the client certificate \(named("ssl.certificate.location", flag: "--cert")) is not a PEM certificate (\(text)); "
                + "give the certificate in PEM form, like service.cert"
        }
        if lower.hasPrefix("ssl.key.location failed") {
            if lower.contains("key values mismatch") {
                return "the private key \(named("ssl.key.location", flag: "--key")) does not belong to the client certificate "
                    + "\(named("ssl.certificate.location", flag: "--cert")) (key values mismatch); give the key issued with that certificate"
            }
            return "the private key \(named("ssl.key.location", flag: "--key")) is not a PEM private key it can read (\(text)); "
                + "give the key in PEM form, like service.key (an encrypted key also needs -X ssl.key.password=…)"
        }
        return text
    }

    /// TLS and SASL failures: the listener speaks something else, the certificate or the
    /// credentials are wrong. librdkafka reports some of them as transport failures, so the
    /// cause (not the broker's name, which says "sasl_ssl://…" on every line) is looked at too.
    static func isHandshakeFailure(_ err: rd_kafka_resp_err_t, _ reason: String) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__SSL, RD_KAFKA_RESP_ERR__AUTHENTICATION,
            RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            return true
        default:
            let cause = connectionFailureReason(reason).lowercased()
            // "… alert certificate required: SSL alert number 116": the broker ended the
            // handshake with a TLS alert (no client certificate, an expired or unknown one).
            return ["ssl handshake failed", "sasl authentication", "sasl handshake",
                    "failed to initialize sasl", "certificate verify failed", "ssl alert number",
                    "tlsv13 alert", "sslv3 alert", "tlsv1 alert"].contains { cause.contains($0) }
        }
    }

    /// Reads broker states from librdkafka's statistics JSON (once a second by default).
    /// The document is large (every partition's counters) and arrives on the poll thread, so
    /// it is scanned for the few fields needed instead of being parsed whole.
    func handleStatistics(_ json: UnsafeRawBufferPointer) {
        let states = BrokerStates.scan(json)
        let up = states.filter { $0 == "UP" }.count
        let down = states.filter { ["DOWN", "CONNECT", "TRY_CONNECT"].contains($0) }.count
        health.withLock { health in
            if up > 0 && down == 0 {
                health.transition(to: .connected)
            } else if up == 0 && down > 0 {
                health.transition(to: .allBrokersDown)
            } else if up > 0 && down > 0 {
                health.transition(to: .degraded(down: down, of: up + down))
            }
        }
    }

    func handleThrottle(broker: String, milliseconds: Int) {
        health.withLock { health in
            health.throttleMilliseconds = milliseconds
            if milliseconds > 0 { health.record(.throttled(broker: broker, milliseconds: milliseconds)) }
        }
    }
}

/// An owned `rd_kafka_t`, destroyed exactly once when the owner goes away.
final class NativeClient: @unchecked Sendable {
    // Safety: librdkafka handles are thread-safe; the pointer itself never changes.
    let handle: OpaquePointer
    let context: ClientContext
    private let retained: Unmanaged<ClientContext>

    enum Kind { case producer, consumer }

    /// librdkafka defaults every client starts from (any can be overridden with `-X`). After
    /// failed connects librdkafka doubles its reconnect wait up to `reconnect.backoff.max.ms`,
    /// 10 s by default: a till or a wall screen then stayed offline up to ~10 s after the broker
    /// was back (7.3 s seen in an outage test's log); 2 s caps that, at one connect attempt
    /// per broker every 2 s while a broker is down. (Not below a `reconnect.backoff.ms` the
    /// user set: librdkafka refuses a maximum under the minimum.)
    static func applyDefaults(to config: inout KafkaConfig) {
        let least = config["reconnect.backoff.ms"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 100
        config.setIfAbsent("reconnect.backoff.max.ms", String(max(2_000, least)))
    }

    init(kind: Kind, config: KafkaConfig, context: ClientContext) throws {
        var config = config
        Self.applyDefaults(to: &config)
        let conf = try config.makeNativeConf()
        // Longest first, so that a value containing another is cut whole.
        context.secrets.withLock {
            $0 = config.all.filter { KafkaConfig.isSecret($0.name) && $0.value.count >= 4 }.map(\.value)
                .sorted { $0.count > $1.count }
        }
        self.context = context
        // The handle keeps a raw pointer to the context; keep it alive until the handle is gone.
        retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        Self.installCallbacks(conf, producer: kind == .producer)
        if context.onRebalance != nil { Self.installRebalance(conf) }

        var buffer = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let rk = rd_kafka_new(type, conf, &buffer, buffer.count) else {
            // On failure the configuration is still ours to free.
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError.clientCreation(
                context.scrubbed(ClientContext.creationFailure(String(cBuffer: buffer), config: config)))
        }
        handle = rk
    }

    deinit {
        rd_kafka_destroy(handle)
        retained.release()
    }

    private static func installCallbacks(_ conf: OpaquePointer, producer: Bool) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let context = ClientContext.from(rk) else { return }
            let text = context.scrubbed(message.map { String(cString: $0) } ?? "")
            let fac = facility.map { String(cString: $0) } ?? ""
            let swiftLevel: Logger.Level
            switch level {
            case ...2: swiftLevel = .critical
            case 3: swiftLevel = .error
            case 4: swiftLevel = .warning
            case 5: swiftLevel = .notice
            case 6: swiftLevel = .info
            default: swiftLevel = .debug
            }
            context.logger.log(level: swiftLevel, "\(fac): \(text)")
            // librdkafka says why a connection failed only here (facility FAIL), not through
            // the error callback: a TLS or SASL failure must not wait for the timeout.
            if fac == "FAIL", level <= 4, ClientContext.isHandshakeFailure(RD_KAFKA_RESP_ERR__TRANSPORT, text) {
                context.noteHandshakeFailure(ClientContext.connectionFailureReason(text))
            }
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let context = ClientContext.from(rk) else { return }
            context.handleError(
                rd_kafka_resp_err_t(err), reason: reason.map { String(cString: $0) } ?? "")
        }
        rd_kafka_conf_set_stats_cb(conf) { rk, json, length, _ in
            guard let context = ClientContext.from(rk), let json else { return 0 }
            context.handleStatistics(UnsafeRawBufferPointer(start: json, count: length))
            return 0
        }
        rd_kafka_conf_set_throttle_cb(conf) { rk, brokerName, _, throttle, _ in
            guard let context = ClientContext.from(rk) else { return }
            context.handleThrottle(
                broker: brokerName.map { String(cString: $0) } ?? "?", milliseconds: Int(throttle))
        }
        if producer {
            rd_kafka_conf_set_dr_msg_cb(conf) { rk, message, _ in
                guard let context = ClientContext.from(rk), let message else { return }
                let m = message.pointee
                let report = DeliveryReport(
                    id: UInt64(UInt(bitPattern: m._private)),
                    partition: m.partition, offset: m.offset,
                    error: m.err.isOK ? nil : m.err.text, code: m.err.rawValue)
                context.outstanding.subtract(1, ordering: .relaxed)
                if m.err.isOK {
                    context.delivered.add(1, ordering: .relaxed)
                } else {
                    context.failed.add(1, ordering: .relaxed)
                    // Purged at exit: still in the caller's outbox, not a failure to report.
                    if m.err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && m.err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT {
                        context.logger.error("delivery failed: \(m.err.text)")
                    }
                }
                context.onDelivery?(report)
            }
        }
    }

    private final class MetadataAnswer: @unchecked Sendable {
        // Safety: written once by the requesting thread before `done` is signalled, read after.
        var err = RD_KAFKA_RESP_ERR_NO_ERROR
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let done = DispatchSemaphore(value: 0)
    }

    private func metadataAnswer(timeout: Double, brokers: String) throws
        -> (rd_kafka_resp_err_t, UnsafePointer<rd_kafka_metadata>?)
    {
        let answer = MetadataAnswer()
        // Only a failure during this wait counts (an old one may have been followed by success).
        context.handshakeFailure.withLock { $0 = nil }
        let thread = Thread { [self] in
            answer.err = rd_kafka_metadata(handle, 1, nil, &answer.metadata, Int32(timeout * 1000))
            answer.done.signal()
        }
        thread.name = "tiffin-metadata"
        thread.start()
        while answer.done.wait(timeout: .now() + 0.05) == .timedOut {
            if let reason = context.handshakeFailure.withLock({ $0 }) {
                throw KafkaError.handshake(brokers: brokers, reason: reason)
            }
        }
        return (answer.err, answer.metadata)
    }

    /// The id of the cluster answering, waiting up to `timeout` seconds for librdkafka to learn
    /// it (nil if it did not, or the broker is too old to say).
    func clusterID(timeout: Double) -> String? {
        guard let raw = rd_kafka_clusterid(handle, Int32(timeout * 1000)) else { return nil }
        defer { rd_kafka_mem_free(handle, raw) }
        return String(cString: raw)
    }

    /// Partition count of `topic`, or an error that says why the cluster did not answer.
    /// Asks for every topic's metadata: naming the topic in the request would let a broker
    /// with auto-creation (the embedded one) create a misspelt topic instead of saying so.
    /// The request runs on a thread of its own while this one watches for a TLS or SASL failure,
    /// which ends the wait at once instead of after `timeout` seconds.
    func partitionCount(topic: String, timeout: Double, brokers: String) throws -> Int {
        let (err, metadata) = try metadataAnswer(timeout: timeout, brokers: brokers)
        guard err.isOK, let metadata else {
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT {
                let last = context.health.withLock { $0.lastError }
                throw KafkaError.unreachable(
                    brokers: brokers, seconds: timeout, detail: last ?? err.text)
            }
            throw KafkaError.code(err)
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        context.noteTraffic()
        let md = metadata.pointee
        for i in 0..<Int(md.topic_cnt) {
            let t = md.topics[i]
            guard String(cString: t.topic) == topic else { continue }
            if t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || t.partition_cnt == 0 {
                throw KafkaError.unknownTopic(topic)
            }
            guard t.err.isOK else { throw KafkaError.code(t.err) }
            return Int(t.partition_cnt)
        }
        throw KafkaError.unknownTopic(topic)
    }
}

/// What librdkafka said about one produced message.
public struct DeliveryReport: Sendable, Equatable {
    /// The id `Producer.send` returned for the message.
    public var id: UInt64
    public var partition: Int32
    public var offset: Int64
    /// nil when the message is safely stored on the cluster.
    public var error: String?
    /// librdkafka's error code (0 when delivered).
    public var code: Int32 = 0

    public init(id: UInt64, partition: Int32, offset: Int64, error: String?, code: Int32 = 0) {
        self.id = id
        self.partition = partition
        self.offset = offset
        self.error = error
        self.code = code
    }

    /// The cluster refused this record itself (too large, invalid): sending it again can never
    /// work, unlike a timeout or a broker that is down, after which the record is sent again.
    public var isRefusal: Bool { error != nil && Self.refusalCodes.contains(code) }

    static let refusalCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue,
        RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue,
        RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue,
        RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP.rawValue,
    ]

    /// Dropped by `Producer.purge` (the caller is closing and keeps its own copy).
    public var isPurged: Bool {
        code == RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue || code == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT.rawValue
    }

    /// Whether an error `send` threw is the record's own fault (see `isRefusal`).
    public static func isRefusal(_ error: any Error) -> Bool {
        if case let .broker(code, _) = error as? KafkaError { return refusalCodes.contains(code) }
        return false
    }
}

/// Finds the `state` of every broker librdkafka learned from the cluster in a statistics
/// document (`"brokers": {"host:port/1": {… "source": "learned", "state": "UP", …}}`); when none
/// was learned yet, the configured bootstrap brokers count instead.
enum BrokerStates {
    static func scan(_ json: UnsafeRawBufferPointer) -> [String] {
        let bytes = json.bindMemory(to: UInt8.self)
        guard let brokers = find(Array(#""brokers":"#.utf8), in: bytes, from: 0) else { return [] }
        let end = find(Array(#""topics":"#.utf8), in: bytes, from: brokers) ?? bytes.count
        let sourceKey = Array(#""source":""#.utf8)
        let stateKey = Array(#""state":""#.utf8)
        var learned: [String] = []
        var configured: [String] = []
        var at = brokers
        while let s = find(sourceKey, in: bytes, from: at), s < end {
            let source = value(in: bytes, at: s + sourceKey.count)
            guard let t = find(stateKey, in: bytes, from: s), t < end else { break }
            let state = value(in: bytes, at: t + stateKey.count)
            if source == "learned" { learned.append(state) }
            if source == "configured" { configured.append(state) }
            at = t + stateKey.count
        }
        return learned.isEmpty ? configured : learned
    }

    private static func value(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> String {
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    private static func find(_ needle: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
