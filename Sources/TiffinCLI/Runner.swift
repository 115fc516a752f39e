import ArgumentParser
import Foundation

/// Runs a command the Tiffin way: help and version exit 0; a bad flag, bad configuration or an
/// unreachable cluster prints one sentence to standard error and exits 2; `ExitCode` passes through.
public enum Runner {
    public static func main<Command: ParsableCommand>(_ type: Command.Type) -> Never {
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
        exit(0)
    }

    private static func finish<Command: ParsableCommand>(_ type: Command.Type, _ error: Error)
        -> Never
    {
        if let code = error as? ExitCode { exit(code.rawValue) }
        let exitCode = Command.exitCode(for: error)
        if exitCode == .success {
            // --help, --version: ArgumentParser's text to standard output.
            print(Command.fullMessage(for: error))
            exit(0)
        }
        let message: String
        if error is ValidationError || exitCode == .validationFailure {
            message = Command.fullMessage(for: error)
        } else {
            message = "\(Command._commandName): \(error)"
        }
        writeStandardError(message.hasSuffix("\n") ? message : message + "\n")
        exit(2)
    }
}

/// Writes straight to file descriptor 2 (C's `stderr` global is off limits under strict concurrency).
public func writeStandardError(_ text: String) {
    writeAll(2, text)
}

/// Writes to standard output immediately (no buffering), e.g. the broker's address line.
public func writeStandardOutput(_ text: String) {
    writeAll(1, text)
}

private func writeAll(_ fd: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { return }
            offset += n
        }
    }
}

/// SIGINT, SIGTERM and SIGHUP (the terminal or SSH session went away) are handled by
/// waiting for them on one thread. Call `block()` first thing in `run()`, before any thread
/// exists, so every thread (librdkafka's too) inherits the mask.
public enum Signals {
    private static func stopSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        return set
    }

    public static func block() {
        var set = stopSignals()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until SIGINT, SIGTERM or SIGHUP arrives; returns its number.
    public static func wait() -> Int32 {
        var set = stopSignals()
        var signal: Int32 = 0
        sigwait(&set, &signal)
        return signal
    }

    /// Checks without blocking whether SIGINT, SIGTERM or SIGHUP is pending (consumes it).
    public static func pending() -> Int32? {
        var set = stopSignals()
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        let signal = sigtimedwait(&set, nil, &zero)
        return signal > 0 ? signal : nil
    }
}
