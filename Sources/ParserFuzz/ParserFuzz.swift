import Transform

/// libFuzzer target for the order parser and the whole expectations path (`make fuzz`).
///
/// Invariants checked on every input: nothing crashes or hangs; parsing is deterministic; a
/// record the rules accept materialises into an order whose own JSON is accepted again with
/// the same totals; a well-formed record survives being wrapped as an unknown field.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let record = UnsafeRawBufferPointer(start: data, count: size)
    check(record)
    return 0
}

private let window = DayWindow(day: LocalDay("2025-11-20")!, zone: .init(identifier: "Asia/Kolkata")!)
private let now: Int64 = 1_800_000_000

func check(_ record: UnsafeRawBufferPointer) {
    var first = OrderParser()
    var second = OrderParser()
    let a = first.parse(record)
    let b = second.parse(record)
    precondition(a == b, "parsing is not deterministic")

    var state = SalesState(window: window)
    let outcome = state.ingest(record, now: now)
    if a {
        // The same record as the value of an unknown field is still well-formed JSON.
        var wrapped = Array(#"{"x":"#.utf8)
        wrapped.append(contentsOf: record)
        wrapped.append(UInt8(ascii: "}"))
        var parser = OrderParser()
        let ok = wrapped.withUnsafeBytes { parser.parse($0) }
        precondition(ok || record.count > 60_000, "a well-formed record is not well-formed when nested")
    }
    if outcome == .accepted {
        let order = state.snapshot().recent[0]
        var again = SalesState(window: window)
        let json = Array(order.json.utf8)
        precondition(again.ingest(json, now: now) == .accepted, "a materialised order is rejected")
        precondition(again.snapshot().revenue == state.snapshot().revenue, "totals differ after a round trip")
    }
}

#if FUZZING
/// libFuzzer's driver, entered from our own `main` (SwiftPM gives every executable one).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
    }
}
#else
/// Without libFuzzer: replays the files given as arguments (a corpus, or a crash to debug).
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[..<n])
            }
            fclose(file)
            bytes.withUnsafeBytes { check($0) }
        }
    }
}
#endif

#if canImport(Glibc)
import Glibc
#endif
