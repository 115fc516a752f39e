import Foundation
import Kafka
import TestSupport
import Testing
import Transform
@testable import Dashboard

/// The wall screen's memory: the full-screen dashboard, having caught up on a day of a million
/// orders, holds at most 64 MB (librdkafka's pre-fetch buffers and the batches are given back
/// once caught up; what stays is the day: the dedupe set, minute buckets, dishes).
@Suite(
    .timeLimit(.minutes(5)), .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux (make test installs it)"))
struct MemoryTests {
    static let orders = 1_000_000

    @Test func aMillionOrderDayFitsIn64MB() throws {
        // 64 partitions: the broker keeps ~5 MiB of each.
        let broker = try BrokerProcess(arguments: ["--partitions", "64"])
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.address)
        let producer = try Producer(config: config, logger: quietLogger)
        var generator = OrderGenerator(seed: 64, firstOrderID: 1)
        let now = Int64(Date().timeIntervalSince1970)
        // Within today in the dashboard's zone (the machine's), also in the hour after midnight.
        let today = DayWindow.containing(now, zone: .current).start
        var record: [UInt8] = []
        for n in 0..<Self.orders {
            record.removeAll(keepingCapacity: true)
            let t = max(today, now - Int64(n % 3_600))
            let id = generator.appendRecord(at: t, faultRate: 0, id: nil, to: &record)
            try producer.send(topic: "restaurant-sales", key: Array(String(id).utf8), value: record)
        }
        try producer.flush(timeout: 120)

        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let screen = try TmuxSession(
            "TERM=xterm-256color LANG=C.UTF-8 \(dashboard) -b \(broker.address) --from beginning --log-file /dev/null",
            width: 120, height: 36)
        let pane = screen.wait(seconds: 180) { $0.contains("caught up") && OutageTests.orders(on: $0) == Self.orders }
        #expect(OutageTests.orders(on: pane) == Self.orders, "\(pane)")
        // The pane runs shells, and a shell the dashboard.
        let shell = try TmuxSession.tmux(["list-panes", "-t", screen.name, "-F", "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(shell).flatMap { Self.descendant(of: $0, named: "dashboard") })
        // Memory is given back on catching up and once more 3 s later, when librdkafka's threads
        // have freed the last fetched buffers: judged after that, at most 10 s after.
        var samples: [Int] = []
        for _ in 0..<20 {
            usleep(500_000)
            guard let kilobytes = Self.residentKilobytes(pid) else { break }
            samples.append(kilobytes / 1024)
            if samples.count >= 8, kilobytes <= 64 * 1024 { break }
        }
        let resident = try #require(Self.residentKilobytes(pid))
        if resident > 64 * 1024 {
            // Freed but not given back, or live? What glibc gives back when asked from outside
            // says (gdb, where installed and allowed to attach).
            let gdb = try? Run("/usr/bin/gdb", ["-p", "\(pid)", "-batch", "-ex", "call (int) malloc_trim(0)"])
            let after = (Self.residentKilobytes(pid) ?? 0) / 1024
            let trimmed: String
            if let gdb, gdb.status == 0, gdb.stdout.contains("$1 = ") {
                trimmed = "\(after) MB"
            } else {
                trimmed = "not measured (\(gdb.map { String($0.stderr.suffix(200)) } ?? "no gdb"))"
            }
            Issue.record(
                """
                RSS \(resident / 1024) MB after catching up on \(Self.orders) orders (samples every 0.5 s, MB: \
                \(samples)); after malloc_trim called from gdb: \(trimmed)
                """)
        }
        try screen.keys("q")
        #expect(screen.exitStatus() == "0")
    }

    static func descendant(of pid: Int32, named name: String) -> Int32? {
        let children = ((try? Run("/usr/bin/pgrep", ["-P", "\(pid)"]))?.stdout ?? "")
            .split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        for child in children {
            let comm = (try? String(contentsOfFile: "/proc/\(child)/comm", encoding: .utf8)) ?? ""
            if comm.trimmingCharacters(in: .whitespacesAndNewlines) == name { return child }
            if let found = descendant(of: child, named: name) { return found }
        }
        return nil
    }

    static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" })[1])
    }
}

/// When the live view gives memory back: on catching up, once more when the last buffers have
/// been freed, then every ten minutes while caught up; never while catching up.
@Test func memoryIsGivenBackOnCatchingUpAndAgainOnceSettled() {
    var schedule = GiveBackSchedule()
    func due(_ caughtUp: Bool, _ now: Double) -> Bool { schedule.due(caughtUp: caughtUp, now: now) }
    #expect(!due(false, 0))
    #expect(!due(false, 50))
    #expect(due(true, 100))
    #expect(!due(true, 101))
    #expect(due(true, 100 + GiveBackSchedule.settle))
    #expect(!due(true, 110))
    #expect(!due(true, 100 + GiveBackSchedule.settle + GiveBackSchedule.every - 1))
    #expect(due(true, 100 + GiveBackSchedule.settle + GiveBackSchedule.every))
    // Behind again (a burst after an outage), then caught up: both again.
    #expect(!due(false, 1_000))
    #expect(due(true, 1_001))
    #expect(due(true, 1_001 + GiveBackSchedule.settle))
}
