import TestSupport
import Testing

@testable import Kafka

/// What every client starts from unless `-X` says otherwise.
@Suite struct ClientDefaultsTests {
    /// librdkafka would wait up to 10 s between connect attempts after an outage, so a till or a
    /// wall screen stayed offline that long after the broker was back; ours wait at most 2 s.
    @Test func reconnectWaitIsCappedAtTwoSecondsUnlessOverridden() throws {
        var config = KafkaConfig()
        config.set("bootstrap.servers", "127.0.0.1:9")
        let producer = try Producer(config: config, logger: quietLogger)
        #expect(producer.client.configured("reconnect.backoff.max.ms") == "2000")

        config.set("reconnect.backoff.max.ms", "500")
        let overridden = try Producer(config: config, logger: quietLogger)
        #expect(overridden.client.configured("reconnect.backoff.max.ms") == "500")
    }

    /// librdkafka refuses a maximum wait under the minimum: a user's longer minimum still works.
    @Test func aLongerMinimumWaitIsNotRefused() throws {
        var config = KafkaConfig()
        config.set("bootstrap.servers", "127.0.0.1:9")
        config.set("reconnect.backoff.ms", "5000")
        let producer = try Producer(config: config, logger: quietLogger)
        #expect(producer.client.configured("reconnect.backoff.max.ms") == "5000")
    }
}
