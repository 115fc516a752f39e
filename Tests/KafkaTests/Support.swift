import Foundation
import Kafka
import Logging
import TestSupport

func config(_ brokers: String, _ extra: [String: String] = [:]) -> KafkaConfig {
    var config = KafkaConfig(defaults: extra)
    config.set("bootstrap.servers", brokers, origin: "test")
    return config
}

/// Reads until the channel closes (bounded consumers) or `seconds` pass.
func drain(_ consumer: Consumer, seconds: Double = 20) -> [(record: MessageBatch.Record, value: [UInt8], key: [UInt8]?)] {
    var out: [(MessageBatch.Record, [UInt8], [UInt8]?)] = []
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        switch consumer.next(timeout: 0.2) {
        case let .batch(batch):
            for i in 0..<batch.count { out.append((batch.records[i], batch.value(at: i), batch.key(at: i))) }
        case .closed: return out
        case .timedOut: continue
        }
    }
    return out
}

/// Reads until `count` records arrived or `seconds` pass.
func read(_ consumer: Consumer, count: Int, seconds: Double = 30) -> [(record: MessageBatch.Record, value: [UInt8])] {
    var out: [(MessageBatch.Record, [UInt8])] = []
    let deadline = Date().addingTimeInterval(seconds)
    while out.count < count && Date() < deadline {
        if case let .batch(batch) = consumer.next(timeout: 0.2) {
            for i in 0..<batch.count { out.append((batch.records[i], batch.value(at: i))) }
        }
    }
    return out
}

func produce(_ producer: Producer, topic: String, count: Int, prefix: String = "m") throws {
    for i in 0..<count {
        try producer.send(topic: topic, key: Array("k\(i)".utf8), value: Array("\(prefix)\(i)".utf8))
    }
    try producer.flush(timeout: 10)
}

