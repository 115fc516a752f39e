import Foundation

/// How a client sees the cluster right now, in words a status bar can show.
public enum ConnectionState: Sendable, Equatable, CustomStringConvertible {
    /// No broker has answered yet.
    case connecting
    /// Every broker the client talks to is up.
    case connected
    /// Some brokers are down; the client keeps working with the rest and retries.
    case degraded(down: Int, of: Int)
    /// No broker can be reached; librdkafka keeps retrying.
    case allBrokersDown

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .connected: return "connected"
        case let .degraded(down, of): return "\(down) of \(of) brokers down"
        case .allBrokersDown: return "all brokers down"
        }
    }
}

/// Something that happened to a client, kept in a short history for the UI and the log.
public enum ClientEvent: Sendable, Equatable, CustomStringConvertible {
    case brokerDown(String)
    case allBrokersDown
    case reconnected
    case throttled(broker: String, milliseconds: Int)
    case error(String)
    /// The cluster id changed: another cluster now answers at the same address.
    case clusterReplaced(old: String, new: String)

    public var description: String {
        switch self {
        case let .brokerDown(reason): return "broker down: \(reason)"
        case .allBrokersDown: return "all brokers down"
        case .reconnected: return "reconnected"
        case let .throttled(broker, ms): return "throttled \(ms) ms by \(broker)"
        case let .error(message): return message
        case let .clusterReplaced(old, new): return "the Kafka cluster was replaced (id \(old) → \(new))"
        }
    }
}

/// The latest connection state of a client plus its recent events.
public struct ClientHealth: Sendable, Equatable {
    public var state: ConnectionState = .connecting
    /// When `state` last changed (wall clock).
    public var since: Date = Date()
    /// Times the client came back after all or some brokers were down.
    public var reconnects: Int = 0
    /// librdkafka's transport errors: connections that dropped, however briefly, and failed
    /// connection attempts (repeated identical ones are reported only now and then).
    public var drops: Int = 0
    /// Last throttle time a broker asked for, in milliseconds (0 = none).
    public var throttleMilliseconds: Int = 0
    public var lastError: String?
    /// When the cluster behind the address was last replaced (the consumer then reads again).
    public var clusterReplacedAt: Date?
    /// Newest last, at most `historyLimit`.
    public var events: [Stamped] = []

    public struct Stamped: Sendable, Equatable {
        public var at: Date
        public var event: ClientEvent
    }

    static let historyLimit = 32

    public init() {}

    mutating func record(_ event: ClientEvent, at now: Date = Date()) {
        events.append(Stamped(at: now, event: event))
        if events.count > Self.historyLimit { events.removeFirst(events.count - Self.historyLimit) }
        if case let .error(message) = event { lastError = message }
        if case .clusterReplaced = event { clusterReplacedAt = now }
        if case .brokerDown = event { drops += 1 }
    }

    /// Moves to `next`, recording "reconnected" when coming back from a down state.
    mutating func transition(to next: ConnectionState, at now: Date = Date()) {
        guard next != state else { return }
        let wasDown: Bool
        switch state {
        case .allBrokersDown, .degraded: wasDown = true
        default: wasDown = false
        }
        if next == .connected, wasDown {
            reconnects += 1
            record(.reconnected, at: now)
        } else if next == .allBrokersDown {
            record(.allBrokersDown, at: now)
        }
        state = next
        since = now
    }
}
