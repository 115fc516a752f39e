import Foundation

/// A program running in a tmux pane of a given size: keys in, the pane's text out.
public final class TmuxSession {
    public let name = "tiffin-test-\(UUID().uuidString.prefix(8))"
    public let exitFile = NSTemporaryDirectory() + "tiffin-exit-\(UUID().uuidString)"

    public init(_ command: String, width: Int = 100, height: Int = 30) throws {
        try Self.tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-s", name,
                  "bash -c '\(command); echo $? > \(exitFile); sleep 30'"])
    }

    public func capture() -> String { (try? Self.tmux(["capture-pane", "-p", "-t", name])) ?? "" }
    /// The pane with its colours, as escape sequences.
    public func captureColours() -> String { (try? Self.tmux(["capture-pane", "-p", "-e", "-t", name])) ?? "" }
    public func keys(_ keys: String...) throws { try Self.tmux(["send-keys", "-t", name] + keys) }
    public func resize(_ width: Int, _ height: Int) throws {
        try Self.tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// Waits for `predicate` on the pane; returns the last capture.
    @discardableResult
    public func wait(seconds: Double = 15, until predicate: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var pane = capture()
        while !predicate(pane) && Date() < deadline {
            usleep(200_000)
            pane = capture()
        }
        return pane
    }

    public func exitStatus(seconds: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: exitFile, encoding: .utf8) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            usleep(100_000)
        }
        return nil
    }

    deinit {
        _ = try? Self.tmux(["kill-session", "-t", name])
        try? FileManager.default.removeItem(atPath: exitFile)
    }

    /// Runs tmux and waits for that client to exit. posix_spawn and waitpid rather than
    /// Foundation's Process: the first command starts the tmux server, which outlives the
    /// client and inherits what it was given, and Process then waited forever. Output is read
    /// only for `capture-pane`, `list-panes` and `display-message` (through a file, so no pipe
    /// end can be held open).
    @discardableResult
    public static func tmux(_ arguments: [String]) throws -> String {
        let capture = ["capture-pane", "list-panes", "display-message"].contains(arguments.first ?? "")
        let output = NSTemporaryDirectory() + "tiffin-tmux-\(UUID().uuidString)"
        defer { if capture { unlink(output) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? output : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["tmux"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return capture ? ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "") : ""
    }
}
