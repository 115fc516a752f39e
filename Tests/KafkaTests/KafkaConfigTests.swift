import Foundation
import Testing
@testable import Kafka
import TestSupport
import TiffinCLI

@Suite struct KafkaConfigTests {
    @Test func laterSourcesOverrideEarlierOnes() throws {
        var config = KafkaConfig(defaults: ["linger.ms": "5", "acks": "all", "client.id": "tiffin"])
        try config.merge(propertiesText: """
            # the team's cluster
            linger.ms = 20
            bootstrap.servers=kafka.example:9092

            acks=1
            """, path: "/etc/tiffin/kafka.properties")
        config.useTLS(ca: "ca.pem", certificate: "service.cert", key: "service.key")
        try config.apply(assignment: "acks=all")
        #expect(config["linger.ms"] == "20")
        #expect(config.origin(of: "linger.ms") == "kafka.properties:2")
        #expect(config["acks"] == "all")
        #expect(config.origin(of: "acks") == "-X")
        #expect(config["client.id"] == "tiffin")
        #expect(config.origin(of: "client.id") == "default")
        #expect(config["security.protocol"] == "ssl")
        #expect(config["ssl.ca.location"] == "ca.pem")
        #expect(config["ssl.certificate.location"] == "service.cert")
        #expect(config["ssl.key.location"] == "service.key")
    }

    @Test func anXFlagOverridesTheTLSShortcut() throws {
        var config = KafkaConfig()
        config.useTLS(ca: "ca.pem", certificate: nil, key: nil)
        try config.apply(assignment: "security.protocol=sasl_ssl")
        #expect(config["security.protocol"] == "sasl_ssl")
    }

    @Test func aBadFileLineNamesTheFileAndLine() {
        var config = KafkaConfig()
        #expect(throws: KafkaError.propertiesFile(path: "x.properties", line: 3, reason: "expected key=value, found 'oops'")) {
            try config.merge(propertiesText: "a=1\n\noops\n", path: "x.properties")
        }
    }

    @Test func aMissingFileIsSaidPlainly() {
        var config = KafkaConfig()
        #expect(throws: KafkaError.propertiesFile(path: "/nonexistent/k.properties", line: nil, reason: "no such file")) {
            try config.merge(propertiesFile: "/nonexistent/k.properties")
        }
    }

    @Test func anAssignmentWithoutEqualsIsRejected() {
        var config = KafkaConfig()
        #expect(throws: KafkaError.self) { try config.apply(assignment: "fetch.wait.max.ms") }
    }

    @Test func librdkafkaRejectionsNameTheProperty() {
        var config = KafkaConfig()
        config.set("no.such.property", "1", origin: "-X")
        #expect(throws: KafkaError.invalidProperty(
            name: "no.such.property", source: "from -X",
            reason: #"No such configuration property: "no.such.property""#)) { try config.validate() }

        var bad = KafkaConfig()
        bad.set("fetch.wait.max.ms", "soon", origin: "kafka.properties:4")
        do {
            try bad.validate()
            Issue.record("expected an error")
        } catch let error as KafkaError {
            #expect(error.description.contains("'fetch.wait.max.ms' (from kafka.properties:4)"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func secretsAreNeverPrinted() {
        var config = KafkaConfig()
        config.set("sasl.password", "hunter2")
        config.set("ssl.key.password", "s3cret")
        config.set("sasl.username", "till")
        let shown = config.redactedLines.joined(separator: "\n")
        #expect(!shown.contains("hunter2") && !shown.contains("s3cret"))
        #expect(shown.contains("sasl.username=till"))
        #expect(shown.contains("sasl.password=[redacted]"))
    }

    @Test func aSecretInAnErrorMessageIsRedacted() {
        var config = KafkaConfig()
        config.set("sasl.mechanism", "hunter2-mechanism")
        // Not a secret: its value may appear. A secret property's value never does.
        config.set("ssl.key.password", "hunter2")
        do {
            try config.validate()
        } catch {
            #expect(!"\(error)".contains("hunter2\""))
        }
    }

    // Issue 6: a mistyped line never echoes a secret, whatever the separator.

    @Test func aJavaStyleSecretLineIsMaskedInFileErrors() {
        var config = KafkaConfig()
        do {
            try config.merge(propertiesText: "bootstrap.servers=kafka:9092\nsasl.password: hunter2\n", path: "client.properties")
            Issue.record("accepted a line without '='")
        } catch {
            let message = "\(error)"
            #expect(message == "client.properties:2: expected key=value, found 'sasl.password: [redacted]'")
            #expect(!message.contains("hunter2"))
        }
    }

    @Test func aJavaStyleSecretAssignmentIsMaskedInXErrors() {
        var config = KafkaConfig()
        do {
            try config.apply(assignment: "sasl.password:hunter2")
            Issue.record("accepted an assignment without '='")
        } catch {
            let message = "\(error)"
            #expect(message.contains("sasl.password") && !message.contains("hunter2"), "\(message)")
        }
    }

    @Test(arguments: [
        "sasl.password", "SASL.PASSWORD", "ssl.key.password", "ssl.key.pem", "ssl_key",
        "ssl.keystore.password", "ssl.keystore.location", "sasl.oauthbearer.config",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.client.id", "my.client.secret",
    ])
    func everySecretKeyIsMaskedWithEverySeparator(key: String) {
        #expect(KafkaConfig.isSecret(key))
        for line in ["\(key): hunter2", "\(key):hunter2", "\(key) hunter2", "  \(key)\thunter2", "\(key) : hunter2 = x"] {
            var config = KafkaConfig()
            do {
                try config.merge(propertiesText: line, path: "client.properties")
                Issue.record("accepted '\(line)'")
            } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
                #expect("\(error)".contains(key), "\(error)")
            }
            do {
                try config.apply(assignment: line)
                Issue.record("accepted -X '\(line)'")
            } catch {
                #expect(!"\(error)".contains("hunter2"), "\(error)")
                #expect("\(error)".contains(key), "\(error)")
            }
        }
    }

    @Test func ordinaryKeysAreQuotedInFull() {
        #expect(!KafkaConfig.isSecret("sasl.username"))
        #expect(!KafkaConfig.isSecret("ssl.ca.location"))
        #expect(KafkaConfig.redacted("fetch.wait.max.ms: 50") == "fetch.wait.max.ms: 50")
        #expect(KafkaConfig.redacted("sasl.password=hunter2") == "sasl.password=[redacted]")
    }

    @Test func aBase64SecretWithEqualsIsNotTakenForAName() {
        // Split at the first '=', this line would make a property named "sasl.password: aHVudGVy",
        // which librdkafka would then reject by quoting its name.
        var config = KafkaConfig()
        #expect(throws: KafkaError.self) {
            try config.merge(propertiesText: "sasl.password: aHVudGVyMg==", path: "client.properties")
        }
        do {
            try config.apply(assignment: "sasl.password: aHVudGVyMg==")
        } catch {
            #expect(!"\(error)".contains("aHVudGVy"), "\(error)")
        }
        #expect(config["sasl.password: aHVudGVyMg"] == nil)
    }

    @Test func theRestOfAMultiLineKeyIsNotQuoted() {
        var config = KafkaConfig()
        do {
            try config.merge(
                propertiesText: "ssl.key.pem=-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n",
                path: "client.properties")
            Issue.record("accepted a key split over lines")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("client.properties:2: "), "\(message)")
            #expect(message.contains("ssl.key.pem") && !message.contains("MIIEv"), "\(message)")
        }
    }

    @Test func aDirectoryIsNotAPropertiesFile() throws {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("tiffin-props-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var config = KafkaConfig()
        #expect(throws: KafkaError.propertiesFile(
            path: folder, line: nil, reason: "is a directory, not a properties file")) {
            try config.merge(propertiesFile: folder)
        }
    }

    @Test func aFileThatIsNotUTF8IsSaidSo() throws {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tiffin-props-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: path, contents: Data([0x61, 0x3D, 0xFF, 0xFE, 0x0A]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = KafkaConfig()
        #expect(throws: KafkaError.propertiesFile(path: path, line: nil, reason: "not UTF-8 text")) {
            try config.merge(propertiesFile: path)
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads any file"))
    func anUnreadableFileSaysPermissionDenied() throws {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tiffin-props-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: path, contents: Data("acks=1\n".utf8), attributes: [.posixPermissions: 0o000])
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = KafkaConfig()
        #expect(throws: KafkaError.propertiesFile(
            path: path, line: nil, reason: "cannot read it (permission denied)")) {
            try config.merge(propertiesFile: path)
        }
    }
}

/// TLS files given through -X are checked like --ca/--cert/--key, and a key's path stays out of
/// the sentence; the value of every secret property is cut out of what librdkafka says.
@Suite struct TLSFileSettingTests {
    @Test func aMissingFileSetWithXIsOneSentence() throws {
        func problem(_ arguments: [String]) -> String? {
            do {
                _ = try KafkaOptions.parse(arguments).makeConfig()
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(["-b", "h:1", "-X", "ssl.ca.location=/nope/ca.pem"]) == "ssl.ca.location=/nope/ca.pem (from -X): no such file")
        #expect(problem(["-b", "h:1", "-X", "ssl.key.location=/hidden/service.key"]) == "ssl.key.location (from -X): no such file")
        #expect(problem(["-b", "h:1", "-X", "ssl.certificate.location=/tmp"]) == "ssl.certificate.location=/tmp (from -X): is a directory, not a file")
    }

    @Test func secretValuesAreCutOutOfLibrdkafkasText() {
        let context = ClientContext(logger: quietLogger)
        context.secrets.withLock { $0 = ["/hidden/service.key", "hunter22"] }
        #expect(context.scrubbed("error:80000002:system library::No such file or directory: calling fopen(/hidden/service.key, r) with hunter22")
            == "error:80000002:system library::No such file or directory: calling fopen([redacted], r) with [redacted]")
    }
}

/// A topic name a real cluster would refuse is caught before anything starts (the embedded
/// broker accepts any name, so without this a demo works and production does not).
@Suite struct TopicNameTests {
    @Test func kafkasRulesForTopicNames() {
        for good in ["restaurant-sales", "a", "Sales_2026.v1", String(repeating: "x", count: 249)] {
            #expect(KafkaConfig.topicProblem(good) == nil, "\(good)")
        }
        #expect(KafkaConfig.topicProblem("") == "a topic needs a name")
        #expect(KafkaConfig.topicProblem("..") == "'..' cannot be a topic name")
        #expect(KafkaConfig.topicProblem(String(repeating: "x", count: 250)) == "a topic name is at most 249 characters (this one has 250)")
        #expect(KafkaConfig.topicProblem("bad name") == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+0020)")
        #expect(KafkaConfig.topicProblem("sales!") == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not '!')")
        #expect(KafkaConfig.topicProblem("ventes-été") == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+00E9)")
        #expect(KafkaConfig.topicProblem("sales\u{202E}") == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+202E)")
        #expect(KafkaConfig.topicProblem("x\u{9B}2J") == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+009B)")
        // A long name with a bad character is told about the character, not a byte count.
        #expect(KafkaConfig.topicProblem(String(repeating: "é", count: 130)) == "a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+00E9)")
    }

    @Test func theFlagAndAPrintableNameAreInTheSentence() {
        func problem(_ arguments: [String]) -> String? {
            do {
                _ = try KafkaOptions.parse(arguments)
                return nil
            } catch {
                return KafkaOptions.message(for: error)
            }
        }
        #expect(problem(["-t", "bad\u{1B}[2Jname"]) == "-t bad?[2Jname: a topic name may use only a-z, A-Z, 0-9, '.', '_' and '-' (not U+001B)")
        #expect(problem(["-t", "restaurant-sales"]) == nil)
    }
}
