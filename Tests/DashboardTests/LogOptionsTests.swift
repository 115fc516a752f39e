import Foundation
import Kafka
import Testing
import TiffinCLI

/// Where the log goes when the home folder cannot take it (issue 6): the dashboard must still
/// run, and every message about it must be in words.
@Suite struct LogOptionsTests {
    /// A fresh folder of this test's own; the caller removes it.
    static func scratchFolder() throws -> String {
        let path = (NSTemporaryDirectory() as NSString)
            .appendingPathComponent("tiffin-log-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A regular file: no folder can be made under it, not even by root (chmod would not stop
    /// root, and the tests run as root in CI).
    static func regularFile(in folder: String) -> String {
        let path = folder + "/not-a-folder"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        return path
    }

    @Test func theDefaultPlacesComeInOrder() {
        let all = LogOptions.defaultFiles(
            for: "dashboard",
            environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/asha", "TMPDIR": "/scratch/"],
            userID: 1000)
        #expect(all == [
            "/state/tiffin/dashboard.log",
            "/home/asha/.local/state/tiffin/dashboard.log",
            "/scratch/tiffin-1000/dashboard.log",
        ])
        // An empty XDG_STATE_HOME counts as unset; TMPDIR defaults to /tmp.
        let plain = LogOptions.defaultFiles(
            for: "dashboard", environment: ["XDG_STATE_HOME": "", "HOME": "/home/asha"], userID: 1000)
        #expect(plain == ["/home/asha/.local/state/tiffin/dashboard.log", "/tmp/tiffin-1000/dashboard.log"])
    }

    @Test func thePreferredFileComesFirstThenTheOtherDefaults() {
        #expect(LogOptions.defaultFiles(preferring: LogOptions.defaultFile(for: "dashboard"))
            == LogOptions.defaultFiles(for: "dashboard"))
        let files = LogOptions.defaultFiles(preferring: "/srv/logs/dashboard.log")
        #expect(files.first == "/srv/logs/dashboard.log")
        #expect(files.last?.hasSuffix("/tiffin-\(getuid())/dashboard.log") == true)
    }

    @Test func anUnusableHomeFallsBackToTheTemporaryFolder() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let home = Self.regularFile(in: scratch)
        let tmp = scratch + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let defaults = LogOptions.defaultFiles(for: "dashboard", environment: ["HOME": home, "TMPDIR": tmp])
        var notices: [String] = []

        let destination = try LogOptions.destination(
            program: "dashboard", explicit: nil, defaults: defaults, notify: { notices.append($0) })

        let expected = "\(tmp)/tiffin-\(getuid())/dashboard.log"
        #expect(destination.path == expected)
        #expect(!destination.isOff && notices.isEmpty)
        #expect(destination.skipped == [
            "\(home)/.local/state/tiffin/dashboard.log (a part of the path is a file, not a folder)",
        ])
        #expect(FileManager.default.fileExists(atPath: expected))
    }

    @Test func aReadOnlyHomeFallsBackToTheTemporaryFolder() throws {
        let defaults = LogOptions.defaultFiles(
            for: "dashboard", environment: ["HOME": "/home/asha", "TMPDIR": "/scratch"], userID: 1000)
        var tried: [String] = []

        let destination = try LogOptions.destination(
            program: "dashboard", explicit: nil, defaults: defaults,
            open: { path, privateFolder in
                tried.append(path)
                #expect(privateFolder, "default places are opened with the private-folder check")
                if path.hasPrefix("/home/") { throw LogFileError(path: path, errno: EACCES) }
                return .standardError  // stands in for the opened file
            },
            notify: { Issue.record("unexpected notice: \($0)") })

        #expect(tried == defaults)
        #expect(destination.path == "/scratch/tiffin-1000/dashboard.log")
        #expect(destination.skipped == ["/home/asha/.local/state/tiffin/dashboard.log (permission denied)"])
    }

    @Test func whenNoPlaceOpensLoggingIsOffAndSaidOnce() throws {
        let defaults = LogOptions.defaultFiles(
            for: "dashboard",
            environment: ["XDG_STATE_HOME": "/state", "HOME": "/home/asha", "TMPDIR": "/scratch"],
            userID: 1000)
        var notices: [String] = []

        let destination = try LogOptions.destination(
            program: "dashboard", explicit: nil, defaults: defaults,
            open: { path, _ in throw LogFileError(path: path, errno: EROFS) },
            notify: { notices.append($0) })

        #expect(destination.isOff && destination.path == nil)
        #expect(destination.sink === FileLogHandler.Sink.discard)
        #expect(notices.count == 1)
        let notice = notices.first ?? ""
        #expect(notice.hasPrefix("dashboard: cannot write a log file (tried "))
        #expect(notice.contains("logging is off"))
        for path in defaults {
            #expect(notice.contains("\(path) (read-only file system)"), "\(notice)")
        }
    }

    @Test func whenNoRealPlaceCanBeMadeLoggingIsOffInWords() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let file = Self.regularFile(in: scratch)
        let defaults = LogOptions.defaultFiles(for: "dashboard", environment: ["HOME": file, "TMPDIR": file])
        var notices: [String] = []

        let destination = try LogOptions.destination(
            program: "dashboard", explicit: nil, defaults: defaults, notify: { notices.append($0) })

        #expect(destination.isOff)
        #expect(notices.count == 1)
        let notice = notices.first ?? ""
        #expect(notice.contains("a part of the path is a file, not a folder"), "\(notice)")
        #expect(!notice.contains("Error Domain") && !notice.contains("NSCocoaErrorDomain"), "\(notice)")
    }

    @Test func aBadLogFileFlagIsExplainedInWords() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let file = Self.regularFile(in: scratch)
        let cases = [
            ("\(file)/dashboard.log", "a part of the path is a file, not a folder"),
            (scratch, "is a directory"),
        ]
        for (path, words) in cases {
            do {
                _ = try LogOptions.destination(
                    program: "dashboard", explicit: path, defaults: LogOptions.defaultFiles(for: "dashboard"),
                    notify: { Issue.record("unexpected notice: \($0)") })
                Issue.record("opened \(path)")
            } catch {
                let message = "\(error)"
                #expect(message == "--log-file \(path): cannot open it for writing (\(words))")
                #expect(!message.contains("Error Domain") && !message.contains("NSCocoaErrorDomain"))
            }
        }
    }

    @Test func aGivenLogFileIsUsedAndTheDefaultsAreNotTried() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/new/folder/dashboard.log"

        let destination = try LogOptions.destination(
            program: "dashboard", explicit: path, defaults: ["/nonexistent/dashboard.log"],
            notify: { Issue.record("unexpected notice: \($0)") })

        #expect(destination.path == path && destination.skipped.isEmpty)
        #expect(FileManager.default.fileExists(atPath: path))
        let dash = try LogOptions.destination(program: "dashboard", explicit: "-", defaults: [path])
        #expect(dash.sink === FileLogHandler.Sink.standardError && dash.path == nil)
    }

    @Test func aFolderPlantedInTheTemporaryFolderIsRefused() throws {
        let scratch = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let elsewhere = scratch + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        // Someone else made /tmp/tiffin-UID first, as a link to a folder of their choosing.
        let planted = scratch + "/tiffin-\(getuid())"
        try FileManager.default.createSymbolicLink(atPath: planted, withDestinationPath: elsewhere)

        do {
            _ = try FileLogHandler.Sink(path: planted + "/dashboard.log", privateFolder: true)
            Issue.record("opened a log through a planted link")
        } catch let error as LogFileError {
            #expect(error.reason.contains("symbolic link"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/dashboard.log"))
    }
}
