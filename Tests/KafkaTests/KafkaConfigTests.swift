import Foundation
import Testing
@testable import Kafka

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
}
