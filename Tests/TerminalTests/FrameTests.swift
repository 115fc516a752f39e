import SafeText
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

    /// Issue 6: a dish name from a record carries escapes, a C1 CSI and bidi controls. Each
    /// becomes one "?" cell, counted as one column, so what follows stays in its columns.
    @Test func unsafeScalarsAreOneQuestionMarkCellEach() {
        let name = "a\u{1B}]0;X\u{07}b\u{9B}c\u{202E}d\u{200F}e|"  // 15 characters
        #expect(Frame.columns(name) == 15)
        var frame = Frame(width: 17, height: 1)
        let end = frame.put(name, x: 1, y: 0)
        #expect(end == 16)
        #expect(frame.text == " a?]0;X?b?c?d?e| ")
        #expect(!frame.text.unicodeScalars.contains { SafeText.isUnsafe($0) })
        #expect(frame[15, 0].text == "|")
        // Right alignment measures with the same columns, so it ends where it should.
        var right = Frame(width: 17, height: 1)
        right.putRight(name, endX: 17, y: 0)
        #expect(right.text == "  a?]0;X?b?c?d?e|")
        // Every class: one column each, also the marks that used to count as zero width.
        for control in ["\u{0}", "\t", "\u{7F}", "\u{85}", "\u{9B}", "\u{061C}", "\u{200E}", "\u{200F}",
                       "\u{202A}", "\u{202E}", "\u{2066}", "\u{2069}", "\u{2028}", "\u{2029}", "\r\n"] {
            let text = "x" + control + "y"
            #expect(Frame.columns(text) == 3, "\(text.debugDescription)")
            var cell = Frame(width: 4, height: 1)
            #expect(cell.put(text, x: 0, y: 0) == 3)
            #expect(cell.text == "x?y ", "\(text.debugDescription)")
        }
        // Truncation counts the same way, so a cut name keeps its width.
        let cut = Frame.truncate("ab\u{200F}\u{202E}cdef", to: 5)
        #expect(cut == "ab\u{200F}\u{202E}…")
        #expect(Frame.columns(cut) == 5)
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

    @Test func mistakesOnKeysWeUseAreNamedByLine() {
        let (theme, problems) = Theme.parse(
            "theme[revenue]=\"red\"\ntheme[nope]=\"#000000\"\nrevenue = 1\ntheme[hi_fg]=\"nonsense\"\n"
                + "theme[div_line]=\"#12345\"")
        // An unknown key, a line that is no assignment and a bad value on a btop key we do not
        // use are ignored, as btop ignores them; `div_line` colours our border, so it counts.
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("line 1:") == true)
        #expect(problems.first?.contains("theme[revenue]=\"red\"") == true)
        #expect(problems.last?.hasPrefix("line 5:") == true)
        #expect(theme.color(.revenue) == Theme.standard.color(.revenue))
        #expect(theme.color(.border) == Theme.standard.color(.border))
    }

    /// A theme as btop ships them (colours our own): comments, every btop key, greys as "#GG",
    /// a decimal colour, an empty gradient middle.
    static let btopTheme = """
        #Bashtop theme with the colours of a steel tiffin box
        #by Tiffin's tests

        # Colors should be in 6 or 2 character hexadecimal or single spaced rgb decimal: "#RRGGBB", "#BW" or "0-255 0-255 0-255"
        # example for white: "#FFFFFF", "#ff" or "255 255 255".

        # All graphs and meters can be gradients
        # For single color graphs leave "mid" and "end" variable empty.

        # Main background, empty for terminal default, need to be empty if you want transparent background
        theme[main_bg]="#00"

        # Main text color
        theme[main_fg]="#d0"

        # Title color for boxes
        theme[title]="250 244 230"

        # Higlight color for keyboard shortcuts
        theme[hi_fg]="#e0762c"

        # Background color of selected items
        theme[selected_bg]="#3b2f24"

        # Foreground color of selected items
        theme[selected_fg]="#f4"

        # Color of inactive/disabled text
        theme[inactive_fg]="#50"

        # Color of text appearing on top of graphs, i.e uptime and current network graph scaling
        theme[graph_text]="#8a"

        # Background color of the percentage meters
        theme[meter_bg]="#38"

        # Misc colors for processes box including mini cpu graphs, details memory graph and details status text
        theme[proc_misc]="#6fbf73"

        # Cpu box outline color
        theme[cpu_box]="#7a6a58"

        # Memory/disks box outline color
        theme[mem_box]="#6a7a58"

        # Net up/down box outline color
        theme[net_box]="#58667a"

        # Processes box outline color
        theme[proc_box]="#7a5858"

        # Box divider line and small boxes line color
        theme[div_line]="#44"

        # Temperature graph colors
        theme[temp_start]="#5a8fd0"
        theme[temp_mid]="#8a6fd0"
        theme[temp_end]="#d05a9a"

        # CPU graph colors
        theme[cpu_start]="#5fb878"
        theme[cpu_mid]="#d8b84a"
        theme[cpu_end]="#d84a4a"

        # Mem/Disk free meter
        theme[free_start]="#2f4a2a"
        theme[free_mid]=""
        theme[free_end]="#9ad08a"

        # Mem/Disk cached meter
        theme[cached_start]="#1c3a4a"
        theme[cached_mid]=""
        theme[cached_end]="#5ac8e0"

        # Mem/Disk available meter
        theme[available_start]="#4a3a14"
        theme[available_mid]=""
        theme[available_end]="#f0b040"

        # Mem/Disk used meter
        theme[used_start]="#4a2420"
        theme[used_mid]=""
        theme[used_end]="#f05a6a"

        # Download graph colors
        theme[download_start]="#2a2470"
        theme[download_mid]="#5a4ab0"
        theme[download_end]="#b8a0e0"

        # Upload graph colors
        theme[upload_start]="#5a1060"
        theme[upload_mid]="#8a4a90"
        theme[upload_end]="#e0b0e0"

        # Process box color gradient for threads, mem and cpu usage
        theme[process_start]="#7ac890"
        theme[process_mid]="#d8cc70"
        theme[process_end]="#d05050"
        """

    @Test func aRealBtopThemeLoadsWithSensibleColours() {
        let (theme, problems) = Theme.parse(Self.btopTheme)
        #expect(problems.isEmpty, "\(problems)")
        #expect(theme.color(.mainBackground) == .rgb(0, 0, 0))  // "#00": btop's grey shorthand
        #expect(theme.color(.mainForeground) == .rgb(0xD0, 0xD0, 0xD0))
        #expect(theme.color(.title) == .rgb(250, 244, 230))  // decimal "R G B"
        #expect(theme.color(.border) == .rgb(0x44, 0x44, 0x44))  // div_line
        #expect(theme.color(.label) == .rgb(0x8A, 0x8A, 0x8A))  // graph_text
        #expect(theme.color(.ok) == .rgb(0x5F, 0xB8, 0x78))  // cpu_start
        #expect(theme.color(.warn) == .rgb(0xD8, 0xB8, 0x4A))  // cpu_mid
        #expect(theme.color(.error) == .rgb(0xD8, 0x4A, 0x4A))  // cpu_end
        #expect(theme.color(.revenue) == .rgb(0x6F, 0xBF, 0x73))  // proc_misc
        #expect(theme.color(.quantity) == .rgb(0xF0, 0xB0, 0x40))  // available_end
        #expect(theme.color(.payment) == .rgb(0x5A, 0xC8, 0xE0))  // cached_end
        #expect(theme.color(.orders) == .rgb(0xB8, 0xA0, 0xE0))  // download_end
    }

    @Test func ourOwnKeysBeatBtopStandIns() {
        let (theme, problems) = Theme.parse("""
            theme[border]="#4C566A"
            theme[div_line]="#30"
            theme[cpu_mid]=""
            theme[inactive_fg]="#40"
            """)
        #expect(problems.isEmpty)
        #expect(theme.color(.border) == .rgb(0x4C, 0x56, 0x6A))  // set by us, before or after
        #expect(theme.color(.warn) == Theme.standard.color(.warn))  // an empty btop key sets nothing
        #expect(theme.color(.label) == .rgb(0x40, 0x40, 0x40))  // no graph_text: inactive_fg
        let (fallback, _) = Theme.parse("theme[div_line]=\"\"\ntheme[cpu_box]=\"#556d59\"")
        #expect(fallback.color(.border) == .rgb(0x55, 0x6D, 0x59))
    }

    @Test func btopValueSpellingsAreAccepted() {
        let (theme, problems) = Theme.parse("""
            theme[main_bg]="#00"
            theme[main_fg]="255 255 255"
            theme[title] = '#ECEFF4'
            theme[revenue]=#a3be8c
              theme[quantity] =  "  235 203 139 "
            theme[payment]=""
            theme[warn]=\t"1000 -5 7"\r
            theme[orders]="#fF" # trailing words after the closing quote
            """)
        #expect(problems.isEmpty, "\(problems)")
        #expect(theme.color(.mainBackground) == .rgb(0, 0, 0))
        #expect(theme.color(.mainForeground) == .rgb(255, 255, 255))
        #expect(theme.color(.title) == .rgb(0xEC, 0xEF, 0xF4))
        #expect(theme.color(.revenue) == .rgb(0xA3, 0xBE, 0x8C))
        #expect(theme.color(.quantity) == .rgb(235, 203, 139))
        #expect(theme.color(.payment) == .standard)  // empty: the terminal's own colour
        #expect(theme.color(.orders) == .rgb(255, 255, 255))
        #expect(theme.color(.warn) == .rgb(255, 0, 7))  // clamped to 0–255, as btop does
        #expect(Color(btop: "#123") == nil && Color(btop: "#GG") == nil && Color(btop: "1 2") == nil)
        #expect(Color(btop: "1 2 3 4") == nil && Color(btop: "red") == nil && Color(btop: "") == nil)
        #expect(Color(hex: "+12345") == nil)
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
