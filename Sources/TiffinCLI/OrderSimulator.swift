import Foundation
import Kafka
import Logging
import Synchronization
import Transform

/// Sends plausible orders to Kafka: a backfill of the day so far (so a demo starts with a full
/// screen) and then a steady live stream on its own thread, with a small share of faulty records.
public final class OrderSimulator: Sendable {
    public struct Settings: Sendable {
        public var topic = "restaurant-sales"
        /// Live orders per second.
        public var rate = 2.0
        /// Share of faulty records (duplicates, truncations, unknown modes…), 0…1.
        public var faultRate = 0.02
        public var seed: UInt64 = UInt64(Date().timeIntervalSince1970)
        public var restaurant = Restaurant.seed
        /// Scales `rate` by the time of day (event time in, factor out); nil: a flat rate.
        public var dailyShape: (@Sendable (Int64) -> Double)?

        public init() {}
    }

    private let producer: Producer
    private let settings: Settings
    private let generator: Mutex<OrderGenerator>
    private let worker = Mutex<Worker?>(nil)
    private let sentCount = Atomic<Int>(0)
    private let logger: Logger

    public init(producer: Producer, settings: Settings, logger: Logger) {
        self.producer = producer
        self.settings = settings
        self.logger = logger
        // Ids from the clock, so restarts against the same topic do not collide.
        let firstID = Int64(Date().timeIntervalSince1970 * 1000) % (Int64(1) << 52)
        generator = Mutex(
            OrderGenerator(restaurant: settings.restaurant, seed: settings.seed, firstOrderID: firstID))
    }

    public var sent: Int { sentCount.load(ordering: .relaxed) }

    /// Sends `count` orders with event times spread evenly over `from..<to` (Unix seconds).
    public func backfill(count: Int, from: Int64, to: Int64) throws {
        guard count > 0, to > from else { return }
        let step = Double(to - from) / Double(count)
        for i in 0..<count {
            let t = from + Int64(Double(i) * step)
            try send(at: t)
        }
        try producer.flush(timeout: 30)
    }

    /// Sends the orders of `from..<to` minute by minute, `perMinute(t)` orders on average in
    /// the minute starting at `t` (the count varies at random, like a real till's).
    public func backfill(from: Int64, to: Int64, perMinute: (Int64) -> Double) throws {
        var random = SplitMix64(seed: settings.seed ^ 0xBAC0)
        var minute = from - from % 60
        while minute < to {
            let expected = max(0, perMinute(minute))
            // Sum of uniform draws: mean `expected`, integer counts.
            let count = Int(expected * 2 * random.nextUnit() + random.nextUnit())
            for _ in 0..<count {
                let t = minute + Int64(random.next(below: 60))
                if t >= from && t < to { try send(at: t) }
            }
            minute += 60
        }
        try producer.flush(timeout: 30)
    }

    /// Sends one order with event time `timestamp`.
    public func send(at timestamp: Int64) throws {
        let record = generator.withLock { $0.nextRecord(at: timestamp, faultRate: settings.faultRate) }
        let key = Array(String(sentCount.load(ordering: .relaxed)).utf8)
        try producer.send(topic: settings.topic, key: key, value: record, timestamp: timestamp * 1000)
        sentCount.add(1, ordering: .relaxed)
    }

    /// Starts the live stream (event time = now) on its own thread.
    public func start() {
        worker.withLock { current in
            guard current == nil else { return }
            current = Worker(name: "tiffin-simulator") { [self] worker in stream(worker) }
        }
    }

    public func stop() {
        guard let worker = worker.withLock({ current in defer { current = nil }; return current }) else { return }
        worker.stop()
        worker.join()
    }

    private func stream(_ worker: Worker) {
        var random = SplitMix64(seed: settings.seed ^ 0x5EED)
        while !worker.isStopping {
            // Exponential gaps: orders arrive in little bursts, like at a real till.
            let now = Int64(Date().timeIntervalSince1970)
            let rate = settings.rate * (settings.dailyShape?(now) ?? 1)
            let gap = -log(max(1e-9, 1 - random.nextUnit())) / max(rate, 0.001)
            var remaining = min(gap, 5.0)
            while remaining > 0, !worker.isStopping {
                let slice = min(remaining, 0.1)
                Thread.sleep(forTimeInterval: slice)
                remaining -= slice
            }
            guard !worker.isStopping else { break }
            do {
                try send(at: Int64(Date().timeIntervalSince1970))
            } catch {
                logger.warning("simulator could not send an order: \(error)")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }
}
