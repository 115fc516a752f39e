import Foundation
import GoldStream
import Kafka
import Logging
import TiffinCLI
import Transform

/// Everything `make demo` needs in one process: an embedded broker, a simulated till that has
/// already sent the day's orders so far, and keeps sending a few per second.
final class Demo {
    let broker: EmbeddedBroker
    let producer: Producer
    let simulator: OrderSimulator
    /// `--source gold`: a `transform` service on a thread of its own, publishing the gold
    /// stream the dashboard reads.
    private var transform: Worker?

    init(
        topic: String, window: DayWindow, restaurant: Restaurant, logger: Logger,
        gold: (topic: String, rejects: String)? = nil
    ) throws {
        broker = try EmbeddedBroker(brokers: 1, logger: logger)
        try broker.createTopic(topic, partitions: 8)
        if let gold {
            try broker.createTopic(gold.topic, partitions: 8)
            try broker.createTopic(gold.rejects, partitions: 8)
        }
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers, origin: "demo")
        producer = try Producer(config: config, logger: logger)
        var settings = OrderSimulator.Settings()
        settings.topic = topic
        settings.restaurant = restaurant
        // A lively demo: about a third of an order a second, more at meal times.
        settings.rate = 1.0 / 3
        let today = window
        settings.dailyShape = { t in Demo.mealtimes(today.minuteOfDay(t) ?? 720) / 2 }
        simulator = OrderSimulator(producer: producer, settings: settings, logger: logger)
        // The day so far, with the same shape, so the sparkline has a history from the start.
        let now = Int64(Date().timeIntervalSince1970)
        try simulator.backfill(from: max(window.start, now - 12 * 3600), to: now) { t in
            20 * Demo.mealtimes(today.minuteOfDay(t) ?? 720) / 2
        }
        simulator.start()
        logger.notice("demo: broker at \(broker.bootstrapServers), \(simulator.sent) orders so far")
        if let gold {
            let service = try GoldStreamService(
                config: config, source: topic, gold: gold.topic, rejects: gold.rejects, group: "tiffin-demo",
                restaurant: restaurant, zone: window.zone, zoneName: window.zoneName, timeout: 10, logger: logger)
            service.statusToStandardError = false  // the screen is up
            let box = ServiceBox(service)
            transform = Worker(name: "tiffin-demo-transform") { worker in
                do {
                    try box.service.run(batch: 50_000) { worker.isStopping }
                } catch {
                    logger.error("demo transform stopped: \(error)")
                }
            }
        }
    }

    /// Hands the service to its thread (used there only, after this).
    private final class ServiceBox: @unchecked Sendable {
        let service: GoldStreamService
        init(_ service: GoldStreamService) { self.service = service }
    }

    /// How busy a restaurant is at a local minute of the day, relative to an ordinary hour
    /// (about 2): quiet at night, a breakfast bump, lunch and dinner rushes.
    static func mealtimes(_ minute: Int) -> Double {
        let hour = Double(minute) / 60
        func rush(_ at: Double, _ width: Double, _ height: Double) -> Double {
            height * exp(-((hour - at) / width) * ((hour - at) / width))
        }
        let open = hour >= 7 && hour < 23 ? 1.0 : 0.1
        return open * (1 + rush(8.5, 1, 1.5) + rush(13, 1.2, 3) + rush(20, 1.5, 3.5))
    }

    deinit {
        transform?.stop()
        transform?.join(timeout: 5)
        simulator.stop()
        try? producer.flush(timeout: 2)
    }
}
