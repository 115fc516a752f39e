import ArgumentParser
import Foundation
import Kafka
import Till
import TiffinCLI

/// `producer outbox`: how many orders wait in the outbox and since when; with `--send`,
/// deliver them and exit 0 once every one is delivered.
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Show what waits in the outbox; with --send, deliver it.",
        discussion: """
            Examples:
              producer outbox
              producer outbox --send -b 127.0.0.1:9092
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions
    @OptionGroup(title: "Till") var tillOptions: TillOptions

    @Flag(help: "Deliver what waits (needs -b); exit 0 once every order is delivered.")
    var send = false

    @OptionGroup(title: "Logging") var log: LogOptions

    func run() throws {
        let directory = tillOptions.directory
        guard send else {
            let summary = try Outbox.inspect(directory: directory)
            if let damage = summary.damage { writeStandardError("producer: \(damage)\n") }
            var line: String
            if summary.waiting == 0 {
                line = "The outbox \(directory) is empty: every order was delivered."
            } else {
                line = "\(summary.waiting) order\(summary.waiting == 1 ? "" : "s") wait in the outbox \(directory)"
                if let oldest = summary.oldest {
                    let formatter = DateFormatter()
                    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
                    let date = Date(timeIntervalSince1970: TimeInterval(oldest))
                    line += ", the oldest since \(formatter.string(from: date)) (\(Self.ago(Date().timeIntervalSince(date))) ago)"
                }
                line += "; `producer outbox --send -b HOST:PORT` delivers them."
            }
            if summary.refused > 0 {
                line += " \(summary.refused) refused by Kafka are kept in \(directory)/refused.jsonl."
            }
            try writeStandardOutput(line + "\n")
            return
        }
        Signals.start(grace: tillOptions.timeout + 10)
        let logger = try log.bootstrap(label: "producer", defaultPath: nil)
        let session = try TillSession(kafka: kafka, till: tillOptions, logger: logger, quiet: true)
        let reachable = try session.sender.checkCluster(timeout: tillOptions.timeout)
        try session.finish(
            idle: reachable ? tillOptions.timeout : 1, journaled: 0, what: "orders",
            unreachable: reachable ? nil : "Kafka at \(kafka.brokers ?? "?") did not answer within \(String(format: "%g", tillOptions.timeout)) s")
    }

    static func ago(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: return "\(max(0, Int(seconds))) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return "\(Int(seconds / 3600)) h"
        default: return "\(Int(seconds / 86400)) days"
        }
    }
}
