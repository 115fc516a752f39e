import Foundation
import Kafka
import Transform

/// Rejected records, kept: one JSON line per record with its reason, where it came from and
/// its bytes (as text when valid UTF-8, otherwise base64), appended to a file.
/// Owned by the ingest loop (one thread at a time), hence the unchecked conformance.
final class Quarantine: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = ""
    let path: String

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission)
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func keep(_ value: UnsafeRawBufferPointer, reason: RejectionReason, record: MessageBatch.Record) {
        var line = #"{"reason":"\#(reason.rawValue)","partition":\#(record.partition),"offset":\#(record.offset),"#
        if let text = String(validating: value, as: UTF8.self) {
            line += #""value":"# + Self.quoted(text)
        } else {
            line += #""value_base64":""# + Data(value).base64EncodedString() + "\""
        }
        line += "}\n"
        buffer += line
        if buffer.utf8.count > 64 * 1024 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer.utf8))
        buffer = ""
    }

    deinit {
        flush()
        try? handle.close()
    }

    private static func quoted(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
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
