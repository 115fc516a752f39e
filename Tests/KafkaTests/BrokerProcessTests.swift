import Foundation
import Testing
@testable import Kafka
import TestSupport

// Three minutes, like the other suites that start processes: on a two-core machine the test
// pool has two threads, and a test's limit also counts the time it waits for one while the
// long end-to-end tests (transform, producer, tmux) hold them (seen: 79 s for a 1 s suite).
@Suite(.timeLimit(.minutes(3))) struct BrokerProcessTests {
    @Test func aSeparateBrokerProcessIsReachableOverTCP() throws {
        let broker = try BrokerProcess(arguments: ["--partitions", "8", "--topic", "other"])
        #expect(broker.address.hasPrefix("127.0.0.1:"))
        let producer = try Producer(config: config(broker.address), logger: quietLogger)
        #expect(try producer.checkTopic("restaurant-sales", timeout: 5) == 8)
        #expect(try producer.checkTopic("other", timeout: 5) == 8)
        try produce(producer, topic: "restaurant-sales", count: 100)
        let consumer = try Consumer(
            config: config(broker.address),
            options: .init(topic: "restaurant-sales", stopAtStartWatermarks: true), logger: quietLogger)
        let records = drain(consumer)
        #expect(records.count == 100)
        #expect(Set(records.map(\.record.partition)).count > 1)
        #expect(broker.stop() == 0)
    }

    @Test func kcatCanListProduceAndConsume() throws {
        guard let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first(where: FileManager.default.isExecutableFile)
        else {
            // `make test` installs kcat; a bare `swift test` elsewhere may not have it.
            Issue.record("kcat is not installed (make test installs it)")
            return
        }
        let broker = try BrokerProcess(arguments: ["--partitions", "8"])
        // Files, not pipes: a pipe end leaked into another test's process would keep kcat
        // waiting for the end of its input (or us for the end of its output).
        func run(_ args: [String], input: String? = nil) throws -> String {
            let inPath = NSTemporaryDirectory() + "tiffin-kcat-in-\(UUID().uuidString)"
            let outPath = NSTemporaryDirectory() + "tiffin-kcat-out-\(UUID().uuidString)"
            try (input ?? "").write(toFile: inPath, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: outPath, contents: nil)
            defer {
                unlink(inPath)
                unlink(outPath)
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: kcat)
            p.arguments = ["-b", broker.address] + args
            p.standardInput = FileHandle(forReadingAtPath: inPath)
            p.standardOutput = FileHandle(forWritingAtPath: outPath)
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        }
        let listing = try run(["-L"])
        #expect(listing.contains(#"topic "restaurant-sales" with 8 partitions"#))
        _ = try run(["-t", "restaurant-sales", "-P"], input: "one\ntwo\nthree\n")
        let consumed = try run(["-t", "restaurant-sales", "-C", "-e", "-q"])
        #expect(Set(consumed.split(separator: "\n")) == ["one", "two", "three"])
    }

    @Test func badFlagsExitWithTwo() throws {
        let p = Process()
        p.executableURL = productsFolder().appendingPathComponent("broker")
        p.arguments = ["--partitions", "0"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 2)
    }
}
