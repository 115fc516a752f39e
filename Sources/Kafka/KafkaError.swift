import CRdKafka

/// Everything that can go wrong talking to Kafka, as sentences a person can act on.
public enum KafkaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration property was rejected by librdkafka (unknown name, bad value).
    case invalidProperty(name: String, source: String, reason: String)
    /// A properties file could not be read or has a malformed line.
    case propertiesFile(path: String, line: Int?, reason: String)
    /// librdkafka refused to create a client (for example an unreadable certificate).
    case clientCreation(String)
    /// The cluster could not be reached within the time allowed.
    case unreachable(brokers: String, seconds: Double, detail: String)
    /// A TLS or SASL handshake failed: retrying the same settings will not help.
    case handshake(brokers: String, reason: String)
    /// The topic does not exist on the cluster.
    case unknownTopic(String)
    /// Any other error librdkafka reported, with its code and message.
    case broker(code: Int32, message: String)
    /// The producer could not deliver everything within the time allowed.
    case flushTimedOut(outstanding: Int)
    /// The local producer queue stayed full for too long.
    case queueFull

    public var description: String {
        switch self {
        case let .invalidProperty(name, source, reason):
            return "Kafka property '\(name)' (\(source)) was rejected: \(reason)"
        case let .propertiesFile(path, line, reason):
            if let line { return "\(path):\(line): \(reason)" }
            return "cannot read properties file \(path): \(reason)"
        case let .clientCreation(message):
            return "cannot create the Kafka client: \(message)"
        case let .unreachable(brokers, seconds, detail):
            let secs = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
            return "cannot reach Kafka at \(brokers) within \(secs) s (\(detail)); "
                + "check the address with -b, or start one with `broker`"
        case let .handshake(brokers, reason):
            let lower = reason.lowercased()
            let hint: String
            if lower.contains("plaintext") || lower.contains("wrong version number")
                || lower.contains("handshake not supported") || lower.contains("unexpected eof")
            {
                hint = "the listener speaks another protocol: check -X security.protocol (and --ca/--cert/--key) against the broker's listener"
            } else if lower.contains("alert certificate required") {
                hint = "the broker asks for a client certificate: give --cert and --key (like service.cert and service.key)"
            } else if lower.contains("alert certificate expired") {
                hint = "the broker refused the client certificate given with --cert: it has expired; ask for a new one"
            } else if lower.contains("alert certificate revoked") {
                hint = "the broker refused the client certificate given with --cert: it has been revoked"
            } else if lower.contains("alert bad certificate") || lower.contains("alert unknown ca")
                || lower.contains("alert certificate unknown") || lower.contains("alert unsupported certificate")
                || lower.contains("alert access denied")
            {
                // TLS 1.2 brokers answer a missing certificate this way too.
                hint = "the broker did not accept a client certificate: give --cert and --key if none was given, "
                    + "else the one given was not issued by a CA the broker trusts"
            } else if lower.contains("certificate verify failed") || lower.contains("unable to get local issuer") {
                hint = "the broker's certificate is not signed by the CA given with --ca"
            } else if lower.contains("sasl") {
                hint = "check -X sasl.mechanisms, sasl.username and sasl.password"
            } else {
                hint = "check --ca, --cert and --key (and -X security.protocol)"
            }
            return "cannot connect to Kafka at \(brokers): \(reason); \(hint)"
        case let .unknownTopic(topic):
            return "topic '\(topic)' does not exist on the cluster; check the name with -t "
                + "(list topics with `kcat -b ADDR -L`)"
        case let .broker(code, message):
            return "Kafka error \(code): \(message)"
        case let .flushTimedOut(outstanding):
            return "\(outstanding) message(s) were not acknowledged by Kafka in time"
        case .queueFull:
            return "the local producer queue stayed full; Kafka is not keeping up"
        }
    }

    /// Wraps a librdkafka response code with librdkafka's own text.
    static func code(_ err: rd_kafka_resp_err_t) -> KafkaError {
        .broker(code: err.rawValue, message: String(cString: rd_kafka_err2str(err)))
    }
}

extension rd_kafka_resp_err_t {
    static let ok = RD_KAFKA_RESP_ERR_NO_ERROR
    var isOK: Bool { self == RD_KAFKA_RESP_ERR_NO_ERROR }
    var text: String { String(cString: rd_kafka_err2str(self)) }
}

extension String {
    /// Text from a NUL-terminated C buffer that librdkafka filled.
    init(cBuffer buffer: [CChar]) {
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        self = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
