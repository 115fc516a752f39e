import Foundation
import Terminal
import Testing
import Transform
@testable import Dashboard

/// Every view of a fixed day at four sizes, and in ASCII, compared as text with the frames kept
/// under Golden/. A change to what a view draws shows up here as a diff to read; when it is
/// meant, `TIFFIN_UPDATE_GOLDEN=1 swift test --filter GoldenViewTests` writes the new frames.
@Suite struct GoldenViewTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let update = ProcessInfo.processInfo.environment["TIFFIN_UPDATE_GOLDEN"] == "1"

    static func check(_ frame: Frame, _ name: String) throws {
        let file = folder.appendingPathComponent(name + ".txt")
        let text = frame.trimmedText + "\n"
        if update {
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "\(name) differs from Golden/\(name).txt:\n\(text)")
    }

    @Test(arguments: [(120, 40), (80, 24), (40, 12), (20, 6)])
    func everyViewAtEverySize(width: Int, height: Int) throws {
        var s = DashboardStateTests.busy()
        _ = s.update(.resized(width: width, height: height))
        let view = DashboardView(theme: .standard, glyphs: .unicode)
        for page in DashboardState.Page.allCases {
            s.page = page
            try Self.check(view.render(s, width: width, height: height), "\(page.title.lowercased())-\(width)x\(height)")
        }
    }

    @Test func everyViewInASCIIAndTheHelp() throws {
        var s = DashboardStateTests.busy()
        let ascii = DashboardView(theme: .mono, glyphs: .ascii)
        for page in DashboardState.Page.allCases {
            s.page = page
            let frame = ascii.render(s, width: 100, height: 30)
            #expect(frame.text.unicodeScalars.allSatisfy { $0.isASCII }, "\(page) is not ASCII")
            try Self.check(frame, "\(page.title.lowercased())-ascii")
        }
        s.page = .overview
        s.showHelp = true
        try Self.check(DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 100, height: 30), "help")
    }
}
