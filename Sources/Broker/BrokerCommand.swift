import Foundation
import ArgumentParser
import Kafka
import Logging
import TiffinCLI

/// `broker`: a Kafka cluster on this machine, for trying Tiffin without one of your own.
@main
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka broker (librdkafka's mock cluster) on 127.0.0.1.",
        discussion: """
            Creates the topic restaurant-sales (and every --topic) and prints the bootstrap \
            address (127.0.0.1:PORT) as the first line of standard output, then serves until \
            SIGINT or SIGTERM. Any Kafka client on this machine can use it, for example \
            `kcat -b ADDR -L`. Data lives in memory: about 5 MiB per partition is kept, older \
            records are pruned; no TLS.

            With --control, standard input takes one command per line and each gets one answer \
            line on standard output ("ok …" or "error …"), to cause faults while clients run: \
            down [BROKER], up [BROKER], rtt MS [BROKER], error fetch|produce transport|not_leader N, \
            leader PARTITION BROKER [TOPIC], status, help, quit. The log survives all of them. \
            A pushed produce error fails one request, and this broker does not check an \
            idempotent producer's sequence numbers: with several requests in flight, a producer \
            can be told a batch was stored that was not. Give it \
            -X max.in.flight.requests.per.connection=1 to see exact counts through such errors.

            Examples:
              broker --partitions 8
              broker --brokers 3 --control        # then type: down 2, status, up 2 …
            """)

    @Option(help: "Partitions per topic.")
    var partitions: Int = 8

    @Option(name: .customLong("topic"), help: "Another topic to create (repeatable).")
    var topics: [String] = []

    @Option(help: "Brokers in the cluster.")
    var brokers: Int = 1

    @Option(help: ArgumentHelp(
        "Round-trip time every broker adds to each request, like a slow link.", valueName: "ms"))
    var rtt: Int = 0

    @Flag(help: "Read fault commands from standard input (see above).")
    var control = false

    @OptionGroup var log: LogOptions

    static func main() { Runner.main(Self.self) }

    func validate() throws {
        guard (1...10_000).contains(partitions) else {
            throw ValidationError("--partitions \(partitions): expected 1 to 10000")
        }
        guard (1...32).contains(brokers) else {
            throw ValidationError("--brokers \(brokers): expected 1 to 32")
        }
        for topic in topics { try KafkaOptions.checkTopic(topic, flag: "--topic") }
        guard (0...60_000).contains(rtt) else {
            throw ValidationError("--rtt \(rtt): expected 0 to 60000 milliseconds")
        }
    }

    func run() throws {
        Signals.start()
        let logger = try log.bootstrap(label: "broker", defaultPath: nil)
        let broker = try EmbeddedBroker(brokers: brokers, logger: logger)
        if rtt > 0 { try broker.setRoundTripTime(rtt) }
        var created: [String] = []
        for topic in ["restaurant-sales"] + topics where !created.contains(topic) {
            try broker.createTopic(topic, partitions: partitions, replicationFactor: brokers)
            created.append(topic)
        }
        try writeStandardOutput(broker.bootstrapServers + "\n")
        writeStandardError(
            "broker: serving \(created.joined(separator: ", ")) (\(partitions) partitions) at "
                + "\(broker.bootstrapServers); Ctrl-C to stop\n")
        if control {
            let start = BrokerControl(brokers: brokers, topics: created.map { ($0, partitions) }, rtt: rtt)
            // Its own thread: a blocking read of standard input must not hold the signal wait.
            // In a shell's background a read would stop the whole process (SIGTTIN): then the
            // read fails instead, and control ends with a line in the log.
            signal(SIGTTIN, SIG_IGN)
            let reader = Thread {
                var controller = start
                while let line = readLine(strippingNewline: true) {
                    guard let answer = controller.handle(line, on: broker) else { continue }
                    logger.notice("control: \(line) → \(answer)")
                    // Nobody may read the answers any more; the command is carried out anyway.
                    try? writeStandardOutput(answer + "\n")
                    if answer == "ok stopping" { kill(getpid(), SIGTERM) }
                }
                logger.notice("control: standard input ended; the broker serves on until stopped")
            }
            reader.start()
        }
        let signal = Signals.wait()
        logger.notice("stopping on signal \(signal)")
        withExtendedLifetime(broker) {}
    }
}
