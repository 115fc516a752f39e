import Foundation
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

    init(topic: String, window: DayWindow, restaurant: Restaurant, logger: Logger) throws {
        broker = try EmbeddedBroker(brokers: 1, logger: logger)
        try broker.createTopic(topic, partitions: 8)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers, origin: "demo")
        producer = try Producer(config: config, logger: logger)
        var settings = OrderSimulator.Settings()
        settings.topic = topic
        settings.restaurant = restaurant
        simulator = OrderSimulator(producer: producer, settings: settings, logger: logger)
        // The day so far: from 07:00 local (or midnight) to now, about 3 orders a minute.
        let now = Int64(Date().timeIntervalSince1970)
        let opening = max(window.start, min(window.start + 7 * 3600, now - 3600))
        let count = Int(max(0, now - opening) / 20)
        try simulator.backfill(count: min(count, 20_000), from: opening, to: now)
        simulator.start()
        logger.notice("demo: broker at \(broker.bootstrapServers), \(simulator.sent) orders so far")
    }

    deinit {
        simulator.stop()
        try? producer.flush(timeout: 2)
    }
}
