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
        batch.forEach { record, value in
            let arrival = record.timestamp >= 0 ? record.timestamp / 1000 : nil
            let outcome = state.ingest(value, now: now, arrival: arrival)
            if case let .rejected(reason) = outcome, let quarantine {
                quarantine.keep(value, reason: reason, record: record)
            }
        }
        try quarantine?.flush()
    }

    /// Starts the new day once the clock has passed the end of the current one (a single
    /// comparison; the next day's window is built only then). True when it rolled over.
    mutating func rollOverIfPastMidnight(now: Int64) -> Bool {
        guard now >= state.window.end else { return false }
        state.roll(to: state.window.containing(now))
        return true
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
            switch consumer.next(timeout: 0.1) {
            case let .batch(batch):
                try apply(batch)
                if !batch.isEmpty || batch.restarted { lastProgress = Date() }
                if batch.caughtUp { return }
            case .closed:
                return
            case .timedOut:
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
