import Foundation
import Kafka
import TestSupport
import Testing
import Transform

/// Defects found by probing the release build as a hostile user and a flaky network would
/// (issue 6): hangs, signals, write errors, silent loss. Each test runs the real executables.
@Suite(.timeLimit(.minutes(3))) struct HardeningTests {
    static let log = ["--log-file", NSTemporaryDirectory() + "tiffin-hardening.log"]

    /// A `broker` process holding `count` of today's orders, some of them faulty.
    /// The records go in batches of at most `batch`: a fetch returns at least one whole batch,
    /// so small batches and a slow link make a slow read.
    static func brokerProcess(orders count: Int, rtt: Int = 0, faultRate: Double = 0, batch: Int = 10_000) throws -> BrokerProcess {
        let broker = try BrokerProcess(arguments: ["--partitions", "4", "--rtt", "\(rtt)"] + log)
        var config = KafkaConfig()
        config.set("bootstrap.servers", broker.address)
        config.set("batch.num.messages", "\(batch)")
        let producer = try Producer(config: config, logger: quietLogger)
        var generator = OrderGenerator(seed: 7)
        let now = Int64(Date().timeIntervalSince1970)
        for i in 0..<count {
            let record = generator.nextRecord(at: now - Int64(count - i) % 3600, faultRate: faultRate)
            try producer.send(topic: "restaurant-sales", value: record)
        }
        try producer.flush(timeout: 60)
        return broker
    }

    // MARK: - Hangs and signals

    @Test func aBrokerKilledMidReadEndsTheReportWithinTheTimeout() throws {
        let broker = try Self.brokerProcess(orders: 20_000, rtt: 100, batch: 100)
        // Small fetches and a slow link: the read takes many seconds, so the kill lands mid-read.
        let dashboard = try Spawned("dashboard", [
            "-b", broker.address, "--from", "beginning", "--json", "--timeout", "3",
            "-X", "max.partition.fetch.bytes=64", "-X", "fetch.max.bytes=1000", "-X", "message.max.bytes=1000",
        ] + Self.log)
        usleep(1_500_000)
        kill(broker.process.processIdentifier, SIGKILL)
        let killed = Date()
        let ended = dashboard.wait(upTo: 15)
        #expect(ended, "the dashboard hung after its broker died")
        #expect(Date().timeIntervalSince(killed) < 3 + 3)
        #expect(dashboard.status == 2)
        #expect(dashboard.stderr.contains("lost the connection to Kafka at \(broker.address) after "))
        #expect(dashboard.stderr.contains(" of 20000 records"))
        #expect(dashboard.stdout.isEmpty)
    }

    @Test(arguments: [(["--json"], SIGINT), (["--once"], SIGTERM), (["--json"], SIGQUIT), (["--until-caught-up"], SIGHUP)])
    func aStopSignalWhileConnectingEndsAtOnce(mode: [String], signal: Int32) throws {
        let dashboard = try Spawned("dashboard", ["-b", "127.0.0.1:1", "--timeout", "60"] + mode + Self.log)
        usleep(700_000)
        let sent = Date()
        dashboard.signal(signal)
        #expect(dashboard.wait(upTo: 10), "the signal was ignored")
        #expect(Date().timeIntervalSince(sent) < 3)
        #expect(dashboard.status == 128 + signal)
        #expect(!dashboard.stderr.contains("Press space"))
    }

    // MARK: - Write errors and the quarantine

    @Test func aFullQuarantineDiskIsOneSentenceAndExitTwo() throws {
        let broker = try Self.brokerProcess(orders: 300, faultRate: 0.3)
        let run = try Run("dashboard", ["-b", broker.address, "--from", "beginning", "--json", "--quarantine", "/dev/full"] + Self.log)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("--quarantine /dev/full: cannot write there (No space left on device)"))
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: ["--json", "--once"])
    func aReportIntoAFullDiskOrAClosedStdoutIsAnError(mode: String) throws {
        let broker = try Self.brokerProcess(orders: 50)
        let dashboard = productsFolder().appendingPathComponent("dashboard").path
        let command = "\(dashboard) -b \(broker.address) --from beginning \(mode) --log-file /dev/null"
        for redirect in [">/dev/full", ">&-"] {
            let run = try Run("/bin/bash", ["-c", "\(command) \(redirect)"])
            #expect(run.status == 2, "\(redirect): \(run.stderr)")
            #expect(run.stderr.contains("cannot write to standard output"), "\(redirect): \(run.stderr)")
        }
    }

    @Test func rejectedRecordsReachTheQuarantineFileAtOnce() throws {
        let broker = try Self.brokerProcess(orders: 200, faultRate: 0.2)
        let file = NSTemporaryDirectory() + "tiffin-quarantine-\(UUID().uuidString).jsonl"
        defer { unlink(file) }
        // Not a terminal and no --json: the live report mode, which runs until stopped.
        let dashboard = try Spawned("dashboard", ["-b", broker.address, "--from", "beginning", "--quarantine", file] + Self.log)
        let deadline = Date().addingTimeInterval(10)
        var lines = 0
        while Date() < deadline && lines == 0 {
            usleep(100_000)
            lines = ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
        }
        #expect(dashboard.process.isRunning)
        dashboard.signal(SIGKILL)
        dashboard.wait(upTo: 5)
        #expect(lines > 0, "nothing reached the quarantine file while the dashboard ran")
    }

    // MARK: - Messages that name the real cause

    @Test(arguments: [
        (["-X", "security.protocol=ssl"], "SSL"),
        (["-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=u",
          "-X", "sasl.password=hunter2"], "SASL"),
    ])
    func aHandshakeFailureIsSaidAtOnce(flags: [String], word: String) throws {
        let broker = try EmbeddedBroker(logger: quietLogger)
        try broker.createTopic("restaurant-sales", partitions: 1)
        let run = try Run("dashboard", ["-b", broker.bootstrapServers, "--json", "--timeout", "20"] + flags + Self.log)
        #expect(run.status == 2)
        #expect(run.seconds < 8, "waited \(run.seconds) s for a handshake that had already failed")
        #expect(run.stderr.contains("cannot connect to Kafka at \(broker.bootstrapServers)"), "\(run.stderr)")
        #expect(run.stderr.contains(word), "\(run.stderr)")
        #expect(!run.stderr.contains("hunter2"))
        #expect(run.stderr.split(separator: "\n").count == 1)
    }

    @Test(arguments: [["--cert", "/etc/hostname"], ["--key", "/etc/hostname"]])
    func aCertificateWithoutItsKeyIsAFlagError(flags: [String]) throws {
        let run = try Run("dashboard", ["-b", "127.0.0.1:9", "--json"] + flags + Self.log)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--cert needs --key") || run.stderr.contains("--key needs --cert"))
    }

    @Test func aZeroTimeoutSaysWhatIsAllowed() throws {
        let run = try Run("dashboard", ["-b", "127.0.0.1:9", "--json", "--timeout", "0"] + Self.log)
        #expect(run.status == 2)
        #expect(run.stderr.contains("--timeout 0: expected more than 0 and at most 3600 seconds"))
    }

    @Test func aSecretIsNeverEchoedInAFlagOrFileError() throws {
        let file = NSTemporaryDirectory() + "tiffin-\(UUID().uuidString).properties"
        defer { unlink(file) }
        try "security.protocol=sasl_ssl\nsasl.password: hunter2\n".write(toFile: file, atomically: true, encoding: .utf8)
        for flags in [["-X", "sasl.password:hunter2"], ["-F", file]] {
            let run = try Run("dashboard", ["-b", "127.0.0.1:9", "--json"] + flags + Self.log)
            #expect(run.status == 2)
            #expect(run.stderr.contains("sasl.password"), "\(run.stderr)")
            #expect(!run.stderr.contains("hunter2"), "\(run.stderr)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl (make test installs it)"))
    func aCertificateFromAnotherCAIsSaidAtOnce() throws {
        let folder = NSTemporaryDirectory() + "tiffin-tls-\(UUID().uuidString)/"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The listener's self-signed certificate, and an unrelated CA the client is told to trust.
        for name in ["server", "other-ca"] {
            let run = try Run("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-keyout", folder + name + ".key", "-out", folder + name + ".pem",
            ])
            try #require(run.status == 0, "\(run.stderr)")
        }
        let port = try freeLoopbackPort()
        let server = try Spawned("/usr/bin/openssl", [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", folder + "server.pem", "-key", folder + "server.key",
            "-quiet", "-naccept", "50",
        ])
        defer { server.signal(SIGKILL) }
        usleep(500_000)
        let run = try Run("dashboard", ["-b", "127.0.0.1:\(port)", "--ca", folder + "other-ca.pem", "--json", "--timeout", "20"] + Self.log)
        #expect(run.status == 2)
        #expect(run.seconds < 8, "waited \(run.seconds) s for a verification that had already failed")
        #expect(run.stderr.contains("certificate verify failed"), "\(run.stderr)")
        #expect(run.stderr.contains("not signed by the CA given with --ca"), "\(run.stderr)")
    }
}

