import CRdKafka
import Foundation
import Logging

/// librdkafka's mock cluster: real Kafka protocol on loopback TCP, inside this process.
///
/// Other processes (kcat, our dashboard) reach it at `bootstrapServers`. It lives as long as this
/// value. Limits (measured): ~5 MiB kept per partition before the oldest data is pruned, no
/// TLS/SASL, `offsets_for_times` answers -1, a group join takes ~3 s.
public final class EmbeddedBroker: Sendable {
    private let client: NativeClient
    private let cluster: ClusterHandle
    public let bootstrapServers: String
    public let brokerCount: Int

    private struct ClusterHandle: @unchecked Sendable {
        // Safety: the mock cluster serialises its own state on its thread; destroyed once.
        let pointer: OpaquePointer
    }

    /// Kafka protocol request kinds, for `pushRequestErrors`.
    public enum Request: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
        case offsetFetch = 9
        case findCoordinator = 10
        case joinGroup = 11
        case heartbeat = 12
        case syncGroup = 14
        case apiVersions = 18
        case initProducerId = 22
    }

    public init(brokers: Int = 1, logger: Logger) throws {
        precondition(brokers >= 1, "a cluster needs at least one broker")
        var config = KafkaConfig()
        // The handle only hosts the cluster; it never talks to a broker itself.
        config.set("bootstrap.servers", "", origin: "embedded broker")
        client = try NativeClient(
            kind: .producer, config: config, context: ClientContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError.clientCreation("librdkafka could not start its mock cluster")
        }
        self.cluster = ClusterHandle(pointer: cluster)
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster.pointer)
    }

    /// Creates `name` with `partitions` partitions (replication at most the broker count).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let err = rd_kafka_mock_topic_create(
            cluster.pointer, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// Disconnects broker `id` (1-based; -1 for all) and refuses new connections.
    public func setBrokerDown(_ id: Int32 = -1) throws {
        let err = rd_kafka_mock_broker_set_down(cluster.pointer, id)
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// Accepts connections again on broker `id` (-1 for all).
    public func setBrokerUp(_ id: Int32 = -1) throws {
        let err = rd_kafka_mock_broker_set_up(cluster.pointer, id)
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// Delays every response of broker `id` (-1 for all) by `milliseconds`.
    public func setRoundTripTime(_ milliseconds: Int, broker id: Int32 = -1) throws {
        let err = rd_kafka_mock_broker_set_rtt(cluster.pointer, id, Int32(milliseconds))
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// Moves the leadership of one partition to broker `id` (-1: no leader).
    public func setPartitionLeader(topic: String, partition: Int32, broker id: Int32) throws {
        let err = rd_kafka_mock_partition_set_leader(cluster.pointer, topic, partition, id)
        guard err.isOK else { throw KafkaError.code(err) }
    }

    /// The next `codes.count` requests of `request` fail with these Kafka error codes, in order
    /// (librdkafka codes: for example -195 disconnects the client).
    public func pushRequestErrors(_ request: Request, codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t($0) }
        errors.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(
                cluster.pointer, request.rawValue, $0.count, $0.baseAddress)
        }
    }
}
