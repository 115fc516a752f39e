import Foundation
import Logging
import Synchronization

/// A swift-log handler that appends lines to a file (or another descriptor), so that neither
/// librdkafka nor the app ever writes over a curses screen.
///
/// Lines look like `2026-11-25T15:47:24.123Z warning kafka: message key=value`.
public struct FileLogHandler: LogHandler {
    /// One open destination shared by every logger that writes to it.
    public final class Sink: Sendable {
        private let descriptor: Mutex<Int32>
        private let ownsDescriptor: Bool

        /// Opens (creating, appending) the file at `path`; its folder is created if missing.
        public init(path: String) throws {
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            descriptor = Mutex(fd)
            ownsDescriptor = true
        }

        /// Writes to an already open descriptor (standard error for tools without a screen).
        public init(descriptor fd: Int32) {
            descriptor = Mutex(fd)
            ownsDescriptor = false
        }

        public static let standardError = Sink(descriptor: 2)

        func write(_ line: String) {
            var line = line
            line.withUTF8 { bytes in
                descriptor.withLock { fd in
                    var offset = 0
                    while offset < bytes.count {
                        let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n <= 0 { break }
                        offset += n
                    }
                }
            }
        }

        deinit {
            if ownsDescriptor { descriptor.withLock { _ = close($0) } }
        }
    }

    private let label: String
    private let sink: Sink
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(label: String, sink: Sink, level: Logger.Level = .info) {
        self.label = label
        self.sink = sink
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = Self.timestamp()
        line += " \(event.level) \(label): \(event.message)"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        line += "\n"
        sink.write(line)
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = now.tv_nsec / 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
    }
}
