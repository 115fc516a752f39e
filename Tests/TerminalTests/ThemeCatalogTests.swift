import Foundation
import Testing
import Terminal

@Suite struct ThemeCatalogTests {
    /// The repository's themes/ folder, found from this file's place in the tree.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    @Test(arguments: ThemeCatalog.names)
    func theBuiltInThemeIsTheFileInThemesAndParsesCleanly(name: String) throws {
        let file = try String(contentsOf: Self.folder.appendingPathComponent("\(name).theme"), encoding: .utf8)
        #expect(ThemeCatalog.text(of: name) == file, "Sources/Terminal/ThemeCatalog.swift and themes/\(name).theme differ")
        let (_, problems) = Theme.parse(file)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func everyShippedFileIsBuiltIn() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".theme") }
        #expect(Set(files.map { String($0.dropLast(6)) }) == Set(ThemeCatalog.names))
    }

    @Test func theDefaultThemeIsTheBuiltInStandardAndMonoIsMonochrome() {
        #expect(Theme.builtIn("default") == .standard)
        #expect(Theme.builtIn("mono")?.monochrome == true)
        #expect(Theme.builtIn("light")?.monochrome == false)
    }

    @Test(arguments: ThemeCatalog.names.filter { $0 != "mono" })
    func eachPaymentModeHasItsOwnColour(name: String) throws {
        let theme = try #require(Theme.builtIn(name))
        let colours = (0..<4).map { theme.color(Theme.paymentSlot($0)) }
        #expect(Set(colours).count == 4, "\(name): \(colours)")
        #expect(Theme.paymentSlot(4) == Theme.paymentSlot(0))
    }

    @Test func theColourBlindThemeKeepsOkAndErrorApartWithoutRedAndGreen() throws {
        let theme = try #require(Theme.builtIn("colorblind"))
        guard case let .rgb(r, g, b) = theme.color(.ok) else { Issue.record("ok has no colour"); return }
        // Okabe-Ito sky blue: blue dominates, so "ok" never reads as green.
        #expect(b > r && b > g)
        #expect(theme.color(.ok) != theme.color(.error))
    }
}

extension ThemeCatalogTests {
    @Test func aThemeWithABackgroundPaintsEveryStyleOnIt() throws {
        let light = try #require(Theme.builtIn("light"))
        #expect(light.color(.mainBackground) == .rgb(0xFA, 0xFA, 0xF7))
        for slot in Theme.Slot.allCases { #expect(light.style(slot).background == .rgb(0xFA, 0xFA, 0xF7)) }
        #expect(light.blank.style.background == .rgb(0xFA, 0xFA, 0xF7))
        #expect(Theme.standard.style(.revenue).background == .standard)
    }
}
