import Foundation
import Kafka
import TiffinCLI
import Transform

/// Rejected records, kept: one JSON line per record with its reason, where it came from and
/// its bytes (as text when valid UTF-8, otherwise base64), appended to a file.
///
/// It is the evidence of what was rejected, so lines reach the file at the end of every batch
/// (`flush`), not when a buffer fills: a `kill -9` loses nothing the screen has counted. A
/// write that fails (a full disk) is an error, never ignored. Owned by the ingest loop (one
/// thread at a time), hence the unchecked conformance.
final class Quarantine: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    let path: String

    /// Opens `path` for appending (creating it), or says in words why it cannot.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw QuarantineError(path: path, reason: String(cString: strerror(errno)), whileRunning: false)
        }
        descriptor = fd
    }

    deinit {
        close(descriptor)
    }

    func keep(_ value: UnsafeRawBufferPointer, reason: RejectionReason, record: MessageBatch.Record) {
        var line = #"{"reason":"\#(reason.rawValue)","partition":\#(record.partition),"offset":\#(record.offset),"#
        if let text = String(validating: value, as: UTF8.self) {
            line += #""value":"# + Self.quoted(text)
        } else {
            line += #""value_base64":""# + Data(value).base64EncodedString() + "\""
        }
        line += "}\n"
        buffer.append(contentsOf: line.utf8)
    }

    /// Writes what was kept since the last call.
    func flush() throws {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        do {
            try buffer.withUnsafeBytes { try writeAll(descriptor, $0, destination: path) }
        } catch let error as WriteError {
            throw QuarantineError(path: path, reason: String(cString: strerror(error.code)), whileRunning: true)
        }
    }

    private static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
    }
}

struct QuarantineError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    /// The file was open and a write failed (rather than: it could not be opened at start).
    var whileRunning: Bool

    var description: String {
        "--quarantine \(path): cannot write there (\(reason))"
            + (whileRunning ? "; rejected records must be kept, so the dashboard stopped" : "")
    }
}

extension String {
    init?(validating bytes: UnsafeRawBufferPointer, as: UTF8.Type) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): scalars.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(scalars)
    }
}
