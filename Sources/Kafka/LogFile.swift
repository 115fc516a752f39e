import Foundation
import Logging
import SafeText
import Synchronization

/// A swift-log handler that appends lines to a file (or another descriptor), so that neither
/// librdkafka nor the app ever writes over a curses screen.
///
/// Lines look like `2026-11-25T15:47:24.123Z warning kafka: message key=value`. Messages and
/// metadata may quote a record (a dish name, a table id), so unsafe scalars (`SafeText`) are
/// written as visible escapes like `\u{1B}`: a newline in a record cannot forge a log line and
/// an escape cannot repaint the terminal of whoever runs `tail -f`.
public struct FileLogHandler: LogHandler {
    /// One open destination shared by every logger that writes to it.
    public final class Sink: Sendable {
        private let descriptor: Mutex<Int32>
        private let ownsDescriptor: Bool

        /// Opens (creating, appending) the file at `path`; its folder is created if missing.
        /// Throws `LogFileError`, whose reason is a few words ("permission denied").
        ///
        /// `privateFolder` is for places chosen by default, such as `/tmp/tiffin-UID`, where
        /// another user may have created the folder first, or a symbolic link in its place, to
        /// turn our appends into writes to a file of their choosing: missing folders are then
        /// created 0700, the file's folder must be a real folder owned by this user, and the
        /// file itself must not be a symbolic link.
        public init(path: String, privateFolder: Bool = false) throws {
            let folder = (path as NSString).deletingLastPathComponent
            try Sink.makeFolder(folder, mode: privateFolder ? 0o700 : 0o755, for: path)
            if privateFolder { try Sink.checkOwnFolder(folder.isEmpty ? "." : folder, for: path) }
            let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (privateFolder ? O_NOFOLLOW : 0)
            let fd = open(path, flags, 0o644)
            guard fd >= 0 else { throw LogFileError(path: path, errno: errno) }
            descriptor = Mutex(fd)
            ownsDescriptor = true
        }

        /// `mkdir -p` that keeps the `errno` of a failure: FileManager's error could only be
        /// quoted raw ("Error Domain=NSCocoaErrorDomain Code=513 …").
        private static func makeFolder(_ folder: String, mode: mode_t, for path: String) throws {
            if folder.isEmpty || isFolder(folder) { return }
            if mkdir(folder, mode) == 0 { return }
            var code = errno
            let parent = (folder as NSString).deletingLastPathComponent
            if code == ENOENT, parent != folder {
                try makeFolder(parent, mode: mode, for: path)
                if mkdir(folder, mode) == 0 { return }
                code = errno
            }
            if code == EEXIST {
                if isFolder(folder) { return }  // another process made it meanwhile
                code = ENOTDIR  // a file stands where the folder should be
            }
            throw LogFileError(path: path, errno: code)
        }

        private static func isFolder(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }

        /// Refuses a folder that is a symbolic link or belongs to someone else (see `init`).
        private static func checkOwnFolder(_ folder: String, for path: String) throws {
            var info = stat()
            guard lstat(folder, &info) == 0 else { throw LogFileError(path: path, errno: errno) }
            if info.st_mode & 0o170000 != 0o040000 {  // S_IFMT, S_IFDIR
                throw LogFileError(
                    path: path, reason: "its folder \(folder) is a symbolic link, not a folder of its own")
            }
            if info.st_uid != geteuid() {
                throw LogFileError(path: path, reason: "its folder \(folder) belongs to another user")
            }
        }

        /// Writes to an already open descriptor (standard error for tools without a screen).
        public init(descriptor fd: Int32) {
            descriptor = Mutex(fd)
            ownsDescriptor = false
        }

        public static let standardError = Sink(descriptor: 2)

        /// Writes nowhere: logging is off because no log file could be opened.
        public static let discard = Sink(descriptor: -1)

        func write(_ line: String) {
            var line = line
            line.withUTF8 { bytes in
                descriptor.withLock { fd in
                    guard fd >= 0 else { return }
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
        line += " \(event.level) \(SafeText.escaped(label)): \(SafeText.escaped(event.message.description))"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(SafeText.escaped(key))=\(SafeText.escaped(value.description))"
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

/// Why a log file could not be opened, in words a person can act on: the reason is a few words
/// ("permission denied", "read-only file system"), never Foundation's error text.
public struct LogFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public init(path: String, errno code: Int32) {
        self.init(path: path, reason: Self.words(errno: code))
    }

    public var description: String { "\(path): cannot open it for writing (\(reason))" }

    /// What an `errno` from creating folders or opening a file for appending means, briefly.
    public static func words(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such folder"
        case ENOTDIR: return "a part of the path is a file, not a folder"
        case EISDIR: return "is a directory"
        case EROFS: return "read-only file system"
        case ENOSPC: return "no space left on the device"
        case EDQUOT: return "disk quota exceeded"
        case ELOOP: return "a symbolic link where the file should be, or too many links"
        case ENAMETOOLONG: return "the path is too long"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
