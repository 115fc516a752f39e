import ArgumentParser
import Foundation
import Kafka
import TiffinCLI
import Transform

/// Moves batches from the consumer into the one `SalesState` (the single writer).
struct Ingest {
    let consumer: Consumer
    var state: SalesState
    var quarantine: Quarantine?

    /// Applies one batch. The consumer's clock (for the timestamp rule) is read once per batch.
    mutating func apply(_ batch: MessageBatch) {
        let now = Int64(Date().timeIntervalSince1970)
        batch.forEach { record, value in
            let arrival = record.timestamp >= 0 ? record.timestamp / 1000 : nil
            let outcome = state.ingest(value, now: now, arrival: arrival)
            if case let .rejected(reason) = outcome, let quarantine {
                quarantine.keep(value, reason: reason, record: record)
            }
        }
    }

    /// Starts the new day once the clock has passed the end of the current one (a single
    /// comparison; the next day's window is built only then). True when it rolled over.
    mutating func rollOverIfPastMidnight(now: Int64) -> Bool {
        guard now >= state.window.end else { return false }
        state.roll(to: state.window.containing(now))
        return true
    }

    /// Reads until every partition reached the end it had at start; gives up with a clear error
    /// when nothing arrives for `stallLimit` seconds before that.
    mutating func untilCaughtUp(stallLimit: Double) throws {
        var lastProgress = Date()
        while true {
            if let signal = Signals.pending() {
                // Interrupted before the report: the shell's convention, 128 + signal.
                throw ExitCode(128 + signal)
            }
            switch consumer.next(timeout: 0.25) {
            case let .batch(batch):
                apply(batch)
                if !batch.isEmpty { lastProgress = Date() }
                if batch.caughtUp { return }
            case .closed:
                return
            case .timedOut:
                if Date().timeIntervalSince(lastProgress) > stallLimit {
                    let health = consumer.health
                    throw StallError(seconds: stallLimit, state: health.state, lastError: health.lastError)
                }
            }
        }
    }
}

struct StallError: Error, CustomStringConvertible {
    var seconds: Double
    var state: ConnectionState
    var lastError: String?

    var description: String {
        "no data from Kafka for \(Int(seconds)) s before catching up (\(state)"
            + (lastError.map { "; \($0)" } ?? "") + "); try a longer --timeout or check the broker"
    }
}
