import ArgumentParser
import Foundation
import Kafka
import Logging

/// Where logs go. Anything that draws a screen logs to a file; tools without one may use stderr.
public struct LogOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Log file (librdkafka and app logs). '-' for standard error.", valueName: "path"))
    public var logFile: String?

    @Option(help: ArgumentHelp(
        "Least severe level logged: trace, debug, info, notice, warning, error, critical.",
        valueName: "level"))
    public var logLevel: String?

    public init() {}

    public func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError(
                "--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
        }
    }

    /// Where the log of `name` goes when `--log-file` is not given, best first:
    /// `$XDG_STATE_HOME/tiffin/NAME.log` (when set to an absolute path, as the XDG spec asks),
    /// `$HOME/.local/state/tiffin/NAME.log`, then `$TMPDIR/tiffin-UID/NAME.log` (TMPDIR defaults to
    /// /tmp), so that a home this user cannot write still leaves a log somewhere. `$HOME` wins
    /// over the passwd entry: in containers and under sudo they differ, and `$HOME` is the one
    /// the user chose.
    public static func defaultFiles(
        for name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        userID: uid_t = getuid()
    ) -> [String] {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        func join(_ folder: String, _ rest: String) -> String {
            (folder as NSString).appendingPathComponent(rest)
        }
        var files: [String] = []
        if let state = value("XDG_STATE_HOME"), state.hasPrefix("/") {
            files.append(join(state, "tiffin/\(name).log"))
        }
        files.append(join(value("HOME") ?? NSHomeDirectory(), ".local/state/tiffin/\(name).log"))
        files.append(join(value("TMPDIR") ?? "/tmp", "tiffin-\(userID)/\(name).log"))
        return files
    }

    /// The first of `defaultFiles(for:)`.
    public static func defaultFile(for name: String) -> String {
        defaultFiles(for: name)[0]
    }

    /// `path` first, then the default places for a file of the same name that are not `path`.
    public static func defaultFiles(preferring path: String) -> [String] {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return [path] + defaultFiles(for: name).filter { $0 != path }
    }

    /// Where log lines go, chosen once at start-up.
    public struct Destination: Sendable {
        public let sink: FileLogHandler.Sink
        /// The file written; nil for standard error and when logging is off.
        public let path: String?
        /// No file could be opened: lines are dropped.
        public let isOff: Bool
        /// Default places passed over before `path`, as "PATH (reason)".
        public let skipped: [String]
    }

    /// Chooses where logs go without touching the logging system, so tests can drive it.
    ///
    /// - `explicit`: the `--log-file` value; it must open ("-" is standard error), or the error
    ///   says why in words.
    /// - `defaults`: tried in order when there is no `explicit`; empty means standard error.
    ///   When none opens, logging is off and `notify` is told once: a missing log must not stop
    ///   the program, but it must not go unnoticed either.
    /// - `open`: opens a file; its flag asks for a private folder (set for the default places,
    ///   which include the shared `$TMPDIR`).
    public static func destination(
        program: String,
        explicit: String?,
        defaults: [String],
        open: (_ path: String, _ privateFolder: Bool) throws -> FileLogHandler.Sink = {
            try FileLogHandler.Sink(path: $0, privateFolder: $1)
        },
        notify: (String) -> Void = { writeStandardError($0) }
    ) throws -> Destination {
        if let explicit {
            if explicit == "-" {
                return Destination(sink: .standardError, path: nil, isOff: false, skipped: [])
            }
            do {
                let sink = try open(explicit, false)
                return Destination(sink: sink, path: explicit, isOff: false, skipped: [])
            } catch {
                throw ValidationError(
                    "--log-file \(explicit): cannot open it for writing (\(reason(error)))")
            }
        }
        if defaults.isEmpty {
            return Destination(sink: .standardError, path: nil, isOff: false, skipped: [])
        }
        var failures: [String] = []
        for path in defaults {
            do {
                let sink = try open(path, true)
                return Destination(sink: sink, path: path, isOff: false, skipped: failures)
            } catch {
                failures.append("\(path) (\(reason(error)))")
            }
        }
        notify("\(program): cannot write a log file (tried \(failures.joined(separator: "; "))); "
            + "logging is off (choose a file with --log-file PATH)\n")
        return Destination(sink: .discard, path: nil, isOff: true, skipped: failures)
    }

    /// An opening failure in a few words; Foundation's own text ("Error Domain=…") never reaches
    /// the user.
    private static func reason(_ error: any Error) -> String {
        switch error {
        case let error as LogFileError: return error.reason
        case let error as POSIXError: return LogFileError.words(errno: error.code.rawValue)
        default: return "\(error)"
        }
    }

    /// Sends every logger of this process to the chosen place and returns one for `label`.
    /// `defaultPath` nil means standard error unless `--log-file` says otherwise; otherwise it is
    /// the preferred file, and when it cannot be opened the other default places for a file of
    /// that name are tried (`defaultFiles(preferring:)`), then logging is off, said once on
    /// standard error.
    public func bootstrap(label: String, defaultPath: String?) throws -> Logger {
        let destination = try Self.destination(
            program: label, explicit: logFile,
            defaults: defaultPath.map(Self.defaultFiles(preferring:)) ?? [])
        let chosen = logLevel.flatMap(Logger.Level.init(rawValue:))
        let level: Logger.Level
        if destination.isOff {
            level = .critical  // nothing is written: spare the formatting
        } else if destination.path != nil {
            level = chosen ?? .info
        } else {
            level = chosen ?? .warning
        }
        LoggingSystem.bootstrap { FileLogHandler(label: $0, sink: destination.sink, level: level) }
        let logger = Logger(label: label)
        for skipped in destination.skipped {
            logger.notice("cannot write the log to \(skipped); writing it here instead")
        }
        return logger
    }
}
