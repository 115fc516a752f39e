import Testing
@testable import Terminal

@Suite struct FrameTests {
    @Test func textIsClippedToTheFrameAndTheClip() {
        var frame = Frame(width: 10, height: 2)
        let end = frame.put("Masala Dosa", x: 2, y: 0)
        #expect(end == 10)
        #expect(frame.text == "  Masala D\n          ")
        frame.put("abcdef", x: 1, y: 1, clip: Rect(x: 2, y: 1, width: 3, height: 1))
        #expect(frame.trimmedText.split(separator: "\n").last == "  bcd")
    }

    @Test func wideCharactersTakeTwoCells() {
        var frame = Frame(width: 6, height: 1)
        frame.put("🍛a", x: 0, y: 0)
        #expect(frame[0, 0].text == "🍛")
        #expect(frame[1, 0] == .continuation)
        #expect(frame[2, 0].text == "a")
        #expect(Frame.columns("₹5,03,926") == 9)
        #expect(Frame.columns("Masala\u{0301}") == 6)
        // A wide character that would stick out of the frame is not drawn half.
        var narrow = Frame(width: 3, height: 1)
        narrow.put("ab🍛", x: 0, y: 0)
        #expect(narrow.text == "ab ")
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        var frame = Frame(width: 5, height: 1)
        frame.put("a\u{1B}[2Jb", x: 0, y: 0)
        #expect(!frame.text.contains("\u{1B}"))
    }

    @Test func truncationMarksTheCut() {
        #expect(Frame.truncate("Masala Dosa", to: 8) == "Masala …")
        #expect(Frame.truncate("Tea", to: 8) == "Tea")
        #expect(Frame.truncate("Masala Dosa", to: 8, ellipsis: "~") == "Masala ~")
        #expect(Frame.truncate("anything", to: 0) == "")
    }

    @Test func barsHaveEighthSteps() {
        #expect(Widgets.bar(0.5, width: 4, glyphs: .unicode) == "██")
        #expect(Widgets.bar(1.0 / 32, width: 4, glyphs: .unicode) == "▏")
        #expect(Widgets.bar(1, width: 4, glyphs: .unicode) == "████")
        #expect(Widgets.bar(2, width: 4, glyphs: .unicode) == "████")
        #expect(Widgets.bar(0.5, width: 4, glyphs: .ascii) == "##")
    }

    @Test func aSparklineScalesToItsHeight() {
        var frame = Frame(width: 4, height: 2)
        Widgets.sparkline(&frame, frame.bounds, values: [0, 1, 8, 16], style: .plain, glyphs: .unicode)
        // 8 of 16 fills the lower row exactly; 1 of 16 still shows.
        #expect(frame.text == "   █\n ▁██")
    }

    @Test func panelsPutTheTitleInTheBorder() {
        var frame = Frame(width: 20, height: 3)
        let inner = Widgets.panel(&frame, frame.bounds, title: "Orders", theme: .standard, glyphs: .unicode)
        #expect(inner == Rect(x: 1, y: 1, width: 18, height: 1))
        #expect(frame.text == "╭─ Orders ─────────╮\n│                  │\n╰──────────────────╯")
    }

    @Test func bigDigitsAreFiveRows() {
        let rows = BigDigits.rows("₹1,0", glyphs: .unicode)
        #expect(rows.count == 5)
        #expect(Set(rows.map { Frame.columns($0) }).count == 1)
        #expect(BigDigits.rows("12", glyphs: .ascii).joined().allSatisfy { $0 == "#" || $0 == " " })
    }
}

@Suite struct ThemeTests {
    @Test func aThemeFileOverridesOnlyWhatItNames() {
        let (theme, problems) = Theme.parse("""
            # mine
            theme[revenue]="#FF0000"
            theme[main_bg]=""
            """)
        #expect(problems.isEmpty)
        #expect(theme.color(.revenue) == .rgb(255, 0, 0))
        #expect(theme.color(.quantity) == Theme.standard.color(.quantity))
        #expect(theme.color(.mainBackground) == .standard)
    }

    @Test func mistakesAreNamedByLine() {
        let (_, problems) = Theme.parse("theme[revenue]=\"red\"\ntheme[nope]=\"#000000\"\nrevenue = 1")
        #expect(problems.count == 3)
        #expect(problems[0].hasPrefix("line 1") && problems[1].contains("unknown key 'nope'"))
    }

    @Test func monochromeUsesNoColours() {
        #expect(Theme.mono.style(.revenue).foreground == .standard)
        #expect(Theme.mono.style(.label).dim)
    }

    @Test func coloursMapToWhatTheTerminalHas() {
        #expect(Palette.xterm256(255, 0, 0) == 196)
        #expect(Palette.xterm256(0, 0, 0) == 16)
        #expect(Palette.xterm256(128, 128, 128) == 244)
        #expect(Palette.basic(250, 10, 10, count: 16) == 9)
        #expect(Palette.basic(250, 10, 10, count: 8) == 1)
    }
}
