import ArgumentParser
import Foundation
import Kafka

/// The Kafka flags every executable shares, in kcat's spelling.
public struct KafkaOptions: ParsableArguments {
    @Option(name: .customShort("b"), help: ArgumentHelp(
        "Bootstrap broker(s), host:port[,host:port…].", valueName: "brokers"))
    public var brokers: String?

    @Option(name: .customShort("t"), help: ArgumentHelp("Topic with the orders.", valueName: "topic"))
    public var topic: String = "restaurant-sales"

    @Option(name: .customShort("X"), help: ArgumentHelp(
        "Any librdkafka property, as key=value (repeatable; overrides -F).", valueName: "key=value"))
    public var properties: [String] = []

    @Option(name: .customShort("F"), help: ArgumentHelp(
        "Properties file: key=value lines, # comments (kcat's -F).", valueName: "file"))
    public var propertiesFile: String?

    @Option(name: .customLong("ca"), help: ArgumentHelp(
        "CA certificate (PEM) for TLS, e.g. Aiven's ca.pem.", valueName: "file"))
    public var caFile: String?

    @Option(name: .customLong("cert"), help: ArgumentHelp(
        "Client certificate (PEM), e.g. service.cert.", valueName: "file"))
    public var certificateFile: String?

    @Option(name: .customLong("key"), help: ArgumentHelp(
        "Client private key (PEM), e.g. service.key.", valueName: "file"))
    public var keyFile: String?

    public init() {}

    /// Throws the sentence for a topic name Kafka would refuse, naming its flag.
    public static func checkTopic(_ name: String, flag: String) throws {
        if name.isEmpty { throw ValidationError("\(flag) needs a topic name") }
        if let problem = KafkaConfig.topicProblem(name) {
            // Shown as printable ASCII only (the name may hold anything a shell passes).
            let shown = String(name.unicodeScalars.prefix(60).map { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F ? Character($0) : "?" })
            throw ValidationError("\(flag) \(shown)\(name.unicodeScalars.count > 60 ? "…" : ""): \(problem)")
        }
    }

    public func validate() throws {
        try Self.checkTopic(topic, flag: "-t")
        for assignment in properties where !assignment.contains("=") {
            throw ValidationError("-X \(KafkaConfig.redacted(assignment)): expected key=value, e.g. -X fetch.wait.max.ms=50")
        }
        // A client certificate is useless without its private key, and the reverse.
        if certificateFile != nil && keyFile == nil {
            throw ValidationError("--cert needs --key (the client certificate's private key), e.g. --cert service.cert --key service.key")
        }
        if keyFile != nil && certificateFile == nil {
            throw ValidationError("--key needs --cert (the client certificate it belongs to), e.g. --cert service.cert --key service.key")
        }
        for (flag, path) in [("--ca", caFile), ("--cert", certificateFile), ("--key", keyFile)] {
            if let path, let problem = fileProblem(path) {
                throw ValidationError("\(flag) \(path): \(problem)")
            }
        }
    }

    /// Builds the client configuration: defaults < -F file < --ca/--cert/--key < -X < -b.
    /// Every property is checked by librdkafka here, so mistakes surface before anything starts.
    public func makeConfig(defaults: [String: String] = [:], requireBrokers: Bool = true) throws
        -> KafkaConfig
    {
        var config = KafkaConfig(defaults: defaults)
        if let propertiesFile { try config.merge(propertiesFile: propertiesFile) }
        config.useTLS(ca: caFile, certificate: certificateFile, key: keyFile)
        for assignment in properties { try config.apply(assignment: assignment) }
        if let brokers { config.set("bootstrap.servers", brokers, origin: "-b") }
        if requireBrokers, (config["bootstrap.servers"] ?? "").isEmpty {
            throw ValidationError(
                "no Kafka broker given: pass -b HOST:PORT (or run `broker` for a local one, "
                    + "or `make demo`)")
        }
        // TLS files set through -X or -F are checked like --ca/--cert/--key (a key's path is
        // not repeated: it is secret like every ssl.key.* value).
        for name in ["ssl.ca.location", "ssl.certificate.location", "ssl.key.location"] {
            guard let path = config[name], let origin = config.origin(of: name),
                !["--ca", "--cert", "--key"].contains(origin), let problem = fileProblem(path)
            else { continue }
            let setting = KafkaConfig.isSecret(name) ? name : "\(name)=\(path)"
            throw ValidationError("\(setting) (from \(origin)): \(problem)")
        }
        try config.validate()
        return config
    }
}

/// Why `path` cannot be read as a file, in a few words (nil: it can).
func fileProblem(_ path: String) -> String? {
    var info = stat()
    guard stat(path, &info) == 0 else {
        return errno == ENOENT ? "no such file" : "cannot be read (\(String(cString: strerror(errno))))"
    }
    if info.st_mode & S_IFMT == S_IFDIR { return "is a directory, not a file" }
    // Non-blocking: a FIFO with no writer must not hold the start.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return "cannot be read (\(String(cString: strerror(errno))))" }
    close(fd)
    return nil
}


