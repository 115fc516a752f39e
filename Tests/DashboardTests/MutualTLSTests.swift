import Foundation
import TestSupport
import Testing

/// The original pipeline's three TLS files (`ca.pem`, `service.cert`, `service.key`), proven over
/// real TLS: a throwaway CA signs a server and a client certificate; `stunnel` (requiring client
/// certificates) terminates TLS in front of a `broker` process. Kafka clients reconnect to the
/// address the broker advertises (its plaintext 127.0.0.1:PORT), so the clients run in a network
/// namespace of the test's own where 127.0.0.1:PORT *is* the TLS terminator, relaying over a veth
/// pair to the broker: every connection they make goes through TLS. Then each way the files can
/// be wrong gets one sentence and exit 2, and no secret shows anywhere.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(
        if: TLSLab.unavailable == nil,
        "skipped: mutual TLS end to end needs root and network namespaces (ip netns), stunnel4, socat and openssl; make test installs the tools, CI runs as root"))
struct MutualTLSTests {
    @Test func theThreeFilesWorkEndToEndAndEveryMistakeIsOneSentence() throws {
        let lab = try TLSLab()
        defer { lab.tearDown() }
        let secret = "Tiffin-\(UUID().uuidString.prefix(8))-pw"
        try lab.makeEncryptedKey(password: secret)
        var everything: [String] = []  // every byte the runs showed or logged, for the secret check

        func inside(_ program: String, _ arguments: [String], log: String) throws -> Run {
            let run = try Run("/usr/sbin/ip", ["netns", "exec", lab.namespace, lab.product(program)] + arguments
                + ["--log-file", lab.dir + "/" + log])
            everything += [run.stdout, run.stderr, (try? String(contentsOfFile: lab.dir + "/" + log, encoding: .utf8)) ?? ""]
            return run
        }
        let tls = ["--ca", lab.file("ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("service.key")]

        // The till and the dashboard through TLS with the three files.
        let sent = try inside("producer", [
            "simulate", "-b", lab.address, "--count", "300", "--fault-rate", "0", "--till", "61",
            "--outbox", lab.dir + "/outbox", "--timeout", "20",
        ] + tls, log: "producer.log")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stderr.contains("300 delivered"), "\(sent.stderr)")
        let shown = try inside("dashboard", ["-b", lab.address, "--json", "--from", "beginning", "--timeout", "20"] + tls, log: "dashboard.log")
        #expect(shown.status == 0, "\(shown.stderr)")
        let snapshot = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(snapshot?["orders"] as? Int == 300)
        // An encrypted key with its password, as some providers hand it out.
        let locked = try inside("dashboard", [
            "-b", lab.address, "--json", "--from", "beginning", "--timeout", "20", "--ca", lab.file("ca.pem"),
            "--cert", lab.file("service.cert"), "--key", lab.file("locked.key"), "-X", "ssl.key.password=\(secret)",
            "-X", "sasl.password=\(secret)", "--log-level", "debug",
        ], log: "locked.log")
        #expect(locked.status == 0, "\(locked.stderr)")
        #expect(lab.tlsSessions() >= 3, "stunnel saw no TLS sessions: the clients went around it")

        // Each mistake: exit 2, one line naming the cause, well within --timeout.
        let cases: [(what: String, arguments: [String], says: String)] = [
            ("a CA that did not sign the broker", ["--ca", lab.file("other-ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("service.key")],
             "not signed by the CA given with --ca"),
            ("no client certificate", ["--ca", lab.file("ca.pem")], "asks for a client certificate"),
            ("an expired client certificate", ["--ca", lab.file("ca.pem"), "--cert", lab.file("expired.cert"), "--key", lab.file("expired.key")],
             "it has expired"),
            ("a key that is not the certificate's", ["--ca", lab.file("ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("stranger.key")],
             "does not belong to the client certificate"),
            ("a CA file that is not PEM", ["--ca", lab.file("notpem.txt")], "holds no PEM certificate"),
            ("a certificate that is not PEM", ["--ca", lab.file("ca.pem"), "--cert", lab.file("notpem.txt"), "--key", lab.file("service.key")],
             "is not a PEM certificate"),
            ("a key that is not PEM", ["--ca", lab.file("ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("notpem.txt")],
             "is not a PEM private key"),
            ("a CA path that is a directory", ["--ca", lab.dir], "is a directory, not a file"),
            ("a CA file that is not there", ["--ca", lab.dir + "/missing.pem"], "no such file"),
            ("an encrypted key without its password", ["--ca", lab.file("ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("locked.key")],
             "-X ssl.key.password"),
            ("an encrypted key with a wrong password", ["--ca", lab.file("ca.pem"), "--cert", lab.file("service.cert"), "--key", lab.file("locked.key"),
                                                       "-X", "ssl.key.password=\(secret)-wrong"], "-X ssl.key.password"),
        ]
        for (n, item) in cases.enumerated() {
            for program in ["dashboard", "producer"] {
                // A long --timeout: each must be said at once, not after waiting it out.
                let arguments = program == "dashboard"
                    ? ["-b", lab.address, "--json", "--timeout", "30"]
                    : ["send", "--json", #"{"order_id":1}"#, "-b", lab.address, "--timeout", "30", "--till", "62",
                       "--outbox", lab.dir + "/outbox-\(n)"]
                let run = try inside(program, arguments + item.arguments, log: "\(program)-\(n).log")
                #expect(run.status == 2, "\(program), \(item.what): exit \(run.status) \(run.stderr)")
                #expect(run.stderr.contains(item.says), "\(program), \(item.what): \(run.stderr)")
                #expect(run.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage:") && !$0.contains("--help") }.count == 1,
                        "\(program), \(item.what): more than one line: \(run.stderr)")
                #expect(run.seconds < 10, "\(program), \(item.what): \(run.seconds) s")
            }
        }
        // TLS flags against a plaintext listener: the broker itself, outside the namespace.
        let plain = try Run("dashboard", ["-b", lab.address, "--json", "--timeout", "30", "--log-file", lab.dir + "/plain.log"] + tls)
        everything += [plain.stdout, plain.stderr]
        #expect(plain.status == 2)
        #expect(plain.seconds < 10)
        #expect(plain.stderr.contains("the listener speaks another protocol"), "\(plain.stderr)")

        // Secrets: the key's password and the keys themselves never appear in anything shown or
        // logged, nor in --help.
        for program in ["dashboard", "producer", "transform"] {
            everything.append(try Run(program, ["--help"]).stdout)
        }
        let keyLines = try ["service.key", "locked.key", "stranger.key"].flatMap { name in
            try String(contentsOfFile: lab.file(name), encoding: .utf8).split(separator: "\n")
                .filter { !$0.hasPrefix("-----") && $0.count > 20 }.map(String.init)
        }
        #expect(keyLines.count > 40)
        for text in everything {
            #expect(!text.contains(secret), "the key's password was shown or logged")
            #expect(!keyLines.contains { text.contains($0) }, "key material was shown or logged")
        }
    }
}

/// Certificates, a network namespace with a veth pair, `stunnel` inside it and a `socat` relay
/// to a `broker` process outside. Root and `ip netns` are needed (CI has both).
final class TLSLab {
    /// Why the lab cannot be built here, or nil.
    static let unavailable: String? = {
        guard geteuid() == 0 else { return "mutual TLS end to end needs root for a network namespace (CI runs it)" }
        for tool in ["/usr/sbin/ip", "/usr/bin/stunnel4", "/usr/bin/socat", "/usr/bin/openssl"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            return "mutual TLS end to end needs \(tool) (make test installs it)"
        }
        let probe = "tiffin-probe-\(getpid())"
        let veth = "tp\(getpid() % 100_000)"
        defer {
            _ = try? Run("/usr/sbin/ip", ["link", "del", veth])
            _ = try? Run("/usr/sbin/ip", ["netns", "del", probe])
        }
        guard (try? Run("/usr/sbin/ip", ["netns", "add", probe]))?.status == 0,
            (try? Run("/usr/sbin/ip", ["link", "add", veth, "type", "veth", "peer", "name", veth + "p"]))?.status == 0
        else {
            return "mutual TLS end to end needs network namespaces and veth pairs, which this machine does not allow"
        }
        return nil
    }()

    let dir = NSTemporaryDirectory() + "tiffin-tls-\(UUID().uuidString.prefix(8))"
    let namespace = "tiffin-tls-\(getpid())"
    let broker: BrokerProcess
    let address: String
    private var background: [Spawned] = []
    private let hostSide: String
    private let nsSide: String

    init() throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        hostSide = "tt\(getpid() % 100_000)a"
        nsSide = "tt\(getpid() % 100_000)b"
        broker = try BrokerProcess(arguments: ["--partitions", "4"])
        address = broker.address
        do {
            try build()
        } catch {
            // Nothing of a half-built lab stays behind (keys, a namespace, processes).
            tearDown()
            throw error
        }
    }

    private func build() throws {
        try Self.makeCertificates(in: dir)
        let port = Int(address.split(separator: ":").last ?? "") ?? 0
        let subnet = "10.213.\(getpid() % 250)"
        try sh("/usr/sbin/ip", "netns", "add", namespace)
        try sh("/usr/sbin/ip", "link", "add", hostSide, "type", "veth", "peer", "name", nsSide)
        try sh("/usr/sbin/ip", "link", "set", nsSide, "netns", namespace)
        try sh("/usr/sbin/ip", "addr", "add", "\(subnet).1/30", "dev", hostSide)
        try sh("/usr/sbin/ip", "link", "set", hostSide, "up")
        try sh("/usr/sbin/ip", "netns", "exec", namespace, "ip", "addr", "add", "\(subnet).2/30", "dev", nsSide)
        try sh("/usr/sbin/ip", "netns", "exec", namespace, "ip", "link", "set", nsSide, "up")
        try sh("/usr/sbin/ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up")
        // Outside: the veth address relays to the broker's loopback listener.
        let relay = try freeLoopbackPort()
        background.append(try Spawned("/usr/bin/socat", [
            "TCP-LISTEN:\(relay),bind=\(subnet).1,fork,reuseaddr", "TCP:127.0.0.1:\(port)",
        ]))
        // Inside: 127.0.0.1:PORT is TLS, client certificates required, relayed out.
        let config = """
            foreground = yes
            pid =
            debug = 5
            output = \(dir)/stunnel.log
            [kafka]
            accept = 127.0.0.1:\(port)
            connect = \(subnet).1:\(relay)
            cert = \(dir)/server.cert
            key = \(dir)/server.key
            CAfile = \(dir)/ca.pem
            verifyChain = yes
            """
        try config.write(toFile: dir + "/stunnel.conf", atomically: true, encoding: .utf8)
        background.append(try Spawned("/usr/sbin/ip", ["netns", "exec", namespace, "/usr/bin/stunnel4", dir + "/stunnel.conf"]))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !((try? String(contentsOfFile: dir + "/stunnel.log", encoding: .utf8)) ?? "").contains("Configuration successful") {
            usleep(50_000)
        }
    }

    func file(_ name: String) -> String { dir + "/" + name }
    func product(_ name: String) -> String { productsFolder().appendingPathComponent(name).path }

    /// Connections stunnel accepted with a verified client certificate (a client that went
    /// around it would leave none).
    func tlsSessions() -> Int {
        let log = (try? String(contentsOfFile: dir + "/stunnel.log", encoding: .utf8)) ?? ""
        return log.components(separatedBy: "Certificate accepted at depth=0").count - 1
    }

    func tearDown() {
        for process in background { process.signal(SIGTERM) }
        for process in background { process.wait(upTo: 5) }
        _ = try? Run("/usr/sbin/ip", ["link", "del", hostSide])
        _ = try? Run("/usr/sbin/ip", ["netns", "del", namespace])
        _ = broker.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func sh(_ tool: String, _ arguments: String...) throws {
        let run = try Run(tool, Array(arguments))
        guard run.status == 0 else {
            throw TLSLabError("\(tool) \(arguments.joined(separator: " ")): \(run.stderr)")
        }
    }

    private static func openssl(_ arguments: String...) throws {
        let run = try Run("/usr/bin/openssl", Array(arguments))
        guard run.status == 0 else {
            throw TLSLabError("openssl \(arguments.joined(separator: " ")): \(run.stderr)")
        }
    }

    /// A CA, another CA, a server certificate for 127.0.0.1, a client certificate, an expired
    /// client certificate, an unrelated key and a file that is not PEM.
    private static func makeCertificates(in dir: String) throws {
        func f(_ name: String) -> String { dir + "/" + name }
        try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("ca.key"), "-out", f("ca.pem"),
                    "-days", "2", "-subj", "/CN=Tiffin test CA")
        try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("other-ca.key"), "-out", f("other-ca.pem"),
                    "-days", "2", "-subj", "/CN=Someone else's CA")
        try openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
        try openssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
                    "-out", f("server.cert"), "-days", "2", "-copy_extensions", "copy")
        try openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("service.key"), "-out", f("service.csr"), "-subj", "/CN=till-1")
        try openssl("x509", "-req", "-in", f("service.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial",
                    "-out", f("service.cert"), "-days", "2")
        // An expired one needs dates in the past: `openssl ca` takes them.
        try "[ ca ]\ndefault_ca = lab\n[ lab ]\ndatabase = \(f("index.txt"))\nnew_certs_dir = \(dir)\nserial = \(f("serial"))\ndefault_md = sha256\npolicy = any\n[ any ]\ncommonName = supplied\n"
            .write(toFile: f("ca.cnf"), atomically: true, encoding: .utf8)
        try "".write(toFile: f("index.txt"), atomically: true, encoding: .utf8)
        try "01\n".write(toFile: f("serial"), atomically: true, encoding: .utf8)
        try openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("expired.key"), "-out", f("expired.csr"), "-subj", "/CN=till-old")
        try openssl("ca", "-batch", "-config", f("ca.cnf"), "-cert", f("ca.pem"), "-keyfile", f("ca.key"), "-in", f("expired.csr"),
                    "-out", f("expired.cert"), "-startdate", "20200101000000Z", "-enddate", "20200201000000Z", "-notext")
        try openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", f("stranger.key"))
        try "hello, this is not a certificate\n".write(toFile: f("notpem.txt"), atomically: true, encoding: .utf8)
    }

    /// service.key encrypted with `password`, as locked.key.
    func makeEncryptedKey(password: String) throws {
        try Self.openssl("pkey", "-in", file("service.key"), "-out", file("locked.key"), "-aes256", "-passout", "pass:\(password)")
    }
}

struct TLSLabError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
