import ArgumentParser
import Foundation
import Kafka
import Logging
import Till
import TiffinCLI
import Transform

/// `producer`: the till. The order form for staff (the default), a load simulator, a replay of
/// JSON lines, and the outbox that keeps every order until Kafka has it.
@main
struct ProducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "The till: take orders in a form, simulate a busy restaurant, or replay records — none ever lost.",
        discussion: """
            Every order is written to the outbox (an fsync'ed journal on disk) before Kafka \
            sees it, and stays there until Kafka confirms it; every subcommand first sends \
            what an earlier run left in the outbox. Records are keyed by order id, carry their \
            event time, and are sent idempotently with acks=all.

            Examples:
              producer -b 127.0.0.1:9092                       # the order form
              producer simulate -b 127.0.0.1:9092 --rate 5     # a busy till, until Ctrl-C
              producer simulate -b 127.0.0.1:9092 --count 100000 --rate 0 --spread-today
              producer send -b 127.0.0.1:9092 --file orders.jsonl
              producer send -b 127.0.0.1:9092 --json '{"order_id": 1, …}'
              producer outbox                                  # what waits, since when
              producer outbox --send -b 127.0.0.1:9092         # deliver it, exit 0 when done
            """,
        subcommands: [FormCommand.self, SimulateCommand.self, SendCommand.self, OutboxCommand.self],
        defaultSubcommand: FormCommand.self)

    static func main() { Runner.main(Self.self) }
}

/// Which till this is and where its outbox lives.
struct TillOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Till number 0…99, part of every order id (default: the host name's trailing digits, else 0).",
        valueName: "n"))
    var till: Int?

    @Option(help: ArgumentHelp(
        "Outbox directory (default: ~/.local/state/tiffin/outbox/till-N).", valueName: "dir"))
    var outbox: String?

    @Option(help: ArgumentHelp(
        "Seconds to wait for Kafka: to answer at start, and for deliveries to progress before giving up.",
        valueName: "seconds"))
    var timeout: Double = 10

    func validate() throws {
        if let till, !OrderIDs.tills.contains(till) {
            throw ValidationError("--till \(till): expected a till number from 0 to 99")
        }
        guard timeout > 0 && timeout <= 3600 else {
            throw ValidationError("--timeout \(String(format: "%g", timeout)): expected more than 0 and at most 3600 seconds")
        }
        if let outbox, outbox.isEmpty { throw ValidationError("--outbox needs a directory") }
    }

    var tillNumber: Int {
        till ?? OrderIDs.till(fromHostName: ProcessInfo.processInfo.hostName)
    }

    var directory: String { outbox ?? Outbox.defaultDirectory(till: tillNumber) }
}

/// The pieces every sending subcommand starts with: the outbox (recovered), a sender, and
/// what an earlier run left behind handed to Kafka again.
struct TillSession {
    let sender: OrderSender
    let outbox: Outbox
    let carriedOver: Int

    init(
        kafka: KafkaOptions, till: TillOptions, logger: Logger, quiet: Bool = false,
        reportsOnCaller: Bool = true, onUpdate: (@Sendable (OrderSender.Update) -> Void)? = nil
    ) throws {
        let config = try kafka.makeConfig()
        try TillLock.acquire(till.tillNumber)
        let outbox = try Outbox(directory: till.directory, now: Int64(Date().timeIntervalSince1970))
        if let damage = outbox.damage {
            logger.warning("\(damage)")
            if !quiet { writeStandardError("producer: \(damage)\n") }
        }
        self.outbox = outbox
        sender = try OrderSender(
            config: config, topic: kafka.topic, outbox: outbox, logger: logger, reportsOnCaller: reportsOnCaller,
            onUpdate: onUpdate)
        carriedOver = outbox.waitingCount
        if carriedOver > 0 {
            logger.notice("outbox: \(carriedOver) orders from an earlier run are sent again")
            if !quiet {
                writeStandardError("producer: sending the \(carriedOver) orders an earlier run left in the outbox (\(till.directory))\n")
            }
            // Whatever librdkafka's queue cannot take now goes from the outbox a moment later
            // (a long backlog must not hold the form, or a start against a dead cluster).
            sender.resendPending(wait: 0)
        }
    }

    /// Waits for deliveries (until nothing moves for `idle` seconds), closes, and says how it
    /// went in one line on standard error: sent, delivered, refused, and what waits in the
    /// outbox. Exit 1 when anything was refused or still waits. `unreachable`: Kafka never
    /// answered, and that one sentence is all there is to say.
    func finish(idle: Double, journaled: Int, what: String, unreachable: String? = nil) throws {
        let waiting = sender.drain(idle: idle) { Signals.pending() != nil }
        sender.close()
        let kept = "\(waiting) \(waiting == 1 ? String(what.dropLast()) : what) \(waiting == 1 ? "is" : "are") kept in the outbox (\(outbox.directory)); "
            + "run `producer outbox --send` when Kafka is reachable"
        if let unreachable, sender.delivered == 0, sender.refused == 0, waiting > 0 {
            writeStandardError("producer: \(unreachable): \(kept)\n")
            throw ExitCode(1)
        }
        var line: String
        if journaled == 0 && carriedOver > 0 {
            line = "producer: sent the \(carriedOver) \(what) an earlier run left in the outbox"
        } else {
            line = "producer: sent \(journaled) \(what)"
            if carriedOver > 0 { line += " (and \(carriedOver) an earlier run left in the outbox)" }
        }
        line += "; \(sender.delivered) delivered to \(sender.topic)"
        if sender.refused > 0 {
            line += ", \(sender.refused) refused by Kafka (see the log; kept in \(outbox.directory)/refused.jsonl)"
        }
        if waiting > 0 { line += "; \(kept)" }
        writeStandardError(line + "\n")
        if waiting > 0 || sender.refused > 0 { throw ExitCode(1) }
    }
}

extension Outbox.NewEntry {
    /// An order as the till journals it: key = order id, record time = event time.
    init(order id: Int64, record: [UInt8], eventTime seconds: Int64) {
        self.init(key: Array(String(id).utf8), value: record, timestamp: seconds * 1000, orderID: id)
    }
}
