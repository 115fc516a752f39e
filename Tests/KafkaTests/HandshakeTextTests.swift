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
}
