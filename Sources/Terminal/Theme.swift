import SafeText

/// Colours by meaning, read from a theme file in btop's format: `theme[key]="#RRGGBB"` lines
/// (also `#GG` greys and `"R G B"` decimals, single or no quotes), `#` comments. A btop theme
/// works as is: keys we do not use are ignored like any other line that is not an assignment,
/// and some of btop's own keys stand in for our slots (`btopStandIns`). Slots the file leaves
/// out keep the defaults; a malformed colour on a key we use is reported with its line.
public struct Theme: Sendable, Equatable {
    public enum Slot: String, CaseIterable, Sendable {
        case mainForeground = "main_fg"
        case mainBackground = "main_bg"
        case title
        case border
        case label
        case revenue
        case quantity
        case payment
        case payment2 = "payment_2"
        case payment3 = "payment_3"
        case payment4 = "payment_4"
        case orders
        case ok
        case warn
        case error
    }

    public var colors: [Slot: Color]
    /// Without colour (`--no-color`, `NO_COLOR`, a monochrome terminal) meaning is carried by
    /// bold and dim alone.
    public var monochrome: Bool

    public static let standard = Theme(
        colors: [
            .mainForeground: Color(hex: "#D8DEE9")!, .mainBackground: .standard,
            .title: Color(hex: "#ECEFF4")!, .border: Color(hex: "#4C566A")!,
            .label: Color(hex: "#7B8394")!, .revenue: Color(hex: "#A3BE8C")!,
            .quantity: Color(hex: "#EBCB8B")!, .payment: Color(hex: "#88C0D0")!,
            .payment2: Color(hex: "#D08770")!, .payment3: Color(hex: "#C895BF")!,
            .payment4: Color(hex: "#EBCB8B")!,
            .orders: Color(hex: "#B48EAD")!, .ok: Color(hex: "#A3BE8C")!,
            .warn: Color(hex: "#EBCB8B")!, .error: Color(hex: "#BF616A")!,
        ],
        monochrome: false)

    public static let mono = Theme(colors: [:], monochrome: true)

    /// The colour slot of the payment mode at `index` in the restaurant's list (four slots,
    /// used in turn when there are more modes).
    public static func paymentSlot(_ index: Int) -> Slot {
        [Slot.payment, .payment2, .payment3, .payment4][((index % 4) + 4) % 4]
    }

    /// A theme shipped with the build, by name (`ThemeCatalog.names`).
    public static func builtIn(_ name: String) -> Theme? {
        ThemeCatalog.text(of: name).map { parse($0).0 }
    }

    /// btop keys that colour one of our slots when the file does not set the slot itself, in
    /// order of preference (`main_fg`, `main_bg` and `title` mean the same in both), so that a
    /// real btop theme gives sensible colours:
    /// - border: `div_line` (btop's divider lines), else `cpu_box` (a box outline);
    /// - label: `graph_text`, else `inactive_fg` (btop's own fallback for graph text);
    /// - ok, warn, error: `cpu_start`, `cpu_mid`, `cpu_end` (btop's load gradient runs calm to hot);
    /// - revenue: `proc_misc` (btop's accent in the process box, green by default);
    /// - quantity, payment, orders: `available_end`, `cached_end`, `download_end` (meter colours
    ///   whose btop defaults are amber, cyan and violet, like ours).
    /// Other btop keys (`hi_fg`, `selected_bg`, `meter_bg`, the other gradients) are ignored.
    public static let btopStandIns: [Slot: [String]] = [
        .border: ["div_line", "cpu_box"],
        .label: ["graph_text", "inactive_fg"],
        .ok: ["cpu_start"],
        .warn: ["cpu_mid"],
        .error: ["cpu_end"],
        .revenue: ["proc_misc"],
        .quantity: ["available_end"],
        .payment: ["cached_end"],
        .orders: ["download_end"],
    ]

    /// Parses theme text over `base`; returns the theme and the problems, one sentence each,
    /// starting with the line number.
    public static func parse(_ text: String, over base: Theme = .standard) -> (Theme, [String]) {
        // Read every assignment first (a later line wins, as in btop), then colour each slot
        // from its own key or else its first btop stand-in with a value.
        var assigned: [String: Assignment] = [:]
        // `isNewline` also splits "\r\n", which is one Character and so never equals "\n".
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (number, raw) in lines.enumerated() {
            guard let assignment = Assignment(raw, line: number + 1) else { continue }
            assigned[assignment.key] = assignment
        }
        var theme = base
        var problems: [(line: Int, text: String)] = []
        // Not a btop key (btop ignores it): a theme that carries meaning by bold and dim alone.
        if let mono = assigned["monochrome"] {
            theme.monochrome = ["yes", "true", "1"].contains(mono.value.lowercased())
        }
        for slot in Slot.allCases {
            let standIns = btopStandIns[slot, default: []].compactMap { assigned[$0] }.filter { !$0.value.isEmpty }
            guard let source = assigned[slot.rawValue] ?? standIns.first else { continue }
            if source.value.isEmpty {
                theme.colors[slot] = .standard  // btop's "empty for the terminal's own colour"
            } else if let color = Color(btop: source.value) {
                theme.colors[slot] = color
            } else {
                let value = SafeText.clean(source.value)
                problems.append(
                    (line: source.line,
                     text: "line \(source.line): theme[\(source.key)]=\"\(value)\" is not a colour "
                        + "(\"#RRGGBB\", \"#GG\" or \"R G B\")"))
            }
        }
        return (theme, problems.sorted { $0.line < $1.line }.map { $0.text })
    }

    /// One `theme[key]=value` line. Like btop, anything else (comments, blank lines, other
    /// settings) is not an assignment and is skipped without a word.
    struct Assignment {
        var key: String
        var value: String
        var line: Int

        init?(_ raw: Substring, line: Int) {
            let text = raw.trimmingSpaces()
            guard text.hasPrefix("theme["), let close = text.firstIndex(of: "]"),
                let equals = text[close...].firstIndex(of: "=")
            else { return nil }
            key = text[text.index(text.startIndex, offsetBy: 6)..<close].trimmingSpaces()
            let rest = Substring(text[text.index(after: equals)...].trimmingSpaces())
            // A quoted value ends at its closing quote (what follows is ignored, as in btop);
            // an unquoted one is the rest of the line.
            if let quote = rest.first, quote == "\"" || quote == "'" {
                let inside = rest.dropFirst()
                value = inside[..<(inside.firstIndex(of: quote) ?? inside.endIndex)].trimmingSpaces()
            } else {
                value = String(rest)
            }
            self.line = line
        }
    }

    public func color(_ slot: Slot) -> Color { monochrome ? .standard : colors[slot] ?? .standard }

    /// The style for text of a given meaning, on the theme's background (`main_bg`; empty
    /// means the terminal's own, so a light theme can bring its light background with it).
    public func style(_ slot: Slot, bold: Bool = false) -> Style {
        let background = color(.mainBackground)
        switch slot {
        case .label, .border:
            return Style(foreground: color(slot), background: background, dim: monochrome)
        default:
            return Style(foreground: color(slot), background: background, bold: bold)
        }
    }

    /// Empty cells: the theme's background.
    public var blank: Cell { Cell(" ", style(.mainForeground)) }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed()
            .drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
