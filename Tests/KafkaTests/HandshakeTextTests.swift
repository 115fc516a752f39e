import CRdKafka
import Testing
@testable import Kafka

/// Which librdkafka connection messages end a start-up at once: only TLS and SASL failures,
/// never an ordinary refused connection (every line on a SASL cluster names "sasl_ssl://…").
@Suite struct HandshakeTextTests {
    @Test(arguments: [
        "[thrd:ssl://127.0.0.1:9092/bootstrap]: ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: Disconnected: connecting to a PLAINTEXT broker listener? (after 1ms in state SSL_HANDSHAKE)",
        "sasl_plaintext://127.0.0.1:9092/bootstrap: Failed to initialize SASL authentication: SASL Handshake not supported by broker (required by mechanism PLAIN) (after 0ms in state AUTH_LEGACY)",
        "sasl_ssl://h:9092/1: SASL authentication error: Authentication failed: Invalid username or password (after 5ms in state AUTH_REQ)",
        "ssl://h:9092/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified (after 3ms in state SSL_HANDSHAKE)",
        // The broker ends the handshake with an alert about the client's certificate.
        "[thrd:ssl://127.0.0.1:41459/bootstrap]: ssl://127.0.0.1:41459/bootstrap: Receive failed: error:0A00045C:SSL routines::tlsv13 alert certificate required: SSL alert number 116 (after 0ms in state APIVERSION_QUERY)",
        "ssl://127.0.0.1:41459/bootstrap: Receive failed: error:0A000415:SSL routines::sslv3 alert certificate expired: SSL alert number 45 (after 1ms in state APIVERSION_QUERY)",
        "ssl://h:9092/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert bad certificate: SSL alert number 42 (after 0ms in state APIVERSION_QUERY, 1 identical error(s) suppressed)",
    ])
    func handshakeFailuresAreRecognised(line: String) {
        #expect(ClientContext.isHandshakeFailure(RD_KAFKA_RESP_ERR__TRANSPORT, line))
        #expect(!ClientContext.connectionFailureReason(line).contains("://"))
        #expect(!ClientContext.connectionFailureReason(line).contains("(after"))
    }

    @Test(arguments: [
        "[thrd:sasl_ssl://h:9092/bootstrap]: sasl_ssl://h:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused (after 0ms in state CONNECT)",
        "sasl_ssl://h:9092/1: Disconnected (after 600000ms in state UP)",
        "sasl_plaintext://h:9092/2: Receive failed: Connection reset by peer",
        "ssl://h:9092/bootstrap: Connect to ipv4#10.0.0.1:9092 failed: Connection timed out",
    ])
    func ordinaryConnectionFailuresAreNot(line: String) {
        #expect(!ClientContext.isHandshakeFailure(RD_KAFKA_RESP_ERR__TRANSPORT, line))
    }

    /// Each alert names what to do about the client certificate.
    @Test(arguments: [
        ("tlsv13 alert certificate required: SSL alert number 116", "the broker asks for a client certificate: give --cert and --key"),
        ("sslv3 alert certificate expired: SSL alert number 45", "it has expired; ask for a new one"),
        ("sslv3 alert bad certificate: SSL alert number 42", "give --cert and --key if none was given, else the one given was not issued by a CA the broker trusts"),
        ("tlsv1 alert unknown ca: SSL alert number 48", "not issued by a CA the broker trusts"),
    ])
    func alertsSayWhatIsWrongWithTheClientCertificate(reason: String, hint: String) {
        let text = KafkaError.handshake(brokers: "h:9093", reason: "Receive failed: error:0A000415:SSL routines::" + reason).description
        #expect(text.hasPrefix("cannot connect to Kafka at h:9093: Receive failed:"))
        #expect(text.contains(hint), "\(text)")
    }

    /// librdkafka's refusals to load the TLS files, in terms of the flags that gave them; the
    /// key's path is never quoted.
    @Test func unreadableTLSFilesNameTheFlag() {
        var config = KafkaConfig()
        config.useTLS(ca: "/etc/ca.pem", certificate: "/etc/service.cert", key: "/secret/service.key")
        let ca = ClientContext.creationFailure(
            "ssl.ca.location failed: error:05800088:x509 certificate routines::no certificate or crl found", config: config)
        #expect(ca.hasPrefix("the CA file given with --ca (/etc/ca.pem) holds no PEM certificate"))
        let cert = ClientContext.creationFailure("ssl.certificate.location failed: error:0A080009:SSL routines::PEM lib", config: config)
        #expect(cert.hasPrefix("the client certificate given with --cert (/etc/service.cert) is not a PEM certificate"))
        let mismatch = ClientContext.creationFailure(
            "ssl.key.location failed: error:05800074:x509 certificate routines::key values mismatch", config: config)
        #expect(mismatch.hasPrefix("the private key given with --key does not belong to the client certificate given with --cert (/etc/service.cert)"))
        let key = ClientContext.creationFailure("ssl.key.location failed: error:1C800064:Provider routines::bad decrypt", config: config)
        #expect(key.contains("an encrypted key also needs -X ssl.key.password"))
        for text in [mismatch, key] { #expect(!text.contains("/secret/")) }
        var fromX = KafkaConfig()
        fromX.set("ssl.ca.location", "/x/ca.pem", origin: "-X")
        #expect(ClientContext.creationFailure("ssl.ca.location failed: oops", config: fromX)
            .hasPrefix("the CA file set as ssl.ca.location (-X) (/x/ca.pem) holds no PEM certificate"))
        #expect(ClientContext.creationFailure("No such configuration property", config: config) == "No such configuration property")
    }
}
