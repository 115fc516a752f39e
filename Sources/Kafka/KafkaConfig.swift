import CRdKafka
import Foundation

/// librdkafka client properties, gathered in kcat's order of precedence:
/// built-in defaults, then a properties file (`-F`), then the TLS shortcuts, then each `-X key=value`.
/// A later source overrides an earlier one; every value remembers where it came from so an error
/// can say "`-X fetch.wait.max.ms` (from -X) was rejected: …".
public struct KafkaConfig: Sendable, Equatable {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String
        /// Where the value came from: "default", "-X", "ca.properties:3", "--ca".
        public var origin: String
    }

    private var properties: [String: Property] = [:]
    private var order: [String] = []

    public init(defaults: [String: String] = [:]) {
        for (name, value) in defaults.sorted(by: { $0.key < $1.key }) {
            set(name, value, origin: "default")
        }
    }

    public subscript(name: String) -> String? { properties[name]?.value }

    public func origin(of name: String) -> String? { properties[name]?.origin }

    /// All properties in the order they were first set.
    public var all: [Property] { order.compactMap { properties[$0] } }

    public mutating func set(_ name: String, _ value: String, origin: String = "-X") {
        if properties[name] == nil { order.append(name) }
        properties[name] = Property(name: name, value: value, origin: origin)
    }

    /// Sets only when no value is present yet (for defaults an executable adds late).
    public mutating func setIfAbsent(_ name: String, _ value: String) {
        if properties[name] == nil { set(name, value, origin: "default") }
    }

    /// Applies one `key=value` assignment as given to `-X`.
    public mutating func apply(assignment: String, origin: String = "-X") throws {
        guard let (name, value) = Self.split(assignment) else {
            throw KafkaError.invalidProperty(
                name: Self.redacted(assignment), source: origin,
                reason: "expected key=value, for example -X fetch.wait.max.ms=50")
        }
        set(name, value, origin: origin)
    }

    /// Reads a kcat-style properties file: `key=value` lines, `#` comments, blank lines.
    public mutating func merge(propertiesFile path: String) throws {
        try merge(propertiesText: Self.readPropertiesFile(path), path: path)
    }

    /// The file's text, or an error that says why not in the user's words (a directory given by
    /// mistake must not be reported as an encoding problem).
    private static func readPropertiesFile(_ path: String) throws -> String {
        func failure(_ reason: String) -> KafkaError {
            .propertiesFile(path: path, line: nil, reason: reason)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        if isDirectory.boolValue { throw failure("is a directory, not a properties file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case EACCES, EPERM: throw failure("cannot read it (permission denied)")
            case ENOENT: throw failure("no such file")
            default: throw failure("cannot read it (\(String(cString: strerror(code))))")
            }
        }
        let data: Data
        do {
            data = try FileHandle(fileDescriptor: fd, closeOnDealloc: true).readToEnd() ?? Data()
        } catch {
            throw failure("cannot read it")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw failure("not UTF-8 text") }
        return text
    }

    /// Parses properties-file text; `path` names the file in errors and origins.
    public mutating func merge(propertiesText text: String, path: String) throws {
        let name = (path as NSString).lastPathComponent
        var previousKey: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let (key, value) = Self.split(line) else {
                let reason: String
                if let previousKey, Self.isSecret(previousKey) {
                    // Most likely the second line of a PEM key or a wrapped password: quoting it
                    // would print part of the secret.
                    reason = "expected key=value; this line seems to continue \(previousKey) "
                        + "(not shown), and a value must stay on one line"
                } else {
                    reason = "expected key=value, found '\(Self.redacted(line).prefix(60))'"
                }
                throw KafkaError.propertiesFile(path: path, line: index + 1, reason: reason)
            }
            set(key, value, origin: "\(name):\(index + 1)")
            previousKey = key
        }
    }

    /// The seed's Aiven files: `--ca ca.pem --cert service.cert --key service.key`.
    public mutating func useTLS(ca: String?, certificate: String?, key: String?) {
        guard ca != nil || certificate != nil || key != nil else { return }
        set("security.protocol", "ssl", origin: "--ca/--cert/--key")
        if let ca { set("ssl.ca.location", ca, origin: "--ca") }
        if let certificate { set("ssl.certificate.location", certificate, origin: "--cert") }
        if let key { set("ssl.key.location", key, origin: "--key") }
    }

    /// Properties whose values are never printed or logged: passwords and secrets of any kind,
    /// private keys (`ssl.key.*`, `ssl_key`), keystores and everything OAUTHBEARER (its config
    /// carries client secrets). This is the one rule; every message that quotes a value asks it.
    public static func isSecret(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.contains("password") || lower.contains("secret")
            || lower.hasPrefix("ssl.key.") || lower == "ssl_key"
            || lower.hasPrefix("ssl.keystore.") || lower.hasPrefix("sasl.oauthbearer.")
    }

    /// A line or `-X` assignment safe to quote in a message. Its key is what comes before the
    /// first '=', ':' or whitespace (so `sasl.password: hunter2`, a Java-style line, is caught
    /// too); when that key is secret, everything after the separator becomes `[redacted]`.
    public static func redacted(_ text: some StringProtocol) -> String {
        let text = String(text)
        let isSeparator: (Character) -> Bool = { $0 == "=" || $0 == ":" || $0.isWhitespace }
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        guard let keyEnd = text[start...].firstIndex(where: isSeparator) else { return text }
        let key = String(text[start..<keyEnd])
        guard !key.isEmpty, isSecret(key) else { return text }
        let valueStart = text[keyEnd...].firstIndex { !isSeparator($0) } ?? text.endIndex
        return String(text[..<valueStart]) + "[redacted]"
    }

    /// `name=value` lines safe to show: secret values become `[redacted]`.
    public var redactedLines: [String] {
        all.map { "\($0.name)=\(Self.isSecret($0.name) ? "[redacted]" : $0.value)" }
    }

    /// Checks every property against librdkafka without creating a client.
    public func validate() throws {
        let conf = try makeNativeConf()
        rd_kafka_conf_destroy(conf)
    }

    /// A fresh `rd_kafka_conf_t` holding every property; the caller owns it.
    func makeNativeConf() throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError.clientCreation("out of memory")
        }
        var buffer = [CChar](repeating: 0, count: 512)
        for property in all {
            let result = rd_kafka_conf_set(conf, property.name, property.value, &buffer, buffer.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                var reason = String(cBuffer: buffer)
                if Self.isSecret(property.name), !property.value.isEmpty {
                    reason = reason.replacingOccurrences(of: property.value, with: "[redacted]")
                }
                throw KafkaError.invalidProperty(
                    name: property.name, source: "from \(property.origin)", reason: reason)
            }
        }
        return conf
    }

    /// `key=value` split at the first '='. A key holding ':' or whitespace is no property name but
    /// a mistyped line (`sasl.password: abc==`), so it is refused rather than passed on to
    /// librdkafka, whose rejection would quote it.
    private static func split(_ assignment: some StringProtocol) -> (String, String)? {
        guard let eq = assignment.firstIndex(of: "=") else { return nil }
        let name = assignment[..<eq].trimmingCharacters(in: .whitespaces)
        let value = assignment[assignment.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !name.contains(where: { $0 == ":" || $0.isWhitespace }) else {
            return nil
        }
        return (name, value)
    }
}

extension KafkaConfig {
    /// Why Kafka would refuse `name` as a topic name, or nil: 1 to 249 characters of a–z, A–Z,
    /// 0–9, '.', '_' and '-', and not "." or "..". (The embedded broker accepts any name; a
    /// real cluster does not, so the mistake is caught here, the same way for both.)
    public static func topicProblem(_ name: String) -> String? {
        if name.isEmpty { return "a topic needs a name" }
        if name == "." || name == ".." { return "'\(name)' cannot be a topic name" }
        if let bad = name.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))) }) {
            // Shown as itself only when it is printable ASCII: anything else could be a
            // terminal control or invisible.
            let hex = String(bad.value, radix: 16, uppercase: true)
            let shown = bad.isASCII && bad.value > 0x20 && bad.value < 0x7F
                ? "'\(bad)'" : "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not \(shown))"
        }
        // Only ASCII by now: bytes are characters.
        if name.utf8.count > 249 { return "a topic name is at most 249 characters (this one has \(name.utf8.count))" }
        return nil
    }
}
