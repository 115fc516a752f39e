import ArgumentParser
import Foundation
import Kafka
import SafeText
import TiffinCLI
import Transform

/// Moves batches from the consumer into the one `SalesState` (the single writer).
struct Ingest {
    let consumer: Consumer
    var state: SalesState
    var quarantine: Quarantine?
    /// Where the consumer reads from, for messages.
    var brokers: String
    /// `--source gold`: `consumer` reads gold rows; the rejects come from a second consumer.
    var gold: GoldSource?

    struct GoldSource {
        let rejects: Consumer
        var check: OrderCheck
        /// Reports (`--json`, `--once`): both topics are read to the ends they had at start,
        /// and the report waits for both.
        var bounded: Bool
        /// Gold rows whose source record reached Kafka before this (ms) are left out, so the
        /// gold view reads the same records as the raw view with the same `--from` (gold rows
        /// carry the event time as their record time; the source's travels in a header).
        var sourceStart: Int64?
        /// Source records already counted from the rejects topic (partition, offset): each
        /// counts once, however often it was delivered.
        var counted = Set<RecordOrigin>()
        var rejectsClosed = false
        var goldClosed = false

        init(rejects: Consumer, check: OrderCheck, bounded: Bool, sourceStart: Int64?) {
            self.rejects = rejects
            self.check = check
            self.bounded = bounded
            self.sourceStart = sourceStart
        }
    }

    init(consumer: Consumer, state: SalesState, quarantine: Quarantine?, brokers: String) {
        self.consumer = consumer
        self.state = state
        self.quarantine = quarantine
        self.brokers = brokers
    }

    /// Applies one batch and writes its rejects to the quarantine before returning, so nothing
    /// the screen counts is missing from the file. The consumer's clock (for the timestamp
    /// rule) is read once per batch. A batch that says the cluster was replaced starts the day
    /// again: the new cluster's records are read from the start.
    mutating func apply(_ batch: MessageBatch) throws {
        if batch.restarted {
            state.reset()
            return
        }
        let now = Int64(Date().timeIntervalSince1970)
        let quarantine = self.quarantine
        if gold != nil {
            applyGold(batch, now: now)
            return
        }
        batch.forEach { record, value in
            let arrival = record.timestamp >= 0 ? record.timestamp / 1000 : nil
            let outcome = state.ingest(
                value, now: now, arrival: arrival, origin: RecordOrigin(partition: record.partition, offset: record.offset))
            if case let .rejected(reason) = outcome, let quarantine {
                quarantine.keep(value, reason: reason, record: record)
            }
        }
        try quarantine?.flush()
    }

    /// Gold rows: each is its order, checked again (cheap, and a row is never trusted
    /// blindly), then added; a repeated row is dropped without counting (`addGold`). The time
    /// the order reached Kafka and its source coordinates travel in headers.
    private mutating func applyGold(_ batch: MessageBatch, now: Int64) {
        var index = 0
        batch.forEach { record, value in
            defer { index += 1 }
            let headers = batch.headers(at: index)
            let sourceTime = Self.header("source.timestamp", headers).flatMap(Int64.init)
            if let start = gold!.sourceStart, let sourceTime, sourceTime >= 0, sourceTime < start { return }
            let arrival = sourceTime.map { $0 / 1000 }
            let origin = Self.origin(headers) ?? RecordOrigin(partition: record.partition, offset: record.offset)
            gold!.check.check(goldRow: value, now: now)
            state.addGold(gold!.check, record: value, now: now, arrival: arrival, origin: origin)
        }
    }

    /// The rejects topic: each source record once, under the reason in its header.
    private mutating func applyRejects(_ batch: MessageBatch, now: Int64) {
        var index = 0
        batch.forEach { record, value in
            defer { index += 1 }
            let headers = batch.headers(at: index)
            let origin = Self.origin(headers) ?? RecordOrigin(partition: -1 - record.partition, offset: record.offset)
            guard gold!.counted.insert(origin).inserted else { return }
            let reasonText = Self.header("reason", headers) ?? ""
            let reason = RejectionReason(rawValue: reasonText)
            if reason == nil && reasonText != "duplicate" { return }  // not ours
            state.countRejected(reason, now: now, origin: origin, record: value)
            if let reason, let quarantine { quarantine.keep(value, reason: reason, record: record) }
        }
    }

    /// Takes what the rejects consumer has, waiting up to `wait` seconds for the first batch.
    /// True when something came.
    private mutating func drainRejects(wait: Double) throws -> Bool {
        guard let rejects = gold?.rejects, !(gold?.rejectsClosed ?? true) else { return false }
        var moved = false
        var timeout = wait
        while true {
            switch rejects.next(timeout: timeout) {
            case let .batch(batch):
                applyRejects(batch, now: Int64(Date().timeIntervalSince1970))
                moved = moved || !batch.isEmpty
                timeout = 0
            case .timedOut:
                try quarantine?.flush()
                return moved
            case .closed:
                gold?.rejectsClosed = true
                try quarantine?.flush()
                return moved
            }
        }
    }

    /// `step` with the gold stream: gold rows first, then whatever the rejects consumer has
    /// (waiting on it once the gold rows are done). A report ends only when both topics were
    /// read to their ends (`.closed`); the live view is caught up when both consumers are.
    private mutating func stepGold(timeout: Double, followToday: Bool) throws -> Step {
        var changed = false
        var sawCaughtUpBatch = false
        if !gold!.goldClosed {
            switch consumer.next(timeout: timeout) {
            case let .batch(batch):
                try apply(batch)
                changed = !batch.isEmpty || batch.restarted
                sawCaughtUpBatch = batch.caughtUp
            case .timedOut: break
            case .closed: gold!.goldClosed = true
            }
        }
        let rolled = followToday && rollOverIfPastMidnight(now: Int64(Date().timeIntervalSince1970))
        let rejected = try drainRejects(wait: gold!.goldClosed ? timeout : 0)
        if gold!.goldClosed && gold!.rejectsClosed { return .closed }
        let caughtUp = !gold!.bounded
            && (sawCaughtUpBatch || consumer.isCaughtUp) && gold!.rejects.isCaughtUp
        if changed || rejected || rolled { return .applied(changed: true, caughtUp: caughtUp) }
        return .idle(changed: false)
    }

    private static func header(_ name: String, _ headers: [Header]) -> String? {
        headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    private static func origin(_ headers: [Header]) -> RecordOrigin? {
        guard let partition = header("source.partition", headers).flatMap(Int32.init),
            let offset = header("source.offset", headers).flatMap(Int64.init)
        else { return nil }
        return RecordOrigin(partition: partition, offset: offset)
    }

    /// Starts the new day once the clock has passed the end of the current one (a single
    /// comparison; the next day's window is built only then). True when it rolled over.
    mutating func rollOverIfPastMidnight(now: Int64) -> Bool {
        guard now >= state.window.end else { return false }
        state.roll(to: state.window.containing(now))
        return true
    }

    /// What one `step` did.
    enum Step {
        /// A batch was applied; `changed` when the day's numbers may have moved (records, a
        /// restart, a new day), `caughtUp` when every partition had reached its end.
        case applied(changed: Bool, caughtUp: Bool)
        /// Nothing came within the wait (the day may still have rolled over: `changed`).
        case idle(changed: Bool)
        /// The stream ended (stopped at the start watermarks, or closed).
        case closed
    }

    /// The one ingest loop's body, shared by the full-screen view, the report mode and the
    /// headless reports: waits up to `timeout` seconds for a batch, applies it, and rolls over
    /// to the next day at local midnight when `followToday`.
    mutating func step(timeout: Double, followToday: Bool) throws -> Step {
        if gold != nil { return try stepGold(timeout: timeout, followToday: followToday) }
        let poll = consumer.next(timeout: timeout)
        let rolled = followToday && rollOverIfPastMidnight(now: Int64(Date().timeIntervalSince1970))
        switch poll {
        case let .batch(batch):
            try apply(batch)
            return .applied(changed: rolled || !batch.isEmpty || batch.restarted, caughtUp: batch.caughtUp)
        case .timedOut:
            return .idle(changed: rolled)
        case .closed:
            return .closed
        }
    }

    /// Reads until every partition reached the end it had at start; gives up with a clear error
    /// when nothing arrives for `stallLimit` seconds before that, and ends at once on a stop
    /// signal.
    mutating func untilCaughtUp(stallLimit: Double) throws {
        var lastProgress = Date()
        while true {
            if let signal = Signals.pending() {
                // Interrupted before the report: the shell's convention, 128 + signal.
                throw ExitCode(128 + signal)
            }
            switch try step(timeout: 0.1, followToday: false) {
            case let .applied(changed, caughtUp):
                if changed { lastProgress = Date() }
                if caughtUp { return }
            case .closed:
                return
            case .idle:
                if Date().timeIntervalSince(lastProgress) > stallLimit {
                    let health = consumer.health
                    let count = consumer.recordCount
                    throw StallError(
                        seconds: stallLimit, brokers: brokers, state: health.state,
                        lastError: health.lastError, read: count.read, of: count.of)
                }
            }
        }
    }
}

/// Nothing came from Kafka for too long before the report was complete.
struct StallError: Error, CustomStringConvertible {
    var seconds: Double
    var brokers: String
    var state: ConnectionState
    var lastError: String?
    var read: Int64
    var of: Int64

    var description: String {
        let secs = seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
        let progress = of > 0 ? " after \(read) of \(of) records" : ""
        switch state {
        case .connected, .degraded:
            return "Kafka at \(brokers) sent nothing for \(secs) s\(progress) (\(state)); "
                + "try a longer --timeout"
        default:
            let cause = lastError.map { " (\(state): \(SafeText.clean($0)))" } ?? " (\(state))"
            return "lost the connection to Kafka at \(brokers)\(progress)\(cause); no data for "
                + "\(secs) s, so the report would be incomplete: check the broker, or try a longer --timeout"
        }
    }
}
