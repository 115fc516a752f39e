import ArgumentParser
import Foundation
import Glibc
import Kafka
import Synchronization
import Till
import TiffinCLI
import Transform

/// `producer send`: records exactly as given (JSON lines from a file or standard input, or one
/// record), for replaying a day or sending bad input on purpose. Through the outbox like any
/// order; each record is keyed by the `order_id` it carries (when it has one) and stamped with
/// its `timestamp` (else now). A record Kafka refuses is reported with its line number and the
/// rest is still sent.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send records as they are: JSON lines from a file (or - for standard input), or one record.",
        discussion: """
            Examples:
              producer send -b 127.0.0.1:9092 --file orders.jsonl
              cat orders.jsonl | producer send -b 127.0.0.1:9092 --file -
              producer send -b 127.0.0.1:9092 --json '{"order_id": 7, "table_id": "T1", …}'
            """)

    @OptionGroup(title: "Kafka") var kafka: KafkaOptions
    @OptionGroup(title: "Till") var tillOptions: TillOptions

    @Option(help: ArgumentHelp("A file of JSON lines, one record each ('-': standard input).", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("One record, sent as given.", valueName: "record"))
    var json: String?

    @OptionGroup(title: "Logging") var log: LogOptions

    func validate() throws {
        if (file == nil) == (json == nil) {
            throw ValidationError("say what to send: --file FILE (JSON lines, - for standard input) or --json 'RECORD'")
        }
        if let json, json.isEmpty { throw ValidationError("--json needs a record, e.g. --json '{\"order_id\": 1, …}'") }
        if let file, file != "-" {
            var info = stat()
            if stat(file, &info) != 0 {
                throw ValidationError("--file \(file): \(String(cString: strerror(errno))); give a file of JSON lines (or - for standard input)")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                throw ValidationError("--file \(file): is a directory; give a file of JSON lines (or - for standard input)")
            }
            if access(file, R_OK) != 0 {
                throw ValidationError("--file \(file): cannot read it (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Line numbers of the records in flight, so a refusal can name the line.
    private final class Lines: Sendable {
        let bySeq = Mutex<[UInt64: Int]>([:])
    }

    func run() throws {
        Signals.start(grace: tillOptions.timeout + 10)
        let logger = try log.bootstrap(label: "producer", defaultPath: nil)
        let lines = Lines()
        let source = file == "-" ? "standard input" : file ?? "--json"
        let session = try TillSession(kafka: kafka, till: tillOptions, logger: logger) { update in
            guard case let .refused(seq, _, reason) = update else { return }
            let line = lines.bySeq.withLock { $0[seq] }
            let place = line.map { "\(source) line \($0)" } ?? "an earlier run's record"
            logger.error("\(place): Kafka refused the record (\(reason)); kept in the outbox's refused.jsonl")
            writeStandardError("producer: \(place): Kafka refused the record (\(reason)); the rest is still sent\n")
        }
        let reachable = try session.sender.checkCluster(timeout: tillOptions.timeout)
        var journaled = 0
        var batch: [(line: Int, entry: Outbox.NewEntry)] = []
        func flush() throws {
            guard !batch.isEmpty else { return }
            let clock = Int64(Date().timeIntervalSince1970)
            // Line numbers are known before Kafka can answer: note them by the seqs the outbox
            // will give (append numbers them consecutively), under the lock the reports take.
            let entries = try session.outbox.append(batch.map(\.entry), now: clock, sync: true)
            lines.bySeq.withLock { map in
                for (journaledEntry, item) in zip(entries, batch) { map[journaledEntry.seq] = item.line }
            }
            session.sender.handOver(entries, wait: reachable ? 30 : 0)
            journaled += batch.count
            batch.removeAll(keepingCapacity: true)
        }
        func add(_ record: ArraySlice<UInt8>, line: Int) throws {
            var end = record.endIndex
            if end > record.startIndex, record[end - 1] == 0x0D { end -= 1 }  // CRLF files
            let bytes = Array(record[record.startIndex..<end])
            guard !bytes.isEmpty else { return }
            let fields = RecordFields(bytes)
            let now = Int64(Date().timeIntervalSince1970)
            batch.append((line, Outbox.NewEntry(
                key: fields.orderID.map { Array(String($0).utf8) } ?? [],
                value: bytes, timestamp: (fields.timestamp ?? now) * 1000,
                // Not this till's id (it may be anything): kept out of the outbox's last id,
                // which the form and `simulate` resume from.
                orderID: nil)))
            if batch.count >= 1000 { try flush() }
        }

        if let json {
            try add(ArraySlice(Array(json.utf8)), line: 1)
        } else {
            let fd = file == "-" ? 0 : open(file!, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw ValidationError("--file \(file!): cannot read it (\(String(cString: strerror(errno))))")
            }
            defer { if fd != 0 { Glibc.close(fd) } }
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var lineNumber = 0
            while Signals.pending() == nil {
                let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 {
                    throw ValidationError("--file \(source): cannot read it (\(String(cString: strerror(errno))))")
                }
                if n == 0 { break }
                pending.append(contentsOf: chunk[0..<n])
                var start = pending.startIndex
                while let newline = pending[start...].firstIndex(of: 0x0A) {
                    lineNumber += 1
                    try add(pending[start..<newline], line: lineNumber)
                    start = newline + 1
                }
                pending.removeSubrange(pending.startIndex..<start)
            }
            if !pending.isEmpty, Signals.pending() == nil {
                lineNumber += 1
                try add(pending[...], line: lineNumber)
            }
        }
        try flush()
        try session.finish(
            idle: reachable ? tillOptions.timeout : 1, journaled: journaled, what: "records",
            unreachable: reachable ? nil : "Kafka at \(kafka.brokers ?? "?") did not answer within \(String(format: "%g", tillOptions.timeout)) s")
    }
}

/// The `order_id` and `timestamp` a record says it has, found without judging the record
/// (it may be malformed on purpose): the first `"order_id": <integer>` and `"timestamp":
/// <integer>` anywhere in it. A timestamp outside 2000…2100 is ignored.
struct RecordFields {
    var orderID: Int64?
    var timestamp: Int64?

    init(_ bytes: [UInt8]) {
        orderID = Self.integer(after: Array(#""order_id""#.utf8), in: bytes)
        if let t = Self.integer(after: Array(#""timestamp""#.utf8), in: bytes), (946_684_800...4_102_444_800).contains(t) {
            timestamp = t
        }
    }

    static func integer(after key: [UInt8], in bytes: [UInt8]) -> Int64? {
        guard bytes.count > key.count else { return nil }
        var i = 0
        while i + key.count <= bytes.count {
            guard bytes[i] == key[0], bytes[i..<i + key.count].elementsEqual(key) else {
                i += 1
                continue
            }
            var j = i + key.count
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            guard j < bytes.count, bytes[j] == 0x3A else { i += 1; continue }  // ':'
            j += 1
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 { j += 1 }
            var negative = false
            if j < bytes.count, bytes[j] == 0x2D { negative = true; j += 1 }
            var value: Int64 = 0
            var digits = 0
            while j < bytes.count, bytes[j] >= 0x30, bytes[j] <= 0x39, digits < 18 {
                value = value * 10 + Int64(bytes[j] - 0x30)
                digits += 1
                j += 1
            }
            guard digits > 0, j == bytes.count || !(bytes[j] >= 0x30 && bytes[j] <= 0x39 || bytes[j] == 0x2E || bytes[j] == 0x65 || bytes[j] == 0x45) else { return nil }
            return negative ? -value : value
        }
        return nil
    }
}
