import Foundation
import Terminal
import Testing
@testable import Dashboard

@Suite struct ThemeChoiceTests {
    let none: [String: String] = [:]

    @Test func theBuiltInsAreThereAndTheDefaultComesFirst() {
        let choice = ThemeChoice.resolve(argument: nil, themesDir: nil, noColor: false, environment: none)
        #expect(choice.themes.map(\.name) == ThemeCatalog.names)
        #expect(choice.start == 0 && choice.problems.isEmpty)
    }

    @Test func aNameStartsThere() {
        let choice = ThemeChoice.resolve(argument: "colorblind", themesDir: nil, noColor: false, environment: none)
        #expect(choice.themes[choice.start].name == "colorblind")
    }

    @Test func noColorLeavesOnlyMono() {
        let choice = ThemeChoice.resolve(argument: "light", themesDir: nil, noColor: true, environment: none)
        #expect(choice.themes.map(\.name) == ["mono"])
        #expect(choice.themes[0].theme.monochrome)
    }

    @Test func anUnknownNameSaysWhichThereAreAndUsesTheDefault() {
        let choice = ThemeChoice.resolve(argument: "solarised", themesDir: nil, noColor: false, environment: none)
        #expect(choice.start == 0 && choice.themes[0].name == "default")
        #expect(choice.problems.first?.contains("--theme solarised: no such theme (there are default, light") == true)
    }

    @Test func userFoldersAddAndReplaceThemesAndAFileCanBeGiven() throws {
        let folder = NSTemporaryDirectory() + "tiffin-themes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try ##"theme[revenue]="#FF0000""##.write(toFile: folder + "/sunset.theme", atomically: true, encoding: .utf8)
        try ##"theme[revenue]="#00FF00""##.write(toFile: folder + "/light.theme", atomically: true, encoding: .utf8)
        let byName = ThemeChoice.resolve(argument: "sunset", themesDir: folder, noColor: false, environment: none)
        #expect(byName.themes[byName.start].theme.color(.revenue) == .rgb(255, 0, 0))
        #expect(byName.themes.first { $0.name == "light" }?.theme.color(.revenue) == .rgb(0, 255, 0))
        // XDG_CONFIG_HOME is looked in too.
        let config = NSTemporaryDirectory() + "tiffin-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: config + "/tiffin/themes", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: config) }
        try ##"theme[orders]="#0000FF""##.write(toFile: config + "/tiffin/themes/night.theme", atomically: true, encoding: .utf8)
        let xdg = ThemeChoice.resolve(argument: "night", themesDir: nil, noColor: false, environment: ["XDG_CONFIG_HOME": config])
        #expect(xdg.themes[xdg.start].theme.color(.orders) == .rgb(0, 0, 255))
        let file = ThemeChoice.resolve(argument: folder + "/sunset.theme", themesDir: nil, noColor: false, environment: none)
        #expect(file.themes[file.start].name == "sunset")
    }

    @Test func aBrokenFileIsNamedWithItsLineAndTheDefaultIsUsed() throws {
        let path = NSTemporaryDirectory() + "tiffin-broken-\(UUID().uuidString).theme"
        defer { unlink(path) }
        try "# fine\ntheme[revenue]=\"not a colour\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let choice = ThemeChoice.resolve(argument: path, themesDir: nil, noColor: false, environment: none)
        #expect(choice.themes[choice.start].name == "default")
        #expect(choice.problems.first?.contains("theme \(path), line 2:") == true, "\(choice.problems)")
        #expect(choice.problems.first?.hasSuffix("using the default") == true)
    }
}
