import Foundation
import Kafka
import Synchronization
import TestSupport
import Testing

/// Consume → produce → commit in one transaction, against the embedded broker.
@Suite(.timeLimit(.minutes(2))) struct TransactionTests {
    func cluster() throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("in", partitions: 3)
        try broker.createTopic("out", partitions: 3)
        return broker
    }

    @Test func aBatchIsCopiedWithHeadersAndItsOffsetsCommittedInOneTransaction() throws {
        let broker = try cluster()
        let plain = try Producer(config: config(broker.bootstrapServers), logger: quietLogger)
        try produce(plain, topic: "in", count: 90)

        let assigned = Mutex<[Int32]>([])
        let consumer = try GroupConsumer(
            config: config(broker.bootstrapServers), topic: "in", group: "copy", logger: quietLogger
        ) { event in
            if case let .assigned(list) = event { assigned.withLock { $0 += list } }
        }
        var producerConfig = config(broker.bootstrapServers)
        producerConfig.set("transactional.id", "copy-1")
        let producer = try Producer(config: producerConfig, logger: quietLogger)
        try producer.initTransactions(timeout: 10)

        var copied = 0
        let deadline = Date().addingTimeInterval(30)
        while copied < 90 && Date() < deadline {
            let batch = consumer.poll(max: 40, timeout: 0.5)
            guard !batch.isEmpty else { continue }
            var offsets = TopicOffsets(topic: "in")
            batch.forEach { record, _ in offsets.next[record.partition] = record.offset + 1 }
            try producer.transaction(offsets: offsets, consumer: consumer) {
                try batch.forEach { record, value in
                    try producer.send(
                        topic: "out", key: nil, value: value, timestamp: nil,
                        headers: [Header("source.partition", "\(record.partition)"), Header("source.offset", "\(record.offset)")])
                }
            }
            consumer.commit(offsets.next)  // the embedded broker does not store transactional offsets
            copied += batch.count
        }
        #expect(copied == 90)
        #expect(Set(assigned.withLock { $0 }) == [0, 1, 2])
        let committed = try consumer.committed([0, 1, 2])
        #expect(committed.values.reduce(0, +) == 90)
        consumer.close()

        let reader = try Consumer(
            config: config(broker.bootstrapServers, ["isolation.level": "read_committed"]),
            options: .init(topic: "out", stopAtStartWatermarks: true), logger: quietLogger)
        var seen = 0
        var headersOK = true
        loop: while true {
            switch reader.next(timeout: 5) {
            case let .batch(batch):
                for i in 0..<batch.count {
                    let names = batch.headers(at: i).map(\.name)
                    if names != ["source.partition", "source.offset"] { headersOK = false }
                }
                seen += batch.count
            case .closed, .timedOut: break loop
            }
        }
        #expect(seen == 90)
        #expect(headersOK)
    }

    /// The per-record send of `transform`: key and headers written in place, numbers as their
    /// decimal digits (the extremes included), reports served by the caller's own flush.
    @Test func headersAddedInPlaceArriveAsDecimalDigitsAndBytes() throws {
        let broker = try cluster()
        let producer = try Producer(config: config(broker.bootstrapServers), logger: quietLogger, reportsOnCaller: true)
        let numbers: [Int64] = [0, 7, -1, 1_234_567_890_123, .max, .min]
        for (n, number) in numbers.enumerated() {
            let key = Array("k\(n)".utf8), value = Array("v\(n)".utf8), tag = Array("tag-\(n)".utf8)
            try key.withUnsafeBytes { key in
                try value.withUnsafeBytes { value in
                    try tag.withUnsafeBytes { tag in
                        _ = try producer.send(topic: "out", key: key, value: value, headerCount: 2) { headers in
                            headers.add("number", number)
                            headers.add("tag", tag)
                        }
                    }
                }
            }
        }
        try producer.flush(timeout: 10)
        #expect(producer.deliveredCount == numbers.count)

        let reader = try Consumer(
            config: config(broker.bootstrapServers), options: .init(topic: "out", stopAtStartWatermarks: true),
            logger: quietLogger)
        var seen: [String: [Header]] = [:]
        loop: while true {
            switch reader.next(timeout: 5) {
            case let .batch(batch):
                for i in 0..<batch.count {
                    seen[String(decoding: batch.key(at: i) ?? [], as: UTF8.self)] = batch.headers(at: i)
                }
            case .closed, .timedOut: break loop
            }
        }
        for (n, number) in numbers.enumerated() {
            #expect(seen["k\(n)"] == [Header("number", "\(number)"), Header("tag", "tag-\(n)")], "record \(n)")
        }
    }

    @Test func aThrowAbortsAndCommitsNoOffsets() throws {
        let broker = try cluster()
        let plain = try Producer(config: config(broker.bootstrapServers), logger: quietLogger)
        try produce(plain, topic: "in", count: 10)
        let consumer = try GroupConsumer(
            config: config(broker.bootstrapServers), topic: "in", group: "abort", logger: quietLogger) { _ in }
        var producerConfig = config(broker.bootstrapServers)
        producerConfig.set("transactional.id", "abort-1")
        let producer = try Producer(config: producerConfig, logger: quietLogger)
        try producer.initTransactions(timeout: 10)
        var batch = MessageBatch()
        let deadline = Date().addingTimeInterval(20)
        while batch.isEmpty && Date() < deadline { batch = consumer.poll(max: 10, timeout: 0.5) }
        #expect(!batch.isEmpty)
        struct Boom: Error {}
        var offsets = TopicOffsets(topic: "in")
        batch.forEach { record, _ in offsets.next[record.partition] = record.offset + 1 }
        #expect(throws: Boom.self) {
            try producer.transaction(offsets: offsets, consumer: consumer) { throw Boom() }
        }
        let committed = try consumer.committed([0, 1, 2])
        #expect(committed.values.allSatisfy { $0 < 0 }, "\(committed)")
        // The producer can go on after an abort.
        try producer.transaction(offsets: offsets, consumer: consumer) {}
        consumer.commit(offsets.next)
        #expect(try consumer.committed([0, 1, 2]).values.reduce(0) { $0 + max(0, $1) } == Int64(batch.count))
        consumer.close()
    }

    @Test func aPartitionRangeIsReadBack() throws {
        let broker = try cluster()
        let plain = try Producer(config: config(broker.bootstrapServers), logger: quietLogger)
        for i in 0..<50 { try plain.send(topic: "in", value: Array("r\(i)".utf8), partition: 1) }
        try plain.flush(timeout: 10)
        var values: [String] = []
        try PartitionReader.read(
            config: config(broker.bootstrapServers), topic: "in", partition: 1, fromTime: 0, until: 30, logger: quietLogger
        ) { _, value in values.append(String(decoding: value, as: UTF8.self)) }
        #expect(values == (0..<30).map { "r\($0)" })
    }
}
