import CRdKafka
import Foundation
import Logging
import Synchronization

/// Reads one topic on a dedicated thread and hands over batches through a bounded channel.
///
/// - *watch* mode assigns **every** partition itself (no shared group: every dashboard sees every
///   order); librdkafka still wants a `group.id`, so a private one is made up and never committed.
/// - *group* mode subscribes with a group id, so several consumers split the partitions.
///
/// Progress per partition tells when the consumer has *caught up*: every partition has reached
/// the end it had when the consumer started (or reported end-of-partition since).
public final class Consumer: Sendable {
    public enum Mode: Sendable, Equatable {
        case watch
        case group(id: String)
    }

    public enum StartPosition: Sendable, Equatable {
        case beginning
        case end
        /// The group's committed offsets (group mode; where the group has none, the beginning).
        /// Watch mode has no group of its own, so it reads from the beginning.
        case stored
        /// The first record at or after this record time (ms since the epoch), where the broker
        /// can answer; otherwise the beginning (the caller filters by event time anyway).
        case timestamp(milliseconds: Int64)
    }

    public struct Options: Sendable {
        public var topic: String
        public var mode: Mode
        public var start: StartPosition
        /// Stop at the high watermarks seen at start: records written later are not handed over
        /// and the channel closes once every partition got there (watch mode only).
        public var stopAtStartWatermarks: Bool
        public var maxBatch: Int
        /// Batches the reader may fall behind before the poll thread waits.
        public var queueDepth: Int
        /// Seconds to wait for the cluster's first answer before giving up.
        public var timeout: Double

        public init(
            topic: String, mode: Mode = .watch, start: StartPosition = .beginning,
            stopAtStartWatermarks: Bool = false, maxBatch: Int = 8192, queueDepth: Int = 4,
            timeout: Double = 10
        ) {
            self.topic = topic
            self.mode = mode
            self.start = start
            self.stopAtStartWatermarks = stopAtStartWatermarks
            self.maxBatch = maxBatch
            self.queueDepth = queueDepth
            self.timeout = timeout
        }
    }

    public struct PartitionProgress: Sendable, Equatable {
        public var partition: Int32
        /// Oldest and next offsets when the consumer started (-1 when unknown, in group mode).
        public var low: Int64
        public var high: Int64
        /// The offset the read started at (-1 when unknown, in group mode).
        public var start: Int64 = -1
        /// Next offset to be handed over (-1 until known).
        public var position: Int64
        /// Assigned to this consumer (always true in watch mode).
        public var assigned: Bool
        /// Reached `high` (or librdkafka reported end-of-partition) at least once.
        public var reachedEnd: Bool
    }

    /// How the start position was honoured.
    public enum StartResolution: Sendable, Equatable {
        case asRequested
        /// The broker could not look up offsets by time; reading from the beginning instead.
        case fellBackToBeginning(reason: String)
    }

    public enum Poll: Sendable {
        case batch(MessageBatch)
        case timedOut
        /// The stream ended: stopped at the start watermarks, or `close()` was called.
        case closed
    }

    /// librdkafka defaults this consumer starts from (any can be overridden with `-X`).
    public static let defaults: [String: String] = [
        "enable.partition.eof": "true",
        "auto.offset.reset": "earliest",
        "statistics.interval.ms": "1000",
        "fetch.wait.max.ms": "500",
    ]

    public let options: Options
    public let startResolution: StartResolution
    private let loop: PollLoop

    public init(config: KafkaConfig, options: Options, logger: Logger) throws {
        var config = config
        for (name, value) in Self.defaults { config.setIfAbsent(name, value) }
        switch options.mode {
        case .watch:
            config.set("enable.auto.commit", "false", origin: "watch mode")
            if config["group.id"] == nil {
                let id = "tiffin-watch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                config.set("group.id", id, origin: "watch mode")
            }
        case let .group(id):
            config.set("group.id", id, origin: "group mode")
            if options.start == .end { config.set("auto.offset.reset", "latest", origin: "--from end") }
        }
        self.options = options
        let client = try NativeClient(
            kind: .consumer, config: config, context: ClientContext(logger: logger))
        let brokers = config["bootstrap.servers"] ?? "?"
        let count = try client.partitionCount(
            topic: options.topic, timeout: options.timeout, brokers: brokers)
        // The cluster this read starts on, known before any record is handed over: a cluster
        // replaced early (before the poll loop's first look) must still count as replaced.
        let clusterID = client.clusterID(timeout: min(options.timeout, 5))

        var progress: [PartitionProgress] = []
        var resolution = StartResolution.asRequested
        switch options.mode {
        case .watch:
            progress = try Self.watermarks(client, options, count: count, brokers: brokers)
            let offsets: [Int64]
            (offsets, resolution) = try Self.startOffsets(client, options, progress)
            try Self.assign(client, topic: options.topic, offsets: offsets)
            for i in progress.indices {
                progress[i].start = offsets[i]
                progress[i].position = offsets[i]
                progress[i].reachedEnd = offsets[i] >= progress[i].high
            }
        case .group:
            progress = (0..<Int32(count)).map {
                PartitionProgress(
                    partition: $0, low: -1, high: -1, position: -1, assigned: false,
                    reachedEnd: false)
            }
            let list = rd_kafka_topic_partition_list_new(1)
            rd_kafka_topic_partition_list_add(list, options.topic, RD_KAFKA_PARTITION_UA)
            let err = rd_kafka_subscribe(client.handle, list)
            rd_kafka_topic_partition_list_destroy(list)
            guard err.isOK else { throw KafkaError.code(err) }
        }
        startResolution = resolution
        rd_kafka_poll_set_consumer(client.handle)
        guard let queue = rd_kafka_queue_get_consumer(client.handle) else {
            throw KafkaError.clientCreation("librdkafka gave no consumer queue")
        }
        let loop = PollLoop(
            client: client, queue: queue, options: options, progress: progress, clusterID: clusterID)
        self.loop = loop
        loop.start()
    }

    deinit {
        close()
    }

    /// The next batch, waiting up to `timeout` seconds.
    public func next(timeout: Double) -> Poll {
        switch loop.channel.pop(timeout: timeout) {
        case let .batch(batch): return .batch(batch)
        case .timedOut: return .timedOut
        case .closed: return .closed
        }
    }

    public var progress: [PartitionProgress] { loop.state.withLock { $0 } }

    public var isCaughtUp: Bool { loop.state.withLock { PollLoop.caughtUp($0) } }

    /// Records between where this consumer is and the partitions' latest known ends, summed
    /// over the partitions it reads (librdkafka's cached high watermarks: no request is made);
    /// nil until some end is known.
    public var lag: Int64? {
        var total: Int64 = 0
        var known = false
        for p in progress where p.assigned && p.position >= 0 {
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(loop.client.handle, options.topic, p.partition, &low, &high).isOK,
                high >= 0
            else { continue }
            total += max(0, high - p.position)
            known = true
        }
        return known ? total : nil
    }

    public var health: ClientHealth { loop.client.context.health.withLock { $0 } }

    /// Records handed over so far, and how many there were to read from the start offsets to
    /// the watermarks seen at start (watch mode; both 0 when unknown).
    public var recordCount: (read: Int64, of: Int64) {
        var read: Int64 = 0
        var total: Int64 = 0
        for p in progress where p.assigned && p.start >= 0 && p.high >= p.start {
            total += p.high - p.start
            read += max(0, min(p.position, p.high) - p.start)
        }
        return (read, total)
    }

    /// Stops the poll thread and leaves the group; batches not yet read are dropped. Waits at
    /// most `seconds`: with the broker gone, librdkafka's close can wait far longer, and a
    /// program on its way out must not hang on it (what is left is freed when the process ends).
    public func close(within seconds: Double = 3) {
        let loop = self.loop
        let done = DispatchSemaphore(value: 0)
        let closer = Thread {
            loop.stop()
            done.signal()
        }
        closer.name = "tiffin-consumer-close"
        closer.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            loop.client.context.logger.warning(
                "the Kafka consumer did not close within \(seconds) s; leaving it to the exit")
        }
    }

    // MARK: - Start-up (watch mode)

    /// Oldest and next offsets of every partition, asked in two requests (not one round trip
    /// per partition: 64 partitions over a 50 ms link would otherwise take three seconds).
    /// ListOffsets' special times -2 (earliest) and -1 (latest) mean exactly that.
    /// `slowFallback` false: only the two bulk requests, never librdkafka's per-partition
    /// query, which can wait for minutes on a broker that stops answering.
    fileprivate static func watermarks(
        _ client: NativeClient, _ options: Options, count: Int, brokers: String,
        slowFallback: Bool = true
    ) throws -> [PartitionProgress] {
        let partitions = (0..<Int32(count)).map {
            PartitionProgress(
                partition: $0, low: -1, high: -1, position: -1, assigned: true, reachedEnd: false)
        }
        do {
            let low = try offsetsForTimes(client, options, partitions, milliseconds: -2)
            let high = try offsetsForTimes(client, options, partitions, milliseconds: -1)
            if low.allSatisfy({ $0 >= 0 }) && high.allSatisfy({ $0 >= 0 }) {
                return partitions.map {
                    var p = $0
                    p.low = low[Int(p.partition)]
                    p.high = high[Int(p.partition)]
                    return p
                }
            }
        } catch KafkaError.broker(let code, _)
            where code == RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
            || code == RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
        {
            throw KafkaError.unreachable(brokers: brokers, seconds: options.timeout, detail: "no offsets")
        }
        guard slowFallback else {
            throw KafkaError.broker(code: -1, message: "the watermarks are not known yet")
        }
        // A broker that cannot answer in bulk: one partition at a time.
        var result: [PartitionProgress] = []
        for var p in partitions {
            let err = rd_kafka_query_watermark_offsets(
                client.handle, options.topic, p.partition, &p.low, &p.high,
                Int32(options.timeout * 1000))
            guard err.isOK else {
                if err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT {
                    throw KafkaError.unreachable(
                        brokers: brokers, seconds: options.timeout, detail: err.text)
                }
                throw KafkaError.code(err)
            }
            result.append(p)
        }
        return result
    }

    fileprivate static func startOffsets(
        _ client: NativeClient, _ options: Options, _ progress: [PartitionProgress]
    ) throws -> ([Int64], StartResolution) {
        switch options.start {
        case .beginning, .stored:
            return (progress.map(\.low), .asRequested)
        case .end:
            return (progress.map(\.high), .asRequested)
        case let .timestamp(ms):
            let found = try offsetsForTimes(client, options, progress, milliseconds: ms)
            // -1 means "no record at or after that time" on a real broker, but the embedded
            // broker answers -1 for everything. Ask for time 0 on a partition that has data: a
            // real broker returns its first offset there, the embedded one -1 again.
            if let withData = progress.firstIndex(where: { $0.high > $0.low }), found[withData] < 0 {
                let probe = try offsetsForTimes(client, options, progress, milliseconds: 0)
                if probe[withData] < 0 {
                    return (
                        progress.map(\.low),
                        .fellBackToBeginning(
                            reason: "the broker cannot look up offsets by time "
                                + "(offsets_for_times answered -1)")
                    )
                }
            }
            return (zip(found, progress).map { $0 < 0 ? $1.high : $0 }, .asRequested)
        }
    }

    fileprivate static func offsetsForTimes(
        _ client: NativeClient, _ options: Options, _ progress: [PartitionProgress],
        milliseconds: Int64
    ) throws -> [Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(progress.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for p in progress {
            rd_kafka_topic_partition_list_add(list, options.topic, p.partition).pointee.offset =
                milliseconds
        }
        let err = rd_kafka_offsets_for_times(client.handle, list, Int32(options.timeout * 1000))
        guard err.isOK else { throw KafkaError.code(err) }
        var result = [Int64](repeating: -1, count: progress.count)
        for i in 0..<Int(list.pointee.cnt) {
            let e = list.pointee.elems[i]
            if e.err.isOK, Int(e.partition) < result.count { result[Int(e.partition)] = e.offset }
        }
        return result
    }

    fileprivate static func assign(_ client: NativeClient, topic: String, offsets: [Int64]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (p, offset) in offsets.enumerated() {
            rd_kafka_topic_partition_list_add(list, topic, Int32(p)).pointee.offset = offset
        }
        let err = rd_kafka_assign(client.handle, list)
        guard err.isOK else { throw KafkaError.code(err) }
    }
}

/// The poll thread's side of a consumer: the only code that calls librdkafka's consume functions.
private final class PollLoop: Sendable {
    let client: NativeClient
    let channel: BoundedChannel<MessageBatch>
    let state: Mutex<[Consumer.PartitionProgress]>
    private let queue: QueueHandle
    private let options: Consumer.Options
    private let worker = Mutex<Worker?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let waker: FetchWaker

    private struct QueueHandle: @unchecked Sendable {
        // Safety: rd_kafka_queue_t is thread-safe; destroyed once, after the poll thread ended.
        let pointer: OpaquePointer
    }

    private let startClusterID: String?

    init(
        client: NativeClient, queue: OpaquePointer, options: Consumer.Options,
        progress: [Consumer.PartitionProgress], clusterID: String?
    ) {
        self.client = client
        self.startClusterID = clusterID
        self.queue = QueueHandle(pointer: queue)
        self.options = options
        self.state = Mutex(progress)
        self.channel = BoundedChannel(capacity: options.queueDepth)
        self.waker = FetchWaker(client: client, topic: options.topic)
    }

    deinit {
        rd_kafka_queue_destroy(queue.pointer)
    }

    /// Ends the poll thread (waiting for it) and closes the consumer. Safe to call twice.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let worker = self.worker.withLock { $0 }
        worker?.stop()
        channel.discard()
        waker.stop()
        worker?.join()
        rd_kafka_consumer_close(client.handle)
    }

    static func caughtUp(_ progress: [Consumer.PartitionProgress]) -> Bool {
        let relevant = progress.filter(\.assigned)
        return !relevant.isEmpty && relevant.allSatisfy(\.reachedEnd)
    }


    func start() {
        let worker = Worker(name: "tiffin-consumer-poll") { [self] worker in run(worker) }
        self.worker.withLock { $0 = worker }
    }

    private func run(_ worker: Worker) {
        let capacity = max(1, options.maxBatch)
        let messages = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
            .allocate(capacity: capacity)
        defer { messages.deallocate() }
        var progress = state.withLock { $0 }
        var wasCaughtUp = PollLoop.caughtUp(progress)
        var lastAssignmentCheck = Date.distantPast
        var lastWake = DispatchTime.now().uptimeNanoseconds
        var wakeTarget = 0
        var cluster = ClusterWatch(known: startClusterID)
        if wasCaughtUp, options.stopAtStartWatermarks {
            var batch = MessageBatch()
            batch.caughtUp = true
            _ = channel.push(batch)
            channel.close()
            return
        }
        let bounded = options.stopAtStartWatermarks && options.mode == .watch
        let batchMode = options.mode == .watch

        while !worker.isStopping {
            if let change = cluster.check(client, verify: waker.askForMetadata) {
                if restart(&progress, change) {
                    cluster.known = change.new
                    wasCaughtUp = false
                    var marker = MessageBatch()
                    marker.restarted = true
                    if !channel.push(marker) { break }
                } else {
                    cluster.checkAgain(after: 5)
                }
            }
            var count = 0
            if batchMode {
                let n = rd_kafka_consume_batch_queue(queue.pointer, 100, messages, capacity)
                count = max(0, n)
            } else {
                // Group mode: consumer_poll is safe across rebalances in librdkafka 2.0.
                var timeout: Int32 = 100
                while count < capacity, let m = rd_kafka_consumer_poll(client.handle, timeout) {
                    messages[count] = m
                    count += 1
                    timeout = 0
                }
            }
            var batch = MessageBatch(client: client, capacity: count)
            var traffic = false
            for i in 0..<count {
                guard let pointer = messages[i] else { continue }
                let m = pointer.pointee
                let p = Int(m.partition)
                if m.err.isOK {
                    traffic = true
                    if p < progress.count {
                        if bounded && m.offset >= progress[p].high {
                            progress[p].reachedEnd = true
                            rd_kafka_message_destroy(pointer)
                            continue
                        }
                        progress[p].position = m.offset + 1
                        if progress[p].high >= 0 && progress[p].position >= progress[p].high {
                            progress[p].reachedEnd = true
                        }
                    }
                    batch.append(pointer)  // the batch destroys it once read
                    continue
                } else if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    traffic = true
                    if p < progress.count {
                        progress[p].reachedEnd = true
                        progress[p].position = m.offset
                    }
                } else {
                    let text = rd_kafka_message_errstr(pointer).map { String(cString: $0) }
                    client.context.handleError(m.err, reason: text ?? m.err.text)
                }
                rd_kafka_message_destroy(pointer)
            }
            if traffic { client.context.noteTraffic() }
            if batchMode { wakeFetcherIfIdle(progress, &lastWake, &wakeTarget) }
            if !batchMode, Date().timeIntervalSince(lastAssignmentCheck) > 0.5 {
                lastAssignmentCheck = Date()
                markAssignment(&progress)
            }
            let caughtUp = PollLoop.caughtUp(progress)
            state.withLock { $0 = progress }
            batch.caughtUp = caughtUp
            if !batch.isEmpty || caughtUp != wasCaughtUp {
                wasCaughtUp = caughtUp
                if !channel.push(batch) { break }
            }
            if bounded && caughtUp {
                channel.close()
                break
            }
        }
    }

    /// Another cluster answers at the same address: its logs start again at offset 0, so the
    /// old positions would silently skip its first records. Reads again from the start position
    /// on the new cluster (watch mode: new watermarks and start offsets; group mode: the
    /// assigned partitions from their beginning). False when the new cluster does not answer
    /// yet (the next check tries again).
    private func restart(
        _ progress: inout [Consumer.PartitionProgress], _ change: ClusterWatch.Change
    ) -> Bool {
        let logger = client.context.logger
        logger.warning("the Kafka cluster was replaced (cluster id \(change.old) → \(change.new)); reading again")
        switch options.mode {
        case .watch:
            do {
                let count = try client.partitionCount(
                    topic: options.topic, timeout: options.timeout, brokers: "the new cluster")
                var fresh = try Consumer.watermarks(
                    client, options, count: count, brokers: "the new cluster", slowFallback: false)
                let (offsets, _) = try Consumer.startOffsets(client, options, fresh)
                try Consumer.assign(client, topic: options.topic, offsets: offsets)
                for i in fresh.indices {
                    fresh[i].start = offsets[i]
                    fresh[i].position = offsets[i]
                    fresh[i].reachedEnd = offsets[i] >= fresh[i].high
                }
                progress = fresh
            } catch {
                logger.warning("the new Kafka cluster did not answer yet: \(error)")
                return false
            }
        case .group:
            let assigned = progress.filter(\.assigned)
            let list = rd_kafka_topic_partition_list_new(Int32(max(1, assigned.count)))!
            defer { rd_kafka_topic_partition_list_destroy(list) }
            for p in assigned {
                rd_kafka_topic_partition_list_add(list, options.topic, p.partition).pointee.offset =
                    Int64(RD_KAFKA_OFFSET_BEGINNING)
            }
            if let error = rd_kafka_seek_partitions(client.handle, list, Int32(options.timeout * 1000)) {
                logger.warning("could not rewind on the new Kafka cluster: \(String(cString: rd_kafka_error_string(error)))")
                rd_kafka_error_destroy(error)
                return false
            }
            for i in progress.indices {
                progress[i].position = -1
                progress[i].reachedEnd = false
            }
        }
        client.context.health.withLock { $0.record(.clusterReplaced(old: change.old, new: change.new)) }
        return true
    }

    /// librdkafka 2.0 stops fetching a partition while its local queue is over
    /// `queued.min.messages` / `queued.max.messages.kbytes` and looks again only on its next
    /// one-second tick (later versions made this `fetch.queue.backoff.ms`). A reader slower than
    /// the fetcher — ours parses every order — would sit idle for most of each second. When the
    /// local queue runs low before the partitions reached their end, a watermark query wakes the
    /// partition leader's broker thread, which then decides to fetch again at once.
    private func wakeFetcherIfIdle(
        _ progress: [Consumer.PartitionProgress], _ lastWake: inout UInt64, _ target: inout Int
    ) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now - lastWake > 20_000_000,
            rd_kafka_queue_length(queue.pointer) < options.maxBatch
        else { return }
        let behind = progress.indices.filter { !progress[$0].reachedEnd }
        guard !behind.isEmpty else { return }
        target = (target + 1) % behind.count
        waker.wake(partition: progress[behind[target]].partition)
        lastWake = now
    }

    private func markAssignment(_ progress: inout [Consumer.PartitionProgress]) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(client.handle, &list).isOK, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        var assigned = Set<Int32>()
        for i in 0..<Int(list.pointee.cnt) { assigned.insert(list.pointee.elems[i].partition) }
        for i in progress.indices {
            let now = assigned.contains(progress[i].partition)
            if now != progress[i].assigned {
                progress[i].assigned = now
                progress[i].reachedEnd = false
            }
        }
    }
}

/// Asks for a partition's watermarks on a thread of its own, only to make librdkafka's fetcher
/// look again (see `wakeFetcherIfIdle`). librdkafka's watermark query waits for the broker's
/// answer however long that takes — minutes with a broker that died mid-request — so the poll
/// thread must never make it. Requests made while one is under way collapse into one. The same
/// thread asks for metadata when `ClusterWatch` wants the cluster id checked. It holds the
/// client, so the handle outlives `PollLoop.stop()` by up to the metadata request's 2 s and
/// may then be destroyed on this thread.
private final class FetchWaker: Sendable {
    private struct Request {
        var partition: Int32?
        var metadata = false
        var stopped = false
    }

    private let request = Mutex(Request())
    private let ready = DispatchSemaphore(value: 0)

    init(client: NativeClient, topic: String) {
        let thread = Thread { [self] in
            while true {
                ready.wait()
                let (partition, metadata, stopped) = request.withLock { r in
                    defer {
                        r.partition = nil
                        r.metadata = false
                    }
                    return (r.partition, r.metadata, r.stopped)
                }
                if stopped { return }
                if metadata {
                    // The answer refreshes librdkafka's cached cluster id (see ClusterWatch).
                    var answer: UnsafePointer<rd_kafka_metadata>?
                    if rd_kafka_metadata(client.handle, 0, nil, &answer, 2_000).isOK, let answer {
                        rd_kafka_metadata_destroy(answer)
                    }
                }
                guard let partition else { continue }
                var low: Int64 = 0
                var high: Int64 = 0
                _ = rd_kafka_query_watermark_offsets(client.handle, topic, partition, &low, &high, 50)
            }
        }
        thread.name = "tiffin-fetch-waker"
        thread.start()
    }

    func wake(partition: Int32) {
        post { r in
            guard r.partition == nil else { return false }
            r.partition = partition
            return true
        }
    }

    /// Asks the cluster for metadata on this thread (the poll thread must not wait for it).
    func askForMetadata() {
        post { r in
            guard !r.metadata else { return false }
            r.metadata = true
            return true
        }
    }

    func stop() {
        post { r in
            r.stopped = true
            return true
        }
    }

    /// Changes the request; wakes the thread when `change` says there is something new for it.
    private func post(_ change: (inout Request) -> Bool) {
        if request.withLock({ change(&$0) }) { ready.signal() }
    }
}

/// The id of the cluster answering at the configured address, checked about once a second
/// from librdkafka's cached metadata. librdkafka updates that id only from a metadata answer,
/// and after a reconnect it asks for metadata only when its cache is stale (minutes): a
/// cluster replaced behind the same address during a short drop could go unnoticed while
/// the consumer read the new cluster at the old cluster's offsets. So after every dropped
/// connection, and when the client is back after brokers were down, the watch asks for
/// metadata itself (`verify`, off the poll thread): a second later and again a few seconds
/// after that.
struct ClusterWatch {
    struct Change {
        var old: String
        var new: String
    }

    var known: String?
    private var lastCheck: UInt64 = 0
    private var disruptions = 0
    /// When to ask for metadata (uptime nanoseconds), after a drop or a reconnect.
    private var verifications: [UInt64] = []

    init(known: String?) {
        self.known = known
    }

    /// The next check waits `seconds` (the new cluster did not answer yet).
    mutating func checkAgain(after seconds: Double) {
        lastCheck = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, seconds - 1) * 1e9)
    }

    /// A change from a known id to another one; the caller sets `known` once it has acted on it.
    /// `verify` asks the cluster for metadata without waiting for the answer.
    mutating func check(_ client: NativeClient, verify: () -> Void) -> Change? {
        check(
            now: DispatchTime.now().uptimeNanoseconds,
            disruptions: client.context.health.withLock { $0.drops + $0.reconnects },
            clusterID: { client.clusterID(timeout: 0) }, verify: verify)
    }

    /// The same, given the time (uptime nanoseconds), how many times so far a connection
    /// dropped or the client came back after brokers were down, and the cached cluster id.
    /// (librdkafka reports repeated identical connection failures only now and then, so a long
    /// outage can end well after the last drop counted: its end is counted too.)
    mutating func check(now: UInt64, disruptions: Int, clusterID: () -> String?, verify: () -> Void) -> Change? {
        guard now > lastCheck, now - lastCheck > 1_000_000_000 else { return nil }
        lastCheck = now
        if disruptions != self.disruptions {
            self.disruptions = disruptions
            verifications = [now + 1_000_000_000, now + 5_000_000_000]
        }
        if let first = verifications.first, now >= first {
            verifications.removeFirst()
            verify()
        }
        guard let id = clusterID() else { return nil }
        guard let known else {
            self.known = id
            return nil
        }
        return id == known ? nil : Change(old: known, new: id)
    }
}
