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
    /// The topic, looked up once (not by name for every order).
    private let topicHandle: TopicHandle
    private let logger: Logger
    private let books = Mutex(Books())
    /// Held from taking the reports out of the books until the outbox has them, so that two
    /// threads settling at once (maintenance, `drain`, a resend) never leave a failure taken
    /// but not yet applied while a resend looks at what waits.
    private let settling = Mutex(0)
    private let maintenance: Mutex<Worker?> = Mutex(nil)
    private let onUpdate: (@Sendable (Update) -> Void)?
    private let reportsOnCaller: Bool

    /// What the delivery reports said since the last maintenance turn. The report thread only
    /// appends here (it must never wait for an append's fsync); the maintenance turn gives
    /// them to the outbox in one go. Which orders are with Kafka is the outbox's to know.
    private struct Books {
        var delivered: [UInt64] = []
        var failed: [UInt64] = []
        /// Refused for good, to record in the outbox's refused file (off the report thread:
        /// that write is fsync'ed).
        var refused: [(seq: UInt64, reason: String)] = []
        /// Refusals reported for a record: a batch can fail as a whole because of one record,
        /// so a record is refused for good only on its third.
        var refusals: [UInt64: Int] = [:]
        /// Order ids of what is with Kafka, for `onUpdate` (kept only when there is one).
        var watched: [UInt64: Int64?] = [:]
        var needsResend = false
        var lastResend = Date.distantPast
        var deliveredCount = 0
        var refusedCount = 0
        /// Deliveries and refusals heard, for `drain` to see progress (a count, not a clock
        /// read per report).
        var settledCount = 0
    }

    /// Producer settings for the till: idempotent with acks=all (librdkafka's own retries keep
    /// order and never duplicate), and a record time taken from the order.
    public static let producerDefaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
    ]

    /// `reportsOnCaller`: delivery reports are heard when the caller submits or drains (see
    /// `Producer`), for commands that send in a loop; a screen keeps the default, a thread that
    /// hears them at any time.
    public init(
        config: KafkaConfig, topic: String, outbox: Outbox, logger: Logger, reportsOnCaller: Bool = false,
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
        self.reportsOnCaller = reportsOnCaller
        let producer = try Producer(config: config, logger: logger, reportsOnCaller: reportsOnCaller) { report in
            box.sender?.settle(report)
        }
        self.producer = producer
        topicHandle = try producer.topic(topic)
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
        var batch = Outbox.Batch()
        for entry in entries { batch.add(entry) }
        try submit(&batch, now: now, sync: sync, wait: wait)
        return (0..<batch.count).map { batch.entry($0, journaledAt: now) }
    }

    /// The same for a batch built in place: journaled, then handed to Kafka straight from it.
    public func submit(_ batch: inout Outbox.Batch, now: Int64, sync: Bool = true, wait: Double = 30) throws {
        try outbox.append(&batch, now: now, sync: sync)
        let journaled = batch
        if onUpdate != nil {
            books.withLock { books in
                for n in 0..<journaled.count { books.watched[journaled.seq(n)] = journaled.orderID(n) }
            }
        }
        _ = handOver(count: journaled.count, seq: journaled.seq, wait: wait) { n, send in
            try journaled.withRecord(n) { key, value in try send(key, value, journaled.timestamp(n)) }
        }
    }

    /// Hears delivery reports for up to `timeout` seconds (a caller that serves them itself
    /// calls this instead of sleeping; otherwise it only sleeps).
    public func serveReports(timeout: Double) {
        if reportsOnCaller {
            producer.poll(timeout: timeout)
        } else {
            usleep(UInt32(max(0, timeout) * 1_000_000))
        }
    }

    /// Hands what the outbox holds (from an earlier run, or left behind by an outage) to Kafka
    /// again: every pending entry not with Kafka now, at most 50,000 at a time. Returns how
    /// many were handed over.
    @discardableResult
    public func resendPending(wait: Double = 0) -> Int {
        let limit = 50_000
        // Failures heard so far reach the outbox first, in the same step that clears the flag:
        // one heard after it sets the flag again, so none waits for another failure.
        settleReports(resetting: true)
        let entries: [Outbox.Entry]
        do {
            entries = try outbox.takeWaiting(limit: limit)
        } catch {
            logger.error("outbox: \(error)")
            books.withLock { $0.needsResend = true }
            return 0
        }
        books.withLock { books in
            books.lastResend = Date()
            if entries.count == limit {
                // More than one turn's worth: the next turn goes on at once.
                books.needsResend = true
                books.lastResend = .distantPast
            }
            if onUpdate != nil {
                for entry in entries { books.watched[entry.seq] = entry.orderID }
            }
        }
        return handOver(entries, wait: wait)
    }

    /// Hands entries the outbox journaled (`outbox.append`, for callers that note something
    /// about each entry first) to Kafka. Returns how many were handed over.
    @discardableResult
    public func handOver(_ entries: [Outbox.Entry], wait: Double) -> Int {
        if onUpdate != nil {
            books.withLock { books in
                for entry in entries { books.watched[entry.seq] = entry.orderID }
            }
        }
        return handOver(count: entries.count, seq: { entries[$0].seq }, wait: wait) { n, send in
            let entry = entries[n]
            try entry.key.withUnsafeBytes { key in
                try entry.value.withUnsafeBytes { value in
                    try send(entry.key.isEmpty ? nil : key, value, entry.timestamp)
                }
            }
        }
    }

    private typealias Send = (UnsafeRawBufferPointer?, UnsafeRawBufferPointer, Int64) throws -> Void

    /// Sends records 0..<count (`record` gives each one's bytes to `send`); a record librdkafka
    /// refuses itself is refused, and when its queue stays full the rest goes back to waiting
    /// in the outbox (`needsResend`: a later maintenance turn hands it over).
    private func handOver(
        count: Int, seq: (Int) -> UInt64, wait: Double,
        record: (Int, Send) throws -> Void
    ) -> Int {
        var handed = 0
        for n in 0..<count {
            let id = seq(n)
            do {
                try record(n) { key, value, timestamp in
                    try producer.send(
                        to: topicHandle, key: key, value: value, timestamp: timestamp, queueFullTimeout: wait, id: id)
                }
                handed += 1
            } catch {
                if DeliveryReport.isRefusal(error) {
                    // librdkafka's own check (larger than message.max.bytes): this record alone.
                    refuse(id, reason: "\(error)")
                    continue
                }
                // Queue full (or the client is closing): the rest waits in the outbox.
                outbox.land((n..<count).lazy.map(seq))
                books.withLock { $0.needsResend = true }
                logger.debug("outbox: \(count - n) orders wait for room in the producer queue (\(error))")
                break
            }
        }
        // What is due by now, heard on this thread (see `reportsOnCaller`).
        if reportsOnCaller { producer.poll(timeout: 0) }
        return handed
    }

    private func settle(_ report: DeliveryReport) {
        enum Outcome { case delivered(Int64?), refused, again, none }
        let outcome = books.withLock { books -> Outcome in
            if report.error == nil {
                books.settledCount += 1
                books.delivered.append(report.id)
                if !books.refusals.isEmpty { books.refusals[report.id] = nil }
                if onUpdate != nil, let orderID = books.watched.removeValue(forKey: report.id) {
                    return .delivered(orderID)
                }
                return .none
            }
            if report.isRefusal {
                let count = (books.refusals[report.id] ?? 0) + 1
                books.refusals[report.id] = count
                if count >= 3 {
                    books.refusals[report.id] = nil
                    books.settledCount += 1
                    return .refused
                }
            }
            // Timed out, purged, broker gone: it stays in the outbox and goes again.
            books.failed.append(report.id)
            books.needsResend = true
            return .again
        }
        switch outcome {
        case .delivered(let orderID):
            onUpdate?(.delivered(seq: report.id, orderID: orderID, partition: report.partition, offset: report.offset))
        case .refused:
            books.withLock { $0.refused.append((report.id, report.error ?? "refused")) }
        case .again:
            if let error = report.error, !report.isPurged {
                logger.warning("outbox record \(report.id) not delivered yet: \(error); it stays in the outbox and is sent again")
            }
        case .none:
            break
        }
    }

    private func refuse(_ seq: UInt64, reason: String) {
        guard let orderID = outbox.markRefused(seq, reason: reason) else {
            // Not pending (settled already), or its line could not be written: then it stays
            // pending and goes again (the error comes with the next flushMarks).
            outbox.land([seq])
            books.withLock { $0.needsResend = true }
            return
        }
        books.withLock {
            $0.refusedCount += 1
            $0.watched[seq] = nil
        }
        logger.error("Kafka refused order \(orderID.map(String.init) ?? "(no order id)") (outbox record \(seq)): \(reason); kept in \(outbox.directory)/refused.jsonl")
        onUpdate?(.refused(seq: seq, orderID: orderID, reason: reason))
    }

    /// Every 200 ms: give the reports to the outbox, write its marks (and compact), and hand
    /// over again what a failure left behind, at most once a second.
    private func maintain() {
        settleReports()
        do {
            try outbox.flushMarks()
        } catch {
            logger.error("outbox: \(error)")
        }
        let due = books.withLock { $0.needsResend && Date().timeIntervalSince($0.lastResend) >= 1 }
        if due { resendPending() }
    }

    /// Gives the reports heard so far to the outbox (and, `resetting`, clears `needsResend` in
    /// the same step: for a resend about to look at what waits).
    private func settleReports(resetting: Bool = false) {
        settling.withLock { _ in
            let (delivered, failed, refused) = books.withLock { books in
                defer {
                    books.delivered.removeAll(keepingCapacity: true)
                    books.failed.removeAll(keepingCapacity: true)
                    books.refused.removeAll()
                    if resetting { books.needsResend = false }
                }
                return (books.delivered, books.failed, books.refused)
            }
            for (seq, reason) in refused { refuse(seq, reason: reason) }
            guard !delivered.isEmpty || !failed.isEmpty else { return }
            let settled = outbox.settle(delivered: delivered, failed: failed)
            books.withLock { $0.deliveredCount += settled }
        }
    }

    public var delivered: Int { books.withLock { $0.deliveredCount } }
    public var refused: Int { books.withLock { $0.refusedCount } }
    /// Orders in the outbox not yet delivered (nor refused). (Reports on their way from the
    /// books to the outbox may be counted twice for a moment — waiting a little longer — but
    /// never not at all.)
    public var waiting: Int {
        // The outbox first: reports moving from the books to it meanwhile are then counted
        // twice (waiting a little longer), never not at all; and the report thread never waits
        // for the books while the outbox's lock is held for an fsync.
        let journaled = outbox.waitingCount
        return max(0, journaled - books.withLock { $0.delivered.count })
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
            serveReports(timeout: 0.02)
        }
        settleReports()
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
        settleReports()
        do {
            try outbox.flushMarks()
        } catch {
            logger.error("outbox: \(error)")
        }
        outbox.close()
    }
}
