import Foundation
import Kafka
import Logging
import SafeText
import Testing

/// Log lines quote records; a record must not be able to forge a line or send escapes to
/// whoever reads the log in a terminal (issue 6).
@Suite struct LogFileTests {
    @Test func aHostileMessageIsWrittenAsOneLineWithoutControls() throws {
        let path = NSTemporaryDirectory() + "tiffin-log-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let sink = try FileLogHandler.Sink(path: path)
            let logger = Logger(label: "ingest") { FileLogHandler(label: $0, sink: sink, level: .info) }
            logger.warning(
                "unknown dish \u{1B}]0;PWNED\u{07}\n2026-11-20T13:00:00.000Z error kafka: forged",
                metadata: ["table": "T3\r\n\u{202E}", "mode": "U\u{9B}PI"])
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let body = String(text.dropLast())  // the line without its own newline
        #expect(!body.unicodeScalars.contains { SafeText.isUnsafe($0) }, "\(text.debugDescription)")
        #expect(text.split(separator: "\n").count == 1)
        // What the record carried stays readable, as escapes.
        #expect(body.contains(#"unknown dish \u{1B}]0;PWNED\u{7}\u{A}2026-11-20T13:00:00.000Z error kafka: forged"#))
        #expect(body.contains(#"table=T3\u{D}\u{A}\u{202E}"#))
        #expect(body.contains(#"mode=U\u{9B}PI"#))
    }
}
