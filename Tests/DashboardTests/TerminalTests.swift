import Foundation
import Kafka
import TestSupport
import Testing
import Transform

/// The full-screen view in a real terminal: tmux runs the dashboard, the test reads the pane.
@Suite(
    .timeLimit(.minutes(2)), .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "needs tmux (make test installs it)"))
struct TerminalTests {
    typealias Session = TmuxSession

    @discardableResult
    static func tmux(_ arguments: [String]) throws -> String { try TmuxSession.tmux(arguments) }

    /// A broker with three of today's orders (₹155 + ₹70 + ₹40 = ₹265).
    func brokerWithOrders() throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 2)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)
        let now = Int64(Date().timeIntervalSince1970)
        let orders = [
            Order(orderID: 1, tableID: "T3", customers: 2, paymentMode: "UPI",
                  items: [.init(name: "Masala Dosa", quantity: 2, price: 70), .init(name: "Coffee", quantity: 1, price: 15)],
                  amount: 155, timestamp: now - 30),
            Order(orderID: 2, tableID: "T7", customers: 1, paymentMode: "CASH",
                  items: [.init(name: "Idli Vada", quantity: 1, price: 70)], amount: 70, timestamp: now - 20),
            Order(orderID: 3, tableID: "T1", customers: 1, paymentMode: "CARD",
                  items: [.init(name: "Idli", quantity: 1, price: 40)], amount: 40, timestamp: now - 10),
        ]
        for order in orders { try producer.send(topic: "restaurant-sales", value: Array(order.json.utf8)) }
        try producer.flush(timeout: 10)
        return broker
    }

    func command(_ broker: EmbeddedBroker, _ extra: String = "") -> String {
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        return "TERM=xterm-256color LANG=C.UTF-8 \(dashboard) -b \(broker.bootstrapServers) --from beginning --tz UTC --log-file /dev/null \(extra)"
    }

    @Test func theDashboardDrawsQuitsOnQAndGivesTheTerminalBack() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        let pane = session.wait { $0.contains("₹265") && $0.contains("caught up") }
        #expect(pane.contains("REVENUE TODAY"))
        #expect(pane.contains("₹265"))
        #expect(pane.contains("Masala Dosa"))
        #expect(pane.contains("T3"))
        #expect(pane.split(separator: "\n").first?.hasPrefix("╭─ Tiffin · restaurant-sales") == true)
        try session.keys("q")
        #expect(session.exitStatus() == "0")
        // Back on the normal screen: the dashboard's frame is gone.
        #expect(!session.capture().contains("REVENUE TODAY"))
    }

    @Test func aResizeRedrawsForTheNewSize() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        try session.resize(60, 16)
        let small = session.wait { pane in
            pane.split(separator: "\n").first.map { $0.count <= 60 && $0.hasSuffix("╮") } ?? false
        }
        #expect(small.contains("REVENUE TODAY"))
        #expect(!small.contains("Popular items"))
        try session.resize(30, 8)
        #expect(session.wait { $0.contains("Terminal too small") }.contains("Terminal too small"))
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }

    @Test func sigtermEndsCleanly() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker, "--kiosk"))
        let pane = session.wait { $0.contains("Revenue today") }
        #expect(!pane.contains("q:quit"))
        let pid = try Self.dashboardPID(broker)
        #expect(pid != nil)
        if let pid { kill(pid, SIGTERM) }
        #expect(session.exitStatus() == "0")
        #expect(!session.capture().contains("Revenue today"))
    }

    @Test func aVanishedTerminalEndsTheDashboardInsteadOfSpinning() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        let pid = try #require(try Self.dashboardPID(broker))
        // Closing the window takes the terminal away, as a dropped SSH connection does.
        try Self.tmux(["kill-session", "-t", session.name])
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0 && Date() < deadline { usleep(100_000) }
        let alive = kill(pid, 0) == 0
        if alive { kill(pid, SIGKILL) }
        #expect(!alive, "the dashboard outlived its terminal")
    }

    @Test func whileConnectingTheViewSaysSoAndCtrlCQuits() throws {
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let session = try Session("TERM=xterm-256color LANG=C.UTF-8 \(dashboard) -b 127.0.0.1:1 --timeout 60 --log-file /dev/null")
        let pane = session.wait { $0.contains("Connecting to 127.0.0.1:1") }
        #expect(pane.contains("Connecting to 127.0.0.1:1"))
        #expect(pane.contains("Ctrl-C"))
        try session.keys("C-c")
        let status = session.exitStatus(seconds: 3)
        #expect(status != nil, "Ctrl-C did not end the dashboard while it was connecting")
        #expect(!session.capture().contains("Connecting to"))
    }

    @Test func oneToFourShowEachView() throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 2)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)
        var generator = OrderGenerator(seed: 11)
        // Today in UTC (the command's --tz), from its start: never yesterday, even just after midnight.
        let now = Int64(Date().timeIntervalSince1970)
        let today = now - now % 86_400
        for i in 0..<120 {
            try producer.send(topic: "restaurant-sales", value: generator.nextRecord(at: today + Int64(i) * 20, faultRate: 0))
        }
        try producer.send(topic: "restaurant-sales", value: Array("{broken".utf8))
        try producer.flush(timeout: 10)
        let session = try Session(command(broker))
        session.wait { $0.contains("caught up") }
        try session.keys("2")
        let items = session.wait { $0.contains("2 Items") && $0.contains("Lassi") }
        for dish in Restaurant.seed.menu.map(\.name) { #expect(items.contains(dish), "\(dish) missing:\n\(items)") }
        try session.keys("3")
        func orderRows(_ pane: String) -> Int {
            pane.split(separator: "\n").filter { $0.range(of: #"\d\d:\d\d:\d\d .*₹"#, options: .regularExpression) != nil }.count
        }
        // (A capture can catch a frame half written: wait for the whole page.)
        let orders = session.wait { $0.contains("3 Orders") && orderRows($0) > 15 }
        #expect(orderRows(orders) > 15, "\(orders)")
        try session.keys("4")
        let quality = session.wait { $0.contains("4 Quality") && $0.contains("malformed_json") }
        #expect(quality.contains("amount_mismatch"))
        #expect(quality.contains("Last 1 rejected records"))
        try session.keys("1")
        #expect(session.wait { $0.contains("1 Overview") }.contains("REVENUE TODAY"))
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }

    @Test func tChangesTheColoursAndEveryShippedThemeStarts() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        let before = session.captureColours()
        try session.keys("t")
        session.wait { $0.contains("theme: light") }
        usleep(300_000)
        let after = session.captureColours()
        #expect(before != after)
        #expect(before.contains("\u{1B}[") && after.contains("\u{1B}["))
        try session.keys("q")
        #expect(session.exitStatus() == "0")
        for name in ["light", "high-contrast", "colorblind", "mono"] {
            let themed = try Session(command(broker, "--theme \(name)"))
            let pane = themed.wait { $0.contains("₹265") }
            #expect(pane.contains("REVENUE TODAY"), "--theme \(name)")
            try themed.keys("q")
            #expect(themed.exitStatus() == "0", "--theme \(name)")
        }
    }

    @Test func ctrlZGivesTheShellBackAndFgRedraws() throws {
        let broker = try brokerWithOrders()
        // An interactive shell with job control (the session's command runs inside single quotes).
        let session = try Session("PS1=ready: bash --norc --noprofile -i")
        session.wait { $0.contains("ready:") }
        try session.keys(command(broker), "Enter")
        session.wait { $0.contains("₹265") }
        try session.keys("C-z")
        let stopped = session.wait { $0.contains("Stopped") }
        #expect(stopped.contains("Stopped"))
        #expect(!stopped.contains("REVENUE TODAY"), "the terminal was not given back on Ctrl-Z")
        try session.keys("fg", "Enter")
        let back = session.wait { $0.contains("REVENUE TODAY") && $0.contains("₹265") }
        #expect(back.contains("REVENUE TODAY"))
        try session.keys("q")
        #expect(session.wait { $0.contains("ready:") && !$0.contains("REVENUE TODAY") }.contains("ready:"))
    }

    @Test func pFreezesTheNumbersWhileOrdersFlowAndPAgainCatchesUp() throws {
        let broker = try brokerWithOrders()
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.bootstrapServers)
        let producer = try Producer(config: config, logger: quietLogger)
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        // A till sending an order every 100 ms while the test looks.
        let till = Worker(name: "test-till") { worker in
            var generator = OrderGenerator(seed: 9, firstOrderID: 1_000)
            while !worker.isStopping {
                _ = try? producer.send(
                    topic: "restaurant-sales",
                    value: generator.nextRecord(at: Int64(Date().timeIntervalSince1970), faultRate: 0))
                usleep(100_000)
            }
        }
        defer {
            till.stop()
            till.join()
        }
        func ordersShown(_ pane: String) -> String? {
            // The header's second figure row: revenue, orders, customers …
            let lines = pane.split(separator: "\n")
            guard let labels = lines.firstIndex(where: { $0.contains("REVENUE TODAY") }), labels + 1 < lines.count
            else { return nil }
            return String(lines[labels + 1])
        }
        session.wait { pane in ordersShown(pane).map { !$0.contains("₹265") } ?? false }
        try session.keys("p")
        let paused = session.wait { $0.contains("PAUSED") }
        let frozen = ordersShown(paused)
        usleep(2_000_000)
        let later = session.capture()
        #expect(later.contains("PAUSED"))
        #expect(ordersShown(later) == frozen, "the numbers moved while paused")
        try session.keys("p")
        let resumed = session.wait { pane in !pane.contains("PAUSED") && ordersShown(pane) != frozen }
        #expect(ordersShown(resumed) != frozen, "p again did not jump to now")
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }

    @Test func aCLocaleDrawsASCIIAndNoColorHoldsInEveryView() throws {
        let broker = try brokerWithOrders()
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let session = try Session(
            "TERM=xterm-256color LC_ALL=C NO_COLOR=1 \(dashboard) -b \(broker.bootstrapServers) --from beginning --tz UTC --log-file /dev/null")
        session.wait { $0.contains("Rs.265") }
        for key in ["1", "2", "3", "4", "t"] {
            try session.keys(key)
            usleep(600_000)
            let pane = session.captureColours()
            #expect(pane.unicodeScalars.allSatisfy { $0.isASCII }, "view \(key) is not ASCII")
            #expect(!pane.contains("38;5;") && !pane.contains("38;2;"), "view \(key) has colours under NO_COLOR")
        }
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }

    @Test func aResizeStormNeverCrashesIt() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        var random = SplitMix64(seed: 50)
        for _ in 0..<50 {
            try session.resize(20 + Int(random.next(below: 181)), 6 + Int(random.next(below: 55)))
            usleep(100_000)
        }
        try session.resize(100, 30)
        let pane = session.wait { $0.contains("₹265") && $0.split(separator: "\n").first?.hasSuffix("╮") == true }
        #expect(pane.contains("REVENUE TODAY"))
        try session.keys("q")
        #expect(session.exitStatus() == "0")
    }

    @Test func aTerminalThatCannotPlaceTheCursorIsOneSentenceAndExitTwo() throws {
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let session = try Session("TERM=dumb \(dashboard) -b 127.0.0.1:1 --log-file /dev/null")
        #expect(session.exitStatus(seconds: 3) == "2")
        let pane = session.capture()
        #expect(pane.contains("cannot place the cursor"), "\(pane)")
        #expect(pane.contains("--once"))
    }

    @Test func ctrlBackslashQuitsCleanlyWithoutACrashReport() throws {
        let broker = try brokerWithOrders()
        let session = try Session(command(broker))
        session.wait { $0.contains("₹265") }
        try session.keys("C-\\")
        let status = session.exitStatus(seconds: 5)
        #expect(status != nil, "Ctrl-\\ did not end the dashboard")
        let pane = session.capture()
        #expect(!pane.contains("REVENUE TODAY"), "the terminal was not given back")
        #expect(!pane.contains("Press space"))
        #expect(!pane.contains("Crash"))
    }

    /// The dashboard process reading `broker` (not the shell that started it).
    static func dashboardPID(_ broker: EmbeddedBroker) throws -> Int32? {
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        return try pgrep("^\(dashboard) -b \(broker.bootstrapServers)")
    }

    static func pgrep(_ pattern: String) throws -> Int32? {
        let outPath = NSTemporaryDirectory() + "tiffin-pgrep-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { unlink(outPath) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        p.arguments = ["-f", pattern]
        p.standardOutput = FileHandle(forWritingAtPath: outPath)  // a file: see TestSupport's Run
        try p.run()
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first.flatMap { Int32($0) }
    }
}
