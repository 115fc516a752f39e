import Foundation
@testable import Kafka
import TestSupport
import Testing

/// Another cluster starts answering at the same address (a broker replaced, its data gone; its
/// logs start again at offset 0). A consumer that kept its old positions would skip the new
/// cluster's first records without a word.
@Suite(
    .timeLimit(.minutes(2)),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/socat"), "needs socat (make test installs it)"))
struct ClusterReplacementTests {
    /// `socat` relaying a fixed loopback port to a broker: the address the client knows.
    final class Relay {
        let port: Int
        private var pid: pid_t = 0

        init() throws {
            port = try freeLoopbackPort()
        }

        /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit never
        /// returned for socat (its forked children inherit what it was given). socat runs in a
        /// process group of its own, so stopping it stops the children relaying live connections.
        func point(at target: String) throws {
            stop()
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd: Int32 in [0, 1, 2] {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            }
            let words: [String] = ["socat", "TCP-LISTEN:\(port),bind=127.0.0.1,reuseaddr,fork", "TCP:\(target)"]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let spawned = posix_spawn(&pid, "/usr/bin/socat", &actions, &attributes, argv, environ)
            guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
            // Wait until it listens.
            for _ in 0..<100 where !Self.listening(port) { usleep(20_000) }
        }

        func stop() {
            guard pid > 0 else { return }
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = 0
        }

        deinit { stop() }

        static func listening(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }

    func cluster(records: Int, prefix: String) throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("orders", partitions: 2)
        let producer = try Producer(config: config(broker.bootstrapServers), logger: quietLogger)
        try produce(producer, topic: "orders", count: records, prefix: prefix)
        return broker
    }

    @Test func aReplacedClusterIsReadAgainFromTheStart() throws {
        let first = try cluster(records: 300, prefix: "old")
        let second = try cluster(records: 500, prefix: "new")
        let relay = try Relay()
        try relay.point(at: first.bootstrapServers)

        let consumer = try Consumer(
            config: config("127.0.0.1:\(relay.port)", ["reconnect.backoff.max.ms": "500"]),
            options: .init(topic: "orders", mode: .watch, start: .beginning), logger: quietLogger)
        #expect(read(consumer, count: 300).count == 300)

        // The first cluster goes away; another answers at the same address.
        // (Down rather than destroyed: destroying a mock cluster with clients attached takes 15 s.)
        try first.setBrokerDown()
        try relay.point(at: second.bootstrapServers)

        var restarted = false
        var afterRestart: [String] = []
        let deadline = Date().addingTimeInterval(40)
        while afterRestart.count < 500 && Date() < deadline {
            guard case let .batch(batch) = consumer.next(timeout: 0.2) else { continue }
            if batch.restarted {
                restarted = true
                afterRestart.removeAll()
            }
            for i in 0..<batch.count { afterRestart.append(String(decoding: batch.value(at: i), as: UTF8.self)) }
        }
        #expect(restarted, "the consumer did not notice the new cluster")
        #expect(afterRestart.count == 500)
        #expect(Set(afterRestart) == Set((0..<500).map { "new\($0)" }))
        #expect(consumer.health.events.contains { if case .clusterReplaced = $0.event { true } else { false } })
        consumer.close()
        relay.stop()
    }
}

/// After a dropped connection the consumer asks the cluster for metadata itself (librdkafka
/// would not after a quick reconnect, and its cached cluster id would stay the old one): a
/// second after the drop and again four seconds later, and the same when the client is back
/// after a long outage; otherwise it only reads the cache.
@Test func aDroppedConnectionMakesTheClusterWatchAskAgain() {
    var watch = ClusterWatch(known: "old")
    var asked: [UInt64] = []
    var id = "old"
    let second: UInt64 = 1_000_000_000
    // t in half seconds; the watch looks when more than a second has passed (every 1.5 s here).
    func check(_ t: UInt64, disruptions: Int) -> ClusterWatch.Change? {
        watch.check(now: t * second / 2, disruptions: disruptions, clusterID: { id }, verify: { asked.append(t) })
    }
    for t: UInt64 in 10...20 { #expect(check(t, disruptions: 0) == nil) }
    #expect(asked.isEmpty)
    // A drop at t=21.
    for t: UInt64 in 21...60 { _ = check(t, disruptions: 1) }
    #expect(asked.count == 2)
    #expect(asked.first.map { $0 >= 23 && $0 <= 25 } == true, "\(asked)")
    #expect(asked.last.map { $0 >= 31 && $0 <= 35 } == true, "\(asked)")
    // Back at t=61, long after the drop: asked again, twice.
    for t: UInt64 in 61...100 { _ = check(t, disruptions: 2) }
    #expect(asked.count == 4)
    #expect(asked.dropFirst(2).first.map { $0 >= 63 && $0 <= 65 } == true, "\(asked)")
    // What the cache says then is what counts.
    id = "new"
    let change = check(110, disruptions: 2)
    #expect(change?.old == "old" && change?.new == "new")
}
