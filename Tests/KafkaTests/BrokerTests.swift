import Foundation
import Testing
@testable import Kafka
import TestSupport

@Suite(.timeLimit(.minutes(3))) struct BrokerTests {
    @Test func aRecordRoundTripsWithKeyTimestampAndA64KiBValue() throws {
        let (broker, producer) = try cluster(partitions: 3)
        let big = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try producer.send(topic: "orders", key: Array("T3".utf8), value: big, timestamp: 1_764_059_400_000, partition: 1)
        try producer.send(topic: "orders", key: nil, value: Array("small".utf8), timestamp: 1_764_059_401_000, partition: 2)
        try producer.flush(timeout: 10)
        #expect(producer.deliveredCount == 2 && producer.failedCount == 0 && producer.outstanding == 0)

        let consumer = try Consumer(
            config: config(broker.bootstrapServers),
            options: .init(topic: "orders", stopAtStartWatermarks: true), logger: quietLogger)
        let records = drain(consumer)
        #expect(records.count == 2)
        let first = try #require(records.first { $0.record.partition == 1 })
        #expect(first.value == big)
        #expect(first.key == Array("T3".utf8))
        #expect(first.record.timestamp == 1_764_059_400_000)
        let second = try #require(records.first { $0.record.partition == 2 })
        #expect(second.key == nil)
        #expect(second.value == Array("small".utf8))
    }

    @Test func deliveryReportsReachTheHandler() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("orders", partitions: 2)
        let reports = ReportBox()
        let producer = try Producer(config: config(broker.bootstrapServers), logger: quietLogger) {
            reports.add($0)
        }
        var ids: [UInt64] = []
        for i in 0..<10 { ids.append(try producer.send(topic: "orders", value: Array("\(i)".utf8))) }
        try producer.flush(timeout: 10)
        let got = reports.all
        #expect(Set(got.map(\.id)) == Set(ids))
        #expect(got.allSatisfy { $0.error == nil && $0.offset >= 0 })
    }

    @Test func watchModeSeesEveryPartitionAndReportsCaughtUp() throws {
        let (broker, producer) = try cluster(partitions: 8)
        try produce(producer, topic: "orders", count: 2_000)
        let consumer = try Consumer(
            config: config(broker.bootstrapServers),
            options: .init(topic: "orders", stopAtStartWatermarks: true, maxBatch: 100),
            logger: quietLogger)
        let records = drain(consumer)
        #expect(records.count == 2_000)
        #expect(Set(records.map(\.record.partition)) == Set(0..<8))
        #expect(Set(records.map(\.value)).count == 2_000)
        #expect(consumer.isCaughtUp)
        #expect(consumer.progress.allSatisfy { $0.reachedEnd && $0.position == $0.high })
    }

    @Test func theLagIsWhatIsLeftToRead() throws {
        let (broker, producer) = try cluster(partitions: 4)
        try produce(producer, topic: "orders", count: 400)
        let consumer = try Consumer(
            config: config(broker.bootstrapServers), options: .init(topic: "orders"), logger: quietLogger)
        #expect(read(consumer, count: 400).count == 400)
        // librdkafka learns the ends from fetch answers; give it one.
        let deadline = Date().addingTimeInterval(10)
        while consumer.lag != 0 && Date() < deadline { usleep(50_000) }
        #expect(consumer.lag == 0)
    }

    @Test func anUnboundedWatchKeepsReadingAfterCatchingUp() throws {
        let (broker, producer) = try cluster(partitions: 4)
        try produce(producer, topic: "orders", count: 100)
        let consumer = try Consumer(
            config: config(broker.bootstrapServers), options: .init(topic: "orders"), logger: quietLogger)
        #expect(read(consumer, count: 100).count == 100)
        let deadline = Date().addingTimeInterval(10)
        while !consumer.isCaughtUp && Date() < deadline { _ = consumer.next(timeout: 0.1) }
        #expect(consumer.isCaughtUp)
        try produce(producer, topic: "orders", count: 50, prefix: "late")
        let more = read(consumer, count: 50)
        #expect(more.count == 50 && more.allSatisfy { $0.value.starts(with: Array("late".utf8)) })
        consumer.close()
    }

    @Test func anEmptyTopicIsCaughtUpAtOnce() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("orders", partitions: 4)
        let consumer = try Consumer(
            config: config(broker.bootstrapServers),
            options: .init(topic: "orders", stopAtStartWatermarks: true), logger: quietLogger)
        let started = Date()
        #expect(drain(consumer, seconds: 5).isEmpty)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(consumer.isCaughtUp)
    }

    @Test func startingAtTheEndSkipsWhatIsThere() throws {
        let (broker, producer) = try cluster(partitions: 2)
        try produce(producer, topic: "orders", count: 20, prefix: "old")
        let consumer = try Consumer(
            config: config(broker.bootstrapServers), options: .init(topic: "orders", start: .end),
            logger: quietLogger)
        try produce(producer, topic: "orders", count: 5, prefix: "new")
        let got = read(consumer, count: 5, seconds: 10)
        #expect(got.count == 5 && got.allSatisfy { $0.value.starts(with: Array("new".utf8)) })
    }

    @Test func aTimestampStartFallsBackToTheBeginningOnTheEmbeddedBroker() throws {
        let (broker, producer) = try cluster(partitions: 2)
        try produce(producer, topic: "orders", count: 10)
        let consumer = try Consumer(
            config: config(broker.bootstrapServers),
            options: .init(topic: "orders", start: .timestamp(milliseconds: 1_000), stopAtStartWatermarks: true),
            logger: quietLogger)
        guard case .fellBackToBeginning = consumer.startResolution else {
            Issue.record("expected a fallback, got \(consumer.startResolution)")
            return
        }
        #expect(drain(consumer).count == 10)
    }

    @Test func anUnknownTopicIsAnErrorNotACreation() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        #expect(throws: KafkaError.unknownTopic("typo")) {
            _ = try Consumer(config: config(broker.bootstrapServers), options: .init(topic: "typo"), logger: quietLogger)
        }
    }

    @Test func anUnreachableClusterFailsWithinTheTimeout() throws {
        let started = Date()
        #expect(throws: KafkaError.self) {
            _ = try Consumer(
                config: config("127.0.0.1:1"), options: .init(topic: "orders", timeout: 2),
                logger: quietLogger)
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func groupModeSplitsPartitionsBetweenTwoConsumers() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("orders", partitions: 8)
        let options = Consumer.Options(topic: "orders", mode: .group(id: "kitchen"), start: .beginning)
        // Quick heartbeats so a rebalance settles fast even when the machine is busy.
        let groupConfig = config(
            broker.bootstrapServers, ["heartbeat.interval.ms": "250", "session.timeout.ms": "6000"])
        let a = try Consumer(config: groupConfig, options: options, logger: quietLogger)
        let b = try Consumer(config: groupConfig, options: options, logger: quietLogger)
        // Wait for the group to settle: every partition assigned, to exactly one member.
        let deadline = Date().addingTimeInterval(60)
        var assignedA: Set<Int32> = []
        var assignedB: Set<Int32> = []
        while Date() < deadline {
            _ = a.next(timeout: 0.05)
            _ = b.next(timeout: 0.05)
            assignedA = Set(a.progress.filter(\.assigned).map(\.partition))
            assignedB = Set(b.progress.filter(\.assigned).map(\.partition))
            if assignedA.count + assignedB.count == 8 && assignedA.isDisjoint(with: assignedB)
                && !assignedA.isEmpty && !assignedB.isEmpty
            { break }
        }
        #expect(!assignedA.isEmpty && !assignedB.isEmpty)
        #expect(assignedA.union(assignedB) == Set(0..<8) && assignedA.isDisjoint(with: assignedB))

        let producer = try Producer(config: config(broker.bootstrapServers), logger: quietLogger)
        try produce(producer, topic: "orders", count: 400)
        var fromA: [(record: MessageBatch.Record, value: [UInt8])] = []
        var fromB: [(record: MessageBatch.Record, value: [UInt8])] = []
        let end = Date().addingTimeInterval(30)
        while fromA.count + fromB.count < 400 && Date() < end {
            fromA += read(a, count: 1, seconds: 0.1)
            fromB += read(b, count: 1, seconds: 0.1)
        }
        #expect(fromA.count + fromB.count == 400)
        #expect(Set(fromA.map(\.record.partition)).isSubset(of: assignedA))
        #expect(Set(fromB.map(\.record.partition)).isSubset(of: assignedB))
        #expect(Set((fromA + fromB).map(\.value)).count == 400)
    }

    @Test func aBrokerOutageLosesAndDuplicatesNothing() throws {
        let (broker, producer) = try cluster(partitions: 4)
        try produce(producer, topic: "orders", count: 500, prefix: "before")
        let consumer = try Consumer(
            config: config(broker.bootstrapServers), options: .init(topic: "orders"), logger: quietLogger)
        var got = read(consumer, count: 500)
        #expect(got.count == 500)

        try broker.setBrokerDown()
        let downSince = Date()
        while consumer.health.state == .connected && Date().timeIntervalSince(downSince) < 15 {
            _ = consumer.next(timeout: 0.2)
        }
        #expect(consumer.health.state != .connected)
        try broker.setBrokerUp()
        try produce(producer, topic: "orders", count: 500, prefix: "after")
        got += read(consumer, count: 500)
        #expect(got.count == 1_000)
        let positions = got.map { "\($0.record.partition)/\($0.record.offset)" }
        #expect(Set(positions).count == 1_000)
        #expect(Set(got.map(\.value)).count == 1_000)
        let back = Date()
        while consumer.health.state != .connected && Date().timeIntervalSince(back) < 10 {
            _ = consumer.next(timeout: 0.2)
        }
        #expect(consumer.health.state == .connected)
        #expect(consumer.health.reconnects >= 1)
        #expect(consumer.health.events.contains { $0.event == .reconnected })
    }

    @Test func pushedProduceErrorsAreRetriedThenFailTheMessage() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("orders", partitions: 1)
        let reports = ReportBox()
        let producer = try Producer(config: config(broker.bootstrapServers), logger: quietLogger) {
            reports.add($0)
        }
        // The next three Produce requests fail: twice with a retriable error (6,
        // NOT_LEADER_OR_FOLLOWER), then with a permanent one (87, INVALID_RECORD). Only a message
        // sent three times reaches the third error; without injection it would be stored.
        broker.pushRequestErrors(.produce, codes: [6, 6, 87])
        let rejectedID = try producer.send(topic: "orders", value: Array("first".utf8))
        try producer.flush(timeout: 10)
        #expect(producer.failedCount == 1 && producer.deliveredCount == 0 && producer.outstanding == 0)
        let failed = try #require(reports.all.first { $0.id == rejectedID })
        #expect(failed.error?.contains("failed to validate record") == true, "\(failed.error ?? "no error")")

        // The pushed errors are used up: the next message is stored, first in the partition
        // (the failed one never was).
        let storedID = try producer.send(topic: "orders", value: Array("second".utf8))
        try producer.flush(timeout: 10)
        #expect(producer.failedCount == 1 && producer.deliveredCount == 1)
        let delivered = try #require(reports.all.first { $0.id == storedID })
        #expect(delivered.error == nil && delivered.offset == 0)
    }

    @Test func aRoundTripTimeDelaysTheBrokersAnswers() throws {
        let (broker, producer) = try cluster(partitions: 3)
        try broker.setRoundTripTime(300)
        // Every answer now leaves the broker 300 ms after it was made, so no metadata round
        // trip can be quicker (a lower bound only: a busy machine may take longer).
        let clock = ContinuousClock()
        let started = clock.now
        let partitions = try producer.checkTopic("orders", timeout: 10)
        let elapsed = clock.now - started
        #expect(partitions == 3)
        #expect(elapsed >= .milliseconds(300), "\(elapsed)")
    }
}

/// An embedded broker with the topic `orders` and a producer for it.
func cluster(partitions: Int) throws -> (EmbeddedBroker, Producer) {
    let broker = try EmbeddedBroker(logger: quietLogger)
    try broker.createTopic("orders", partitions: partitions)
    return (broker, try Producer(config: config(broker.bootstrapServers), logger: quietLogger))
}

final class ReportBox: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [DeliveryReport] = []
    func add(_ r: DeliveryReport) { lock.lock(); reports.append(r); lock.unlock() }
    var all: [DeliveryReport] { lock.lock(); defer { lock.unlock() }; return reports }
}
