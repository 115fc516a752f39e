import Foundation
import Testing
@testable import Kafka
import TestSupport

@Suite(.timeLimit(.minutes(1))) struct BrokerProcessTests {
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
        func run(_ args: [String], input: String? = nil) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: kcat)
            p.arguments = ["-b", broker.address] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            let inPipe = Pipe()
            p.standardInput = inPipe
            try p.run()
            if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
            try inPipe.fileHandleForWriting.close()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
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
