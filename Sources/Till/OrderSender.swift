import Foundation
import Kafka
import Logging
import Synchronization

/// Every order the till sends goes through here: written to the outbox and fsync'ed first,
/// then handed to Kafka (key = order id, record time = event time, idempotent, acks=all); the
/// delivery report settles it in the outbox. An order Kafka could not take yet (the broker is
/// down, the queue is full, librdkafka gave up after `message.timeout.ms`) stays in the outbox
/// and is handed over again; one Kafka refuses for good (too large, invalid) is recorded as
/// refused, with its reason, in the outbox's refused file.
public final class OrderSender: Sendable {
    /// What happened to a journaled record, for the screen or the summary.
    public enum Update: Sendable, Equatable {
        case delivered(seq: UInt64, orderID: Int64?, partition: Int32, offset: Int64)
        case refused(seq: UInt64, orderID: Int64?, reason: String)
    }

    public let topic: String
    public let outbox: Outbox
    private let producer: Producer
    private let logger: Logger
    private let books = Mutex(Books())
    /// Held while entries are handed to librdkafka, and while reported deliveries go to the
    /// outbox: so a resend's picture of what is in flight is exact (no order sent twice by us).
    private let handing = Mutex<Int>(0)
    /// Held while reported deliveries go from the books to the outbox, so that a resend (which
    /// takes it too) never sees an entry in neither place.
    private let settling = Mutex<Int>(0)
    private let maintenance: Mutex<Worker?> = Mutex(nil)
    private let onUpdate: (@Sendable (Update) -> Void)?

    /// Handed to librdkafka and not yet reported, and what must be handed over again.
    private struct Books {
        var inFlight: [UInt64: Int64?] = [:]
        /// Reported delivered, not yet marked in the outbox: the report thread only moves an
        /// entry from `inFlight` to here (it must never wait for an append's fsync); the
        /// maintenance turn gives them to the outbox in one go.
        var deliveries: [Outbox.Delivery] = []
        /// Refusals reported for a record: a batch can fail as a whole because of one record,
        /// so a record is refused for good only on its third.
        var refusals: [UInt64: Int] = [:]
        var needsResend = false
        var lastResend = Date.distantPast
        var delivered = 0
        var refused = 0
        /// Delivered + refused, for `drain` to see progress (a count, not a clock read per
        /// report).
        var settledCount = 0
    }

    /// Producer settings for the till: idempotent with acks=all (librdkafka's own retries keep
    /// order and never duplicate), and a record time taken from the order.
    public static let producerDefaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
    ]

    public init(
        config: KafkaConfig, topic: String, outbox: Outbox, logger: Logger,
        onUpdate: (@Sendable (Update) -> Void)? = nil
    ) throws {
        self.topic = topic
        self.outbox = outbox
        self.logger = logger
        self.onUpdate = onUpdate
        var config = config
        for (name, value) in Self.producerDefaults { config.setIfAbsent(name, value) }
        // Reports arrive on librdkafka's poll thread; `settle` only touches the books and the
        // outbox's buffered marks, so it never blocks that thread for long.
        let box = WeakBox()
        producer = try Producer(config: config, logger: logger) { report in box.sender?.settle(report) }
        box.sender = self
        let worker = Worker(name: "tiffin-outbox") { [self] worker in
            while !worker.isStopping {
                usleep(200_000)
                maintain()
            }
        }
        maintenance.withLock { $0 = worker }
    }

    /// The sender as the delivery callback sees it (set right after init; reports cannot come
    /// earlier, since nothing was sent before).
    private final class WeakBox: @unchecked Sendable {
        // Safety: written once, before the first send, read by the delivery thread after.
        weak var sender: OrderSender?
    }

    deinit {
        close()
    }

    /// Journals `entries` (one write and, with `sync`, one fsync), then hands them to Kafka.
    /// Throws `OutboxError` when they could not be journaled: then nothing was sent.
    /// `wait` is how long a full librdkafka queue may hold the caller (0 for a screen that must
    /// never wait: the orders then stay in the outbox and go out shortly after).
    @discardableResult
    public func submit(_ entries: [Outbox.NewEntry], now: Int64, sync: Bool = true, wait: Double = 30) throws
        -> [Outbox.Entry]
    {
        let journaled = try outbox.append(entries, now: now, sync: sync)
        handOver(journaled, wait: wait)
        return journaled
    }

    /// Hands what the outbox holds (from an earlier run, or left behind by an outage) to Kafka
    /// again: every pending entry not in flight and not reported delivered (nor on its way to
    /// the outbox as delivered). Returns how many were handed over.
    @discardableResult
    public func resendPending(wait: Double = 0) -> Int {
        handing.withLock { _ in
            let (pending, busy) = settling.withLock { _ in
                let pending = outbox.pending
                let busy = books.withLock { books -> Set<UInt64> in
                    books.needsResend = false
                    books.lastResend = Date()
                    return Set(books.inFlight.keys).union(books.deliveries.map(\.seq))
                }
                return (pending, busy)
            }
            return handOverLocked(pending.filter { !busy.contains($0.seq) }, wait: wait)
        }
    }

    /// Hands journaled entries to Kafka (for callers that journal with `outbox.append`
    /// themselves, to note something about each entry first). Returns how many were handed over.
    @discardableResult
    public func handOver(_ entries: [Outbox.Entry], wait: Double) -> Int {
        handing.withLock { _ in handOverLocked(entries, wait: wait) }
    }

    private func handOverLocked(_ entries: [Outbox.Entry], wait: Double) -> Int {
        var handed = 0
        // In flight before librdkafka has them (a report can come at once), in one go.
        books.withLock { books in
            for entry in entries { books.inFlight[entry.seq] = entry.orderID }
        }
        for (index, entry) in entries.enumerated() {
            do {
                try producer.send(
                    topic: topic, key: entry.key.isEmpty ? nil : entry.key, value: entry.value,
                    timestamp: entry.timestamp, queueFullTimeout: wait, id: entry.seq)
                handed += 1
            } catch {
                books.withLock { _ = $0.inFlight.removeValue(forKey: entry.seq) }
                if DeliveryReport.isRefusal(error) {
                    // librdkafka's own check (larger than message.max.bytes): this record alone.
                    refuse(entry.seq, orderID: entry.orderID, reason: "\(error)")
                    continue
                }
                // Queue full (or the client is closing): the rest stays in the outbox and is
                // handed over by a later maintenance turn.
                books.withLock { books in
                    books.needsResend = true
                    for rest in entries[(index + 1)...] { books.inFlight[rest.seq] = nil }
                }
                logger.debug("outbox: \(entries.count - handed) orders wait for room in the producer queue (\(error))")
                break
            }
        }
        return handed
    }

    private func settle(_ report: DeliveryReport) {
        enum Outcome { case delivered, refused, again }
        let (known, outcome) = books.withLock { books -> (Int64??, Outcome) in
            guard let known = books.inFlight.removeValue(forKey: report.id) else { return (nil, .again) }
            if report.error == nil {
                books.delivered += 1
                books.settledCount += 1
                books.deliveries.append(Outbox.Delivery(seq: report.id, partition: report.partition, offset: report.offset))
                books.refusals[report.id] = nil
                return (known, .delivered)
            }
            books.needsResend = true
            if report.isRefusal {
                let count = (books.refusals[report.id] ?? 0) + 1
                books.refusals[report.id] = count
                if count >= 3 {
                    books.refusals[report.id] = nil
                    return (known, .refused)
                }
            }
            // Timed out, purged, broker gone: it stays in the outbox and goes again.
            return (known, .again)
        }
        guard let orderID = known else { return }  // not ours (or already settled)
        switch outcome {
        case .delivered:
            onUpdate?(.delivered(seq: report.id, orderID: orderID, partition: report.partition, offset: report.offset))
        case .refused:
            refuse(report.id, orderID: orderID, reason: report.error ?? "refused")
        case .again:
            if let error = report.error, !report.isPurged {
                logger.warning("order \(orderID.map(String.init) ?? "(no order id)") (outbox record \(report.id)) not delivered yet: \(error); it stays in the outbox and is sent again")
            }
        }
    }

    private func refuse(_ seq: UInt64, orderID: Int64?, reason: String) {
        books.withLock {
            $0.refused += 1
            $0.settledCount += 1
        }
        logger.error("Kafka refused order \(orderID.map(String.init) ?? "(no order id)") (outbox record \(seq)): \(reason); kept in \(outbox.directory)/refused.jsonl")
        outbox.markRefused(seq, reason: reason)
        onUpdate?(.refused(seq: seq, orderID: orderID, reason: reason))
    }

    /// Every 200 ms: write the delivery marks (and compact), and hand over again what a failure
    /// left behind, at most once a second.
    private func maintain() {
        settleDeliveries()
        do {
            try outbox.flushMarks()
        } catch {
            logger.error("outbox: \(error)")
        }
        let due = books.withLock { $0.needsResend && Date().timeIntervalSince($0.lastResend) >= 1 }
        if due { resendPending() }
    }

    /// Gives the reported deliveries to the outbox, under `settling` (see `resendPending`).
    private func settleDeliveries() {
        settling.withLock { _ in
            let batch = books.withLock { books in
                defer { books.deliveries.removeAll(keepingCapacity: true) }
                return books.deliveries
            }
            if !batch.isEmpty { outbox.markDelivered(batch) }
        }
    }

    public var delivered: Int { books.withLock { $0.delivered } }
    public var refused: Int { books.withLock { $0.refused } }
    /// Orders in the outbox not yet delivered (nor refused). (A batch on its way from the
    /// books to the outbox may be counted twice for a moment — waiting a little longer — but
    /// never not at all.)
    public var waiting: Int {
        books.withLock { books in max(0, outbox.waitingCount - books.deliveries.count) }
    }
    public var health: ClientHealth { producer.health }

    /// Waits until the outbox is empty (every order delivered or refused), or until nothing
    /// was settled for `idle` seconds, or `stop()`. Returns how many still wait.
    public func drain(idle: Double, stop: () -> Bool = { false }) -> Int {
        var seen = books.withLock { $0.settledCount }
        var lastProgress = Date()
        while waiting > 0, !stop() {
            let now = books.withLock { $0.settledCount }
            if now != seen {
                seen = now
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) >= idle {
                break
            }
            usleep(20_000)
        }
        settleDeliveries()
        return outbox.waitingCount
    }

    /// Waits up to `timeout` seconds for the cluster to answer about the topic. An unreachable
    /// cluster is not an error here (orders wait in the outbox): returns false. A missing
    /// topic or a failed TLS/SASL handshake is thrown.
    public func checkCluster(timeout: Double) throws -> Bool {
        do {
            _ = try producer.checkTopic(topic, timeout: timeout)
            return true
        } catch let error as KafkaError {
            if case .unreachable = error { return false }
            throw error
        }
    }

    /// Stops the maintenance thread, drops what librdkafka still holds (it stays in the
    /// outbox for the next start), writes the marks and closes the outbox.
    public func close() {
        guard let worker = maintenance.withLock({ current in defer { current = nil }; return current }) else { return }
        worker.stop()
        worker.join()
        producer.purge()
        settleDeliveries()
        do {
            try outbox.flushMarks()
        } catch {
            logger.error("outbox: \(error)")
        }
        outbox.close()
    }
}
