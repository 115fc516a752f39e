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

    /// `$XDG_STATE_HOME/tiffin/NAME.log`, or `~/.local/state/tiffin/NAME.log`.
    public static func defaultFile(for name: String) -> String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".local/state")
        return (base as NSString).appendingPathComponent("tiffin/\(name).log")
    }

    /// Sends every logger of this process to the chosen place and returns one for `label`.
    /// `defaultPath` nil means standard error unless `--log-file` says otherwise.
    public func bootstrap(label: String, defaultPath: String?) throws -> Logger {
        let path = logFile ?? defaultPath
        let sink: FileLogHandler.Sink
        let level: Logger.Level
        if let path, path != "-" {
            do {
                sink = try FileLogHandler.Sink(path: path)
            } catch {
                throw ValidationError("--log-file \(path): cannot open it for writing (\(error))")
            }
            level = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .info
        } else {
            sink = .standardError
            level = logLevel.flatMap(Logger.Level.init(rawValue:)) ?? .warning
        }
        LoggingSystem.bootstrap { FileLogHandler(label: $0, sink: sink, level: level) }
        return Logger(label: label)
    }
}
