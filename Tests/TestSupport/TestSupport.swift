import Foundation
import Kafka
import Logging
import Synchronization

/// librdkafka is chatty; tests keep only critical messages, on standard error.
public let quietLogger = Logger(label: "test") { label in
    FileLogHandler(label: label, sink: .standardError, level: .critical)
}

/// The folder holding the package's built executables (next to the test bundle).
public func productsFolder() -> URL {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var folder = testBinary.deletingLastPathComponent()
    // On Linux the runner is …/debug/TiffinPackageTests.xctest; on others it may be nested.
    while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("broker").path),
        folder.pathComponents.count > 1
    {
        folder = folder.deletingLastPathComponent()
    }
    return folder
}

/// One of the package's executables by name, or any program by absolute path.
func executableURL(_ name: String) -> URL {
    name.hasPrefix("/") ? URL(fileURLWithPath: name) : productsFolder().appendingPathComponent(name)
}

/// A `broker` process: the first line of its standard output is its address.
///
/// Output goes to files, never pipes: a pipe's write end can leak into any process another test
/// starts at the same moment (Foundation's `Process` does not close it there), and a reader
/// waiting for that pipe's end then waits as long as the other process lives.
public final class BrokerProcess {
    public let process = Process()
    public let address: String
    private let outPath = NSTemporaryDirectory() + "tiffin-broker-out-\(UUID().uuidString)"
    /// With `control`: where commands go (`broker --control`). A pipe is fine here: the
    /// broker never waits for its end.
    private let commands: Pipe?
    private var answered = 1

    public init(arguments: [String] = [], control: Bool = false) throws {
        process.executableURL = productsFolder().appendingPathComponent("broker")
        process.arguments = arguments + (control ? ["--control"] : [])
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        commands = control ? Pipe() : nil
        if let commands {
            process.standardInput = commands
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The address line, as soon as it is there (or whatever there is if the broker ended).
        var line = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") {
                line = String(text[..<newline])
                break
            }
            if !process.isRunning { break }
            usleep(10_000)
        }
        address = line
    }

    /// Sends one line to `broker --control` and returns its answer ("ok …" / "error …"), or ""
    /// if none came within 10 s.
    public func control(_ line: String) -> String {
        guard let commands, process.isRunning else { return "" }
        // A broker that died must fail this test, not end the run with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        guard (try? commands.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))) != nil else { return "" }
        // Each command has exactly one answer: a late one still belongs to this command.
        answered += 1
        let wanted = answered
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
            // Whole lines only: the last piece is what follows the last newline.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if lines.count - 1 >= wanted { return String(lines[wanted - 1]) }
            usleep(10_000)
        }
        return ""
    }

    public func stop() -> Int32 {
        process.interrupt()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        unlink(outPath)
    }
}

/// Runs one of the package's executables to completion. Output goes to files, not pipes (see
/// `BrokerProcess`: a leaked pipe end would hold the reader until some other test's process ends).
public struct Run: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var seconds: Double

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let outPath = NSTemporaryDirectory() + "tiffin-run-out-\(UUID().uuidString)"
        let errPath = NSTemporaryDirectory() + "tiffin-run-err-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let p = Process()
        p.executableURL = executableURL(executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(forWritingAtPath: outPath)
        p.standardError = FileHandle(forWritingAtPath: errPath)
        let started = Date()
        try p.run()
        p.waitUntilExit()
        status = p.terminationStatus
        stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        seconds = Date().timeIntervalSince(started)
    }
}

/// One of the package's executables running in the background, for tests that act on it while
/// it runs (signals, killing its broker). Output goes to files, so no pipe can fill up.
public final class Spawned: @unchecked Sendable {
    // Safety: used from the test's own thread only.
    public let process = Process()
    private let outPath = NSTemporaryDirectory() + "tiffin-out-\(UUID().uuidString)"
    private let errPath = NSTemporaryDirectory() + "tiffin-err-\(UUID().uuidString)"
    public let started = Date()

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        process.executableURL = executableURL(executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
    }

    /// Waits up to `seconds` for the process to end; kills it (SIGKILL) and returns false if it
    /// did not, so a hang fails the test instead of the whole run.
    @discardableResult
    public func wait(upTo seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return false
        }
        process.waitUntilExit()
        return true
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    public var status: Int32 { process.terminationStatus }
    public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        unlink(outPath)
        unlink(errPath)
    }
}

/// A loopback port nothing listens on right now.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
