import Foundation
import Testing
@testable import Kafka
import TestSupport

/// `broker --control`: the command language, and faults caused from another process that a
/// client survives without losing a record.
@Suite(.timeLimit(.minutes(3))) struct BrokerControlTests {
    let control = BrokerControl(
        brokers: 3, topics: [("restaurant-sales", 8), ("restaurant-sales-gold", 4)])

    func parsed(_ line: String) -> BrokerControl.Command? {
        try? control.parse(line).get()
    }

    func problem(_ line: String) -> String? {
        if case .failure(let error) = control.parse(line) { return error.description }
        return nil
    }

    @Test func commandsAreParsed() {
        #expect(parsed("down") == .down(nil))
        #expect(parsed("  DOWN 2 ") == .down(2))
        #expect(parsed("up 3") == .up(3))
        #expect(parsed("rtt 250") == .rtt(milliseconds: 250, broker: nil))
        #expect(parsed("rtt 0 1") == .rtt(milliseconds: 0, broker: 1))
        #expect(parsed("error fetch transport 3") == .error(.fetch, .transport, count: 3))
        #expect(parsed("error produce not_leader 1") == .error(.produce, .notLeader, count: 1))
        #expect(parsed("leader 7 2") == .leader(topic: "restaurant-sales", partition: 7, broker: 2))
        #expect(parsed("leader 3 1 restaurant-sales-gold") == .leader(topic: "restaurant-sales-gold", partition: 3, broker: 1))
        #expect(parsed("status") == .status)
        #expect(parsed("help") == .help)
        #expect(parsed("quit") == .quit)
        #expect(parsed("") == nil)
        #expect(parsed("# a comment") == nil)
    }

    @Test func aBadLineGetsOneSentenceNamingWhatIsWrong() {
        #expect(problem("down 4") == "no broker \"4\": brokers are numbered 1 to 3")
        #expect(problem("down 0")?.contains("numbered 1 to 3") == true)
        #expect(problem("rtt") == "rtt takes milliseconds and an optional broker, e.g. `rtt 200`")
        #expect(problem("rtt -5") == "rtt -5: expected 0 to 60000 milliseconds")
        #expect(problem("error fetch transport") == "error takes a request, a fault and a count, e.g. `error fetch transport 3`")
        #expect(problem("error commit transport 1") == "error commit: the request is fetch or produce")
        #expect(problem("error fetch timeout 1") == "error … timeout: the fault is transport or not_leader")
        #expect(problem("error fetch transport 0") == "error … 0: expected a count from 1 to 10000")
        #expect(problem("leader 8 1") == "restaurant-sales has no partition 8 (0 to 7)")
        #expect(problem("leader 0 1 nope") == "no topic \"nope\" here (topics: restaurant-sales, restaurant-sales-gold)")
        #expect(problem("status now") == "status takes nothing")
        #expect(problem("reboot")?.hasPrefix("unknown command \"reboot\"; the commands are: down [BROKER]") == true)
    }

    /// A separate `broker --brokers 3 --control` process: every fault is answered, the status
    /// follows, and a producer and a consumer in this process come through all of them with
    /// every record exactly once — the log survives.
    @Test func faultsFromOutsideLoseNothing() throws {
        let broker = try BrokerProcess(arguments: ["--brokers", "3", "--partitions", "4"], control: true)
        #expect(broker.control("status") == "ok brokers=3 up=1,2,3 down=- rtt_ms=0 topics=restaurant-sales:4")
        // One request in flight: a pushed produce error fails a single request, and the mock
        // does not check sequence numbers, so with more in flight a later batch can be stored
        // past a failed one and the failed one taken as stored (see OutageTests).
        let producer = try Producer(
            config: config(broker.address, ["message.timeout.ms": "60000", "max.in.flight.requests.per.connection": "1"]),
            logger: quietLogger)
        try produce(producer, topic: "restaurant-sales", count: 200, prefix: "a")

        // Every broker down, records queued meanwhile, then back.
        #expect(broker.control("down") == "ok all 3 brokers down")
        #expect(broker.control("status") == "ok brokers=3 up=- down=1,2,3 rtt_ms=0 topics=restaurant-sales:4")
        for i in 0..<100 {
            try producer.send(topic: "restaurant-sales", key: Array("b\(i)".utf8), value: Array("b\(i)".utf8))
        }
        usleep(1_500_000)
        #expect(producer.outstanding > 0)  // nothing can be delivered while they are down
        #expect(broker.control("up") == "ok all 3 brokers up")
        try producer.flush(timeout: 30)

        // Leadership moves, transport and NOT_LEADER errors on produce and fetch, a slow link.
        #expect(broker.control("leader 0 2") == "ok restaurant-sales [0] led by broker 2")
        #expect(broker.control("leader 1 3") == "ok restaurant-sales [1] led by broker 3")
        #expect(broker.control("error produce transport 2") == "ok the next 2 produce requests fail with transport")
        #expect(broker.control("error produce not_leader 2") == "ok the next 2 produce requests fail with not_leader")
        #expect(broker.control("rtt 20") == "ok rtt 20 ms")
        try produce(producer, topic: "restaurant-sales", count: 200, prefix: "c")
        #expect(broker.control("error fetch transport 2") == "ok the next 2 fetch requests fail with transport")
        #expect(broker.control("error fetch not_leader 2") == "ok the next 2 fetch requests fail with not_leader")
        #expect(broker.control("down 3") == "ok broker 3 down")
        #expect(broker.control("up 3") == "ok broker 3 up")

        let consumer = try Consumer(
            config: config(broker.address),
            options: .init(topic: "restaurant-sales", stopAtStartWatermarks: true), logger: quietLogger)
        let values = drain(consumer, seconds: 60).map { String(decoding: $0.value, as: UTF8.self) }
        let expected = (0..<200).map { "a\($0)" } + (0..<100).map { "b\($0)" } + (0..<200).map { "c\($0)" }
        // Idempotent producer: retries never write a record twice.
        #expect(values.count == expected.count)
        #expect(Set(values) == Set(expected))
        #expect(broker.control("status") == "ok brokers=3 up=1,2,3 down=- rtt_ms=20 topics=restaurant-sales:4")
        #expect(broker.control("quit") == "ok stopping")
        let deadline = Date().addingTimeInterval(15)
        while broker.process.isRunning && Date() < deadline { usleep(50_000) }
        #expect(!broker.process.isRunning, "quit did not stop the broker")
        if !broker.process.isRunning { #expect(broker.process.terminationStatus == 0) }
    }
}
