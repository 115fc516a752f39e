import Foundation
import Glibc

/// One running producer per till number on this machine: ids carry the till number, so two
/// processes issuing ids for the same till in the same second would collide, even with
/// separate outboxes. An `flock` on a file per till, held for the life of the process (the
/// kernel lets go when the process ends, however it ends).
public enum TillLock {
    public struct Busy: Error, CustomStringConvertible {
        public var description: String
    }

    /// `$XDG_RUNTIME_DIR/tiffin` (per user, cleared at logout), else `/tmp/tiffin-UID`.
    static func folder() -> String {
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return runtime + "/tiffin"
        }
        return "/tmp/tiffin-\(getuid())"
    }

    /// Takes till `number` for this process, or says who has it.
    public static func acquire(_ number: Int) throws {
        let folder = folder()
        mkdir(folder, 0o700)
        let path = folder + "/till-\(number).lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            // Nowhere to keep the lock (a read-only /tmp): the outbox lock still holds.
            return
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let pid = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
            close(fd)
            throw Busy(description:
                "till \(number) is in use by another producer on this machine\(pid.isEmpty ? "" : " (pid \(pid))"); "
                    + "give this one its own number with --till (0…99), so their order ids cannot collide")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        // Kept open (and locked) until the process ends.
    }
}
