import Testing
@testable import Terminal

/// The app kit's pure parts: key decoding, the key table, layout.
@Suite struct KitTests {
    static let codes = KeyDecoder.Codes(
        up: 259, down: 258, left: 260, right: 261, home: 262, end: 360, pageUp: 339, pageDown: 338,
        enter: 343, backspace: 263, delete: 330, backTab: 353, resize: 410, f0: 264)

    @Test(arguments: [
        (UInt32(13), false, Key.enter), (10, false, .enter), (9, false, .tab), (127, false, .backspace),
        (8, false, .backspace), (27, false, .escape), (12, false, .ctrl("l")), (1, false, .ctrl("a")),
        (113, false, .character("q")), (0x20B9, false, .character("₹")),
        (259, true, .up), (338, true, .pageDown), (339, true, .pageUp), (262, true, .home), (360, true, .end),
        (330, true, .delete), (353, true, .backTab), (343, true, .enter), (263, true, .backspace),
        (265, true, .function(1)), (275, true, .function(11)), (410, true, .resize),
    ])
    func keysDecode(value: UInt32, isFunctionKey: Bool, key: Key) {
        #expect(KeyDecoder.decode(value, isFunctionKey: isFunctionKey, codes: Self.codes) == key)
    }

    @Test func unknownCodesAreNotKeys() {
        #expect(KeyDecoder.decode(9999, isFunctionKey: true, codes: Self.codes) == nil)
        #expect(KeyDecoder.decode(0, isFunctionKey: false, codes: Self.codes) == nil)
        #expect(KeyDecoder.decode(0xD800, isFunctionKey: false, codes: Self.codes) == nil)
    }

    enum Action: Equatable, Sendable { case quit, help, redraw }

    @Test func oneTableDecidesTheActionAndWritesTheHelp() {
        let map = KeyMap<Action>([
            .init([.character("q"), .character("Q"), .escape], "quit", .quit, label: "q, Esc"),
            .init([.character("?"), .character("h")], "this help", .help),
            .init([.ctrl("l")], "redraw", .redraw),
        ])
        #expect(map.action(for: .character("Q")) == .quit)
        #expect(map.action(for: .escape) == .quit)
        #expect(map.action(for: .character("h")) == .help)
        #expect(map.action(for: .ctrl("l")) == .redraw)
        #expect(map.action(for: .character("x")) == nil)
        #expect(map.helpLines == [
            "q, Esc   quit",
            "?, h     this help",
            "Ctrl-L   redraw",
        ])
    }

    @Test func aVerticalSplitGivesFixedPartsFirstAndTheRestToFills() {
        let area = Rect(x: 2, y: 1, width: 80, height: 24)
        let parts = area.split(.vertical, [.length(4), .fill(weight: 1), .fill(weight: 2), .length(1)])
        #expect(parts.map(\.height) == [4, 6, 13, 1])
        #expect(parts.map(\.y) == [1, 5, 11, 24])
        #expect(parts.allSatisfy { $0.x == 2 && $0.width == 80 })
    }

    @Test func aHorizontalSplitWithPercentagesAndSpacing() {
        let parts = Rect(x: 0, y: 0, width: 101, height: 3).split(.horizontal, [.percent(50), .fill], spacing: 1)
        #expect(parts.map(\.width) == [50, 50])
        #expect(parts.map(\.x) == [0, 51])
    }

    @Test func tooSmallAnAreaShrinksTheLastPartsFirstAndNeverOverflows() {
        let parts = Rect(x: 0, y: 0, width: 10, height: 5).split(.vertical, [.length(3), .length(3), .fill(min: 2)])
        #expect(parts.map(\.height) == [3, 2, 0])
        #expect(parts.last.map { $0.y + $0.height } ?? 0 <= 5)
        let fills = Rect(x: 0, y: 0, width: 10, height: 10).split(.vertical, [.length(2), .fill(min: 5), .fill])
        #expect(fills.map(\.height) == [2, 5, 3])
    }

    @Test func aNarrowStatusLineDropsTheLeastImportantFieldsFirst() {
        let fields = [
            StatusField("connected", priority: 9), StatusField("10.0.0.1:9092", priority: 1, joinsPrevious: true),
            StatusField("caught up", priority: 5), StatusField("3.2 orders/s", priority: 3),
            StatusField("rejected 4", priority: 7),
        ]
        let wide = StatusLine.text(fields, room: 80, separator: " · ", ellipsis: "…")
        #expect(wide == "connected 10.0.0.1:9092 · caught up · 3.2 orders/s · rejected 4")
        #expect(StatusLine.text(fields, room: 50, separator: " · ", ellipsis: "…") == "connected · caught up · 3.2 orders/s · rejected 4")
        #expect(StatusLine.text(fields, room: 35, separator: " · ", ellipsis: "…") == "connected · caught up · rejected 4")
        #expect(StatusLine.text(fields, room: 5, separator: " · ", ellipsis: "…") == "conn…")
    }
}
