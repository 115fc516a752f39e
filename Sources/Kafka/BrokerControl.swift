import CRdKafka

/// `broker --control`: faults caused from outside the process, one command per line, one
/// answer per command ("ok …" or "error …"). The cluster keeps its in-memory log through all of
/// them (killing the broker process would lose it), so a demo can show an outage live and a
/// test in another process can cause one and check that nothing was lost.
///
/// Commands (brokers are numbered from 1; without a number a command means all of them):
/// - `down [BROKER]`, `up [BROKER]`: connections dropped and refused, or accepted again
/// - `rtt MS [BROKER]`: every response delayed by MS milliseconds (0 to undo)
/// - `error fetch|produce transport|not_leader N`: the next N such requests fail that way
///   (one request each: the mock does not check an idempotent producer's sequence numbers
///   unless it is transactional, so a producer with several requests in flight can take a
///   later batch's success as proof that a failed earlier one was stored; see README)
/// - `leader PARTITION BROKER [TOPIC]`: the partition's leadership moves (TOPIC defaults to
///   restaurant-sales)
/// - `status`: brokers up and down, round-trip times, topics
/// - `help`; `quit` stops the broker as Ctrl-C would
public struct BrokerControl: Sendable {
    public enum Command: Equatable, Sendable {
        case down(Int32?)
        case up(Int32?)
        case rtt(milliseconds: Int, broker: Int32?)
        case error(EmbeddedBroker.Request, Fault, count: Int)
        case leader(topic: String, partition: Int32, broker: Int32)
        case status
        case help
        case quit
    }

    public enum Fault: String, Sendable, CaseIterable {
        case transport
        case notLeader = "not_leader"

        /// What the embedded broker answers: a dropped connection, or Kafka's NOT_LEADER.
        var code: Int32 {
            switch self {
            case .transport: return RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
            case .notLeader: return RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue
            }
        }
    }

    public static let usage =
        "down [BROKER], up [BROKER], rtt MS [BROKER], error fetch|produce transport|not_leader N, "
        + "leader PARTITION BROKER [TOPIC], status, help, quit"

    public let brokers: Int
    /// Topic → partition count.
    public private(set) var topics: [(name: String, partitions: Int)]
    public private(set) var downBrokers: Set<Int32> = []
    public private(set) var roundTrips: [Int32: Int] = [:]

    public init(brokers: Int, topics: [(name: String, partitions: Int)], rtt: Int = 0) {
        self.brokers = brokers
        self.topics = topics
        if rtt > 0 { for id in 1...Int32(brokers) { roundTrips[id] = rtt } }
    }

    /// The command on a line; nil for a blank line or a `#` comment; an error sentence for
    /// anything else.
    public func parse(_ line: String) -> Result<Command?, ControlError> {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let verb = words.first?.lowercased(), !verb.hasPrefix("#") else { return .success(nil) }
        let rest = Array(words.dropFirst())
        func broker(_ text: String) -> Result<Int32, ControlError> {
            guard let id = Int32(text), (1...Int32(brokers)).contains(id) else {
                return .failure(ControlError("no broker \"\(text)\": brokers are numbered 1 to \(brokers)"))
            }
            return .success(id)
        }
        func optionalBroker(_ at: Int) -> Result<Int32?, ControlError> {
            guard rest.count > at else { return .success(nil) }
            return broker(rest[at]).map { $0 }
        }
        func arity(_ range: ClosedRange<Int>, _ form: String) -> ControlError? {
            range.contains(rest.count) ? nil : ControlError("\(verb) takes \(form)")
        }
        switch verb {
        case "down", "up":
            if let wrong = arity(0...1, "an optional broker number, e.g. `\(verb)` or `\(verb) 2`") { return .failure(wrong) }
            return optionalBroker(0).map { verb == "down" ? .down($0) : .up($0) }
        case "rtt":
            if let wrong = arity(1...2, "milliseconds and an optional broker, e.g. `rtt 200`") { return .failure(wrong) }
            guard let ms = Int(rest[0]), (0...60_000).contains(ms) else {
                return .failure(ControlError("rtt \(rest[0]): expected 0 to 60000 milliseconds"))
            }
            return optionalBroker(1).map { .rtt(milliseconds: ms, broker: $0) }
        case "error":
            if let wrong = arity(3...3, "a request, a fault and a count, e.g. `error fetch transport 3`") {
                return .failure(wrong)
            }
            let request: EmbeddedBroker.Request
            switch rest[0].lowercased() {
            case "fetch": request = .fetch
            case "produce": request = .produce
            default: return .failure(ControlError("error \(rest[0]): the request is fetch or produce"))
            }
            guard let fault = Fault(rawValue: rest[1].lowercased()) else {
                return .failure(ControlError("error … \(rest[1]): the fault is transport or not_leader"))
            }
            guard let count = Int(rest[2]), (1...10_000).contains(count) else {
                return .failure(ControlError("error … \(rest[2]): expected a count from 1 to 10000"))
            }
            return .success(.error(request, fault, count: count))
        case "leader":
            if let wrong = arity(2...3, "a partition, a broker and an optional topic, e.g. `leader 0 2`") {
                return .failure(wrong)
            }
            let topic = rest.count == 3 ? rest[2] : "restaurant-sales"
            guard let known = topics.first(where: { $0.name == topic }) else {
                return .failure(ControlError("no topic \"\(topic)\" here (topics: \(topics.map(\.name).joined(separator: ", ")))"))
            }
            guard let partition = Int32(rest[0]), partition >= 0, partition < known.partitions else {
                return .failure(ControlError("\(topic) has no partition \(rest[0]) (0 to \(known.partitions - 1))"))
            }
            return broker(rest[1]).map { .leader(topic: topic, partition: partition, broker: $0) }
        case "status", "help", "quit":
            if let wrong = arity(0...0, "nothing") { return .failure(wrong) }
            return .success(verb == "status" ? .status : verb == "help" ? .help : .quit)
        default:
            return .failure(ControlError("unknown command \"\(verb)\"; the commands are: \(Self.usage)"))
        }
    }

    /// Carries out one line and says how it went, on one line ("ok …" / "error …"); nil for a
    /// blank line or a comment.
    public mutating func handle(_ line: String, on cluster: EmbeddedBroker) -> String? {
        switch parse(line) {
        case .success(nil):
            return nil
        case .failure(let problem):
            return "error \(problem.description)"
        case .success(let command?):
            do {
                return "ok " + (try apply(command, on: cluster))
            } catch {
                return "error \(error)"
            }
        }
    }

    private var all: [Int32] { Array(1...Int32(brokers)) }

    private mutating func apply(_ command: Command, on cluster: EmbeddedBroker) throws -> String {
        switch command {
        case .down(let id):
            try cluster.setBrokerDown(id ?? -1)
            downBrokers.formUnion(id.map { [$0] } ?? all)
            return id.map { "broker \($0) down" } ?? (brokers == 1 ? "broker down" : "all \(brokers) brokers down")
        case .up(let id):
            try cluster.setBrokerUp(id ?? -1)
            downBrokers.subtract(id.map { [$0] } ?? all)
            return id.map { "broker \($0) up" } ?? (brokers == 1 ? "broker up" : "all \(brokers) brokers up")
        case .rtt(let ms, let id):
            try cluster.setRoundTripTime(ms, broker: id ?? -1)
            for broker in id.map({ [$0] }) ?? all { roundTrips[broker] = ms }
            return "rtt \(ms) ms" + (id.map { " on broker \($0)" } ?? "")
        case .error(let request, let fault, let count):
            cluster.pushRequestErrors(request, codes: Array(repeating: fault.code, count: count))
            let name = request == .fetch ? "fetch" : "produce"
            return "the next \(count) \(name) request\(count == 1 ? "" : "s") fail\(count == 1 ? "s" : "") with \(fault.rawValue)"
        case .leader(let topic, let partition, let broker):
            try cluster.setPartitionLeader(topic: topic, partition: partition, broker: broker)
            return "\(topic) [\(partition)] led by broker \(broker)"
        case .status:
            let up = all.filter { !downBrokers.contains($0) }
            let down = all.filter { downBrokers.contains($0) }
            func list(_ ids: [Int32]) -> String { ids.isEmpty ? "-" : ids.map(String.init).joined(separator: ",") }
            let rtts = all.map { roundTrips[$0] ?? 0 }
            let rtt = Set(rtts).count == 1 ? "\(rtts[0])" : rtts.map(String.init).joined(separator: ",")
            return "brokers=\(brokers) up=\(list(up)) down=\(list(down)) rtt_ms=\(rtt) topics="
                + topics.map { "\($0.name):\($0.partitions)" }.joined(separator: ",")
        case .help:
            return Self.usage
        case .quit:
            return "stopping"
        }
    }
}

/// Why a control line was not carried out, in one sentence.
public struct ControlError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
