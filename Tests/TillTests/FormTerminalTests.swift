import Foundation
import Kafka
import TestSupport
import Testing
import Till
import Transform

/// The order form in a real terminal (tmux) against a `broker` process: keys in, exactly the
/// order on the topic.
@Suite(
    .timeLimit(.minutes(2)), .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux (make test installs it)"))
struct FormTerminalTests {
    static let log = NSTemporaryDirectory() + "tiffin-form-tests.log"

    func form(_ brokers: String, outbox: String, extra: String = "", term: String = "xterm-256color LANG=C.UTF-8") -> String {
        let producer = productsFolder().appendingPathComponent("producer").path
        return "TERM=\(term) \(producer) -b \(brokers) --till 21 --outbox \(outbox) --log-file \(Self.log) \(extra)"
    }

    @Test func twoDosasAndACoffeeAreOneOrderOf155() throws {
        let broker = try BrokerProcess(arguments: ["--partitions", "3", "--log-file", Self.log])
        let outbox = ProducerProcessTests.temporaryDirectory()
        let session = try TmuxSession(form(broker.address, outbox: outbox), width: 80, height: 24)
        let opened = session.wait { $0.contains("Masala Dosa") && $0.contains("connected") }
        #expect(opened.contains("Masala Dosa"), "\(opened)")
        try session.keys("Right", "Right")
        for _ in 0..<7 { try session.keys("Down") }
        try session.keys("Right")
        let filled = session.wait { $0.contains("155") }
        #expect(filled.contains("155"), "\(filled)")
        try session.keys("Enter")
        let delivered = session.wait { $0.contains("delivered") }
        #expect(delivered.contains("queued") || delivered.contains("delivered"), "\(delivered)")
        #expect(delivered.contains("delivered (partition"), "\(delivered)")
        // The form cleared at once; Enter on it sends nothing and says why.
        try session.keys("Enter")
        let refused = session.wait { $0.contains("Nothing to send") }
        #expect(refused.contains("Nothing to send"), "\(refused)")
        try session.keys("q")
        #expect(session.exitStatus() == "0")

        let records = try ProducerProcessTests.records(broker.address)
        #expect(records.count == 1)
        let record = try #require(records.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any])
        #expect((object["amount"] as? NSNumber)?.int64Value == 155)
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.count == 2)
        #expect(items.contains { $0["name"] as? String == "Masala Dosa" && ($0["quantity"] as? NSNumber)?.intValue == 2 })
        #expect(items.contains { $0["name"] as? String == "Coffee" && ($0["quantity"] as? NSNumber)?.intValue == 1 })
        let id = try #require((object["order_id"] as? NSNumber)?.int64Value)
        #expect(OrderIDs.parts(of: id).till == 21)
        #expect(record.key == Array(String(id).utf8))
    }

    /// Kafka unreachable: the form opens anyway, says OFFLINE, and keeps the order in the
    /// outbox; quitting says where it waits.
    @Test func offlineTheFormStillTakesOrdersIntoTheOutbox() throws {
        let outbox = ProducerProcessTests.temporaryDirectory()
        let nowhere = "127.0.0.1:\(try freeLoopbackPort())"
        let session = try TmuxSession(form(nowhere, outbox: outbox, extra: "--timeout 2"), width: 80, height: 24)
        let offline = session.wait { $0.contains("OFFLINE") }
        #expect(offline.contains("OFFLINE"), "\(offline)")
        try session.keys("Right", "Enter")
        let queued = session.wait { $0.contains("queued") }
        #expect(queued.contains("queued"), "\(queued)")
        let waiting = session.wait { $0.contains("1 waiting") }
        #expect(waiting.contains("1 waiting"), "\(waiting)")
        try session.keys("q")
        #expect(session.exitStatus() == "0")
        #expect(try Outbox.inspect(directory: outbox).waiting == 1)
    }

    @Test func asciiAndNoColourAt80x24() throws {
        let outbox = ProducerProcessTests.temporaryDirectory()
        let nowhere = "127.0.0.1:\(try freeLoopbackPort())"
        let session = try TmuxSession(
            "NO_COLOR=1 " + form(nowhere, outbox: outbox, extra: "--ascii"), width: 80, height: 24)
        let pane = session.wait { $0.contains("Lassi") && $0.contains("Payment") }
        #expect(pane.contains("Lassi") && pane.contains("Payment"), "\(pane)")
        #expect(pane.unicodeScalars.allSatisfy { $0.isASCII }, "\(pane)")
        let colours = session.captureColours()
        #expect(!colours.contains("38;5;") && !colours.contains("38;2;"), "colours under NO_COLOR")
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }
}
