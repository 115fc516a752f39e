import ArgumentParser
import Dispatch
import Foundation
import Glibc
import Synchronization

/// Runs a command the Tiffin way: help and version exit 0; a bad flag, bad configuration or an
/// unreachable cluster prints one sentence to standard error and exits 2; `ExitCode` passes through.
public enum Runner {
    public static func main<Command: ParsableCommand>(_ type: Command.Type) -> Never {
        _ = StandardStreams.closedAtStart
        var command: any ParsableCommand
        do {
            command = try Command.parseAsRoot()
        } catch {
            finish(type, error)
        }
        do {
            try command.run()
        } catch {
            finish(type, error)
        }
        Signals.exit(0)
    }

    private static func finish<Command: ParsableCommand>(_ type: Command.Type, _ error: Error)
        -> Never
    {
        if let code = error as? ExitCode { Signals.exit(code.rawValue) }
        let exitCode = Command.exitCode(for: error)
        if exitCode == .success {
            // --help, --version: ArgumentParser's text to standard output.
            print(Command.fullMessage(for: error))
            Signals.exit(0)
        }
        let message: String
        if error is ValidationError || exitCode == .validationFailure {
            message = Command.fullMessage(for: error)
        } else {
            message = "\(Command._commandName): \(error)"
        }
        writeStandardError(message.hasSuffix("\n") ? message : message + "\n")
        Signals.exit(2)
    }
}

/// Writes straight to file descriptor 2 (C's `stderr` global is off limits under strict
/// concurrency). Best effort: there is nowhere left to report a failure to write an error.
public func writeStandardError(_ text: String) {
    _ = try? writeAll(2, text)
}

/// Writes to standard output immediately (no buffering), e.g. the broker's address line or a
/// report. A full disk, `/dev/full` or a closed pipe is an error that names the cause.
public func writeStandardOutput(_ text: String) throws {
    try writeAll(1, text)
}

/// A write that did not complete, in words: "cannot write to standard output (No space left on device)".
public struct WriteError: Error, CustomStringConvertible {
    public var destination: String
    public var code: Int32

    public init(destination: String, code: Int32) {
        self.destination = destination
        self.code = code
    }

    public var description: String {
        "cannot write to \(destination) (\(code == EBADF ? "it is closed" : String(cString: strerror(code))))"
    }
}

/// Writes every byte of `bytes` to `fd`, retrying short writes and interrupted calls.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, destination: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { throw WriteError(destination: destination, code: n < 0 ? errno : EIO) }
        offset += n
    }
}

/// Standard input, output or error closed at start (`>&-`): the next file the program opened —
/// its log, a Kafka socket — would get that number and receive what was meant for the stream.
/// They are held open on /dev/null instead, and writing to one that was closed is an error.
enum StandardStreams {
    static let closedAtStart: [Bool] = (0...2).map { fd in
        guard fcntl(Int32(fd), F_GETFD) < 0, errno == EBADF else { return false }
        let held = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
        if held >= 0, held != Int32(fd) {
            dup2(held, Int32(fd))
            close(held)
        }
        return true
    }
}

private func writeAll(_ fd: Int32, _ text: String) throws {
    let destination = fd == 1 ? "standard output" : "standard error"
    if StandardStreams.closedAtStart[Int(fd)] {
        throw WriteError(destination: destination, code: EBADF)
    }
    var text = text
    try text.withUTF8 { bytes in
        try writeAll(fd, UnsafeRawBufferPointer(bytes), destination: destination)
    }
}

/// Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal or SSH session went away) and Ctrl-\ (SIGQUIT)
/// all mean "stop", and are honoured at once wherever the program is, even inside a blocking
/// librdkafka call: `start()` blocks them in every thread and one thread waits for them. The
/// first one is recorded (`received`) for the program's loops to wind down in order; if the
/// program has not ended `grace` seconds later, or a second signal comes, the process exits
/// with 128 + the signal (exit handlers still run, so the terminal is given back).
public enum Signals {
    private static let received = Atomic<Int32>(0)
    private static let started = Atomic<Bool>(false)
    private static let arrived = DispatchSemaphore(value: 0)
    /// Ctrl-Z arrived while a full-screen loop handles it (`suspendsInLoop`).
    private static let suspendRequested = Atomic<Bool>(false)
    private static let suspendsInLoop = Atomic<Bool>(false)

    private static func stopSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&set, signal) }
        return set
    }

    /// Ctrl-Z (SIGTSTP) is taken by the signal thread too: a full-screen loop must give the
    /// terminal back before the process stops, from its own thread (left to ncurses' handler,
    /// the signal could land on any thread and was sometimes lost).
    private static func waitedSignals() -> sigset_t {
        var set = stopSignals()
        sigaddset(&set, SIGTSTP)
        return set
    }

    /// A full-screen program says it handles Ctrl-Z in its loop (`takeSuspend`); others stop
    /// at once, as without us.
    public static func handleSuspendInLoop(_ on: Bool) {
        suspendsInLoop.store(on, ordering: .releasing)
    }

    /// True once for each Ctrl-Z while `handleSuspendInLoop(true)`.
    public static func takeSuspend() -> Bool {
        suspendRequested.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Stops the process as Ctrl-Z would (the shell's `fg` continues it), returning then.
    public static func stopNow() {
        kill(getpid(), SIGSTOP)
    }

    /// Call first thing in `run()`, before any thread exists, so that every thread (librdkafka's
    /// too) inherits the mask. A closed pipe becomes a write error (EPIPE) instead of a silent
    /// death by SIGPIPE.
    public static func start(grace: Double = 2) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        signal(SIGPIPE, SIG_IGN)
        var set = waitedSignals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        let thread = Thread {
            var waited = waitedSignals()
            var number: Int32 = 0
            while true {
                guard sigwait(&waited, &number) == 0 else { return }
                guard number == SIGTSTP else { break }
                if suspendsInLoop.load(ordering: .acquiring) {
                    suspendRequested.store(true, ordering: .releasing)
                } else {
                    stopNow()
                }
            }
            var set = stopSignals()
            received.store(number, ordering: .releasing)
            arrived.signal()
            // Give the program `grace` seconds to wind down; a second signal cuts that short.
            // (Other signals, such as ncurses' SIGWINCH, interrupt the wait: wait the rest.)
            let deadline = Date().addingTimeInterval(grace)
            while true {
                let left = deadline.timeIntervalSinceNow
                guard left > 0 else { break }
                var timeout = timespec(tv_sec: Int(left), tv_nsec: Int((left - left.rounded(.down)) * 1e9))
                if sigtimedwait(&set, nil, &timeout) >= 0 || errno != EINTR { break }
            }
            Signals.exit(128 + number)
        }
        thread.name = "tiffin-signals"
        thread.start()
    }

    /// The stop signal received so far, if any (it stays set).
    public static func pending() -> Int32? {
        let number = received.load(ordering: .acquiring)
        return number > 0 ? number : nil
    }

    private static let exiting = Atomic<Bool>(false)

    /// Ends the process once, whichever thread gets here first (the main thread finishing or
    /// the signal thread giving up on it); a second caller waits for the first to finish, since
    /// two concurrent `exit` calls are undefined behaviour.
    public static func exit(_ code: Int32) -> Never {
        if exiting.exchange(true, ordering: .acquiringAndReleasing) {
            while true { pause() }
        }
        Glibc.exit(code)
    }

    /// Blocks until a stop signal arrives; returns its number.
    public static func wait() -> Int32 {
        while pending() == nil { arrived.wait() }
        arrived.signal()
        return pending()!
    }
}
