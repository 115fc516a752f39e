import ArgumentParser
import Foundation
import GoldStream
import Kafka
import Logging
import TiffinCLI
import Transform

/// `transform`: the bronze → gold step as a service. Joins a consumer group on the orders
/// topic (cooperative-sticky: run as many instances as there are machines), checks every record
/// as the dashboard does (SEMANTICS.md §2–§3) and, in one Kafka transaction per batch, publishes
/// a gold row for each valid new order, sends every other record to the rejects topic with its
/// reason, and commits the source offsets. The pure work is `Transform`'s; this is the shell.
@main
struct TransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform",
        abstract: "Publish the gold stream: checked, deduplicated orders as gold rows; the rest to a rejects topic.",
        discussion: """
            Exactly once: the gold rows, the rejected records and the source offsets of a batch \
            are committed in one Kafka transaction (read the gold topic with \
            isolation.level=read_committed). Dedupe by order_id survives restarts and rebalances: \
            when a partition is assigned, its order ids are read again from the source topic (the \
            changelog) from the start of yesterday up to the committed offset.

            Examples:
              transform -b 127.0.0.1:9092
              transform -b 127.0.0.1:9092 --group tiffin-transform --tz Asia/Kolkata
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions

    @Option(help: ArgumentHelp("Topic the gold rows go to.", valueName: "topic"))
    var gold = "restaurant-sales-gold"

    @Option(help: ArgumentHelp("Topic rejected and duplicate records go to (with a reason header).", valueName: "topic"))
    var rejects = "restaurant-sales-rejects"

    @Option(help: ArgumentHelp("Consumer group: instances with the same group share the partitions.", valueName: "id"))
    var group = "tiffin-transform"

    @Option(help: ArgumentHelp("IANA time zone of timestamp_standard (default: this machine's).", valueName: "zone"))
    var tz: String?

    @Option(name: .customLong("menu"), help: ArgumentHelp("Restaurant configuration (YAML).", valueName: "file"))
    var menuFile: String?

    @Option(help: ArgumentHelp("Most records per transaction.", valueName: "n"))
    var batch = 50_000

    @Option(help: ArgumentHelp("Seconds to wait for Kafka before giving up at start.", valueName: "seconds"))
    var timeout: Double = 10

    @Option(help: ArgumentHelp(
        "A name for this instance, the same across its restarts (its transactional.id): a restart then fences the instance that died, and its open transaction is aborted at once. Default: host name and process id.",
        valueName: "name"))
    var instance: String?

    @Flag(help: "Stop once every assigned partition is read to its end (a batch job, a benchmark).")
    var untilCaughtUp = false

    @OptionGroup(title: "Logging") var log: LogOptions

    static func main() { Runner.main(Self.self) }

    func validate() throws {
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("--tz \(tz): not an IANA time zone (try Asia/Kolkata or UTC)")
        }
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch \(batch): expected 1 to 100000") }
        guard timeout > 0 && timeout <= 3600 else {
            throw ValidationError("--timeout \(String(format: "%g", timeout)): expected more than 0 and at most 3600 seconds")
        }
        if let instance, instance.isEmpty { throw ValidationError("--instance needs a name, e.g. --instance $(hostname)-1") }
        try KafkaOptions.checkTopic(gold, flag: "--gold")
        try KafkaOptions.checkTopic(rejects, flag: "--rejects")
        if gold == kafka.topic || rejects == kafka.topic || gold == rejects {
            throw ValidationError("-t, --gold and --rejects must be three different topics")
        }
    }

    func run() throws {
        Signals.start(grace: timeout + 20)
        let logger = try log.bootstrap(label: "transform", defaultPath: nil)
        let restaurant = try menuFile.map(RestaurantFile.load) ?? .seed
        let zone = tz.flatMap(TimeZone.init(identifier:)) ?? .current
        let config = try kafka.makeConfig()
        let service = try GoldStreamService(
            config: config, source: kafka.topic, gold: gold, rejects: rejects, group: group,
            restaurant: restaurant, zone: zone, zoneName: tz ?? zone.identifier, timeout: timeout, logger: logger,
            instance: instance)
        try service.run(batch: batch, untilCaughtUp: untilCaughtUp) { Signals.pending() != nil }
    }
}
