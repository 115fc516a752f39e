/// The themes shipped with the build, in btop's format: the same text as the files in the
/// repository's `themes/` folder (a test keeps the two equal), so that `--theme light` works
/// wherever the binary was copied to.
public enum ThemeCatalog {
    public static let names = ["default", "light", "high-contrast", "colorblind", "mono"]

    /// The text of a built-in theme, by name.
    public static func text(of name: String) -> String? {
        switch name {
        case "default": return defaultText
        case "light": return lightText
        case "high-contrast": return highContrastText
        case "colorblind": return colorblindText
        case "mono": return monoText
        default: return nil
        }
    }


    static let defaultText = #"""
# Tiffin's default theme (dark), in btop's format: theme[key]="#RRGGBB".
# Keys left out keep these colours; 256- and 16-colour terminals get the nearest colour.
# Built into the dashboard (--theme default); copy this file, change it, pass it with --theme FILE.

theme[main_bg]=""
theme[main_fg]="#D8DEE9"
theme[title]="#ECEFF4"
theme[border]="#4C566A"
theme[label]="#7B8394"

# One accent per meaning.
theme[revenue]="#A3BE8C"
theme[quantity]="#EBCB8B"
theme[orders]="#B48EAD"

# One colour per payment mode, in the order the restaurant lists them.
theme[payment]="#88C0D0"
theme[payment_2]="#D08770"
theme[payment_3]="#C895BF"
theme[payment_4]="#EBCB8B"

# Broker state dot and data-quality counters.
theme[ok]="#A3BE8C"
theme[warn]="#EBCB8B"
theme[error]="#BF616A"

"""#

    static let lightText = #"""
# Tiffin on a light background, in btop's format: it brings the background with it, so it reads
# the same in a dark terminal.

theme[main_bg]="#FAFAF7"
theme[main_fg]="#2E3440"
theme[title]="#1B1F27"
theme[border]="#A0A8B8"
theme[label]="#5C6370"

theme[revenue]="#2E7D32"
theme[quantity]="#9A5B00"
theme[orders]="#6A1B9A"

theme[payment]="#00838F"
theme[payment_2]="#C2410C"
theme[payment_3]="#7B1FA2"
theme[payment_4]="#1565C0"

theme[ok]="#2E7D32"
theme[warn]="#9A5B00"
theme[error]="#C62828"

"""#

    static let highContrastText = #"""
# Tiffin in high contrast: pure, bright colours on black, for a wall screen across a bright room
# or for low vision.

theme[main_bg]="#000000"
theme[main_fg]="#FFFFFF"
theme[title]="#FFFFFF"
theme[border]="#FFFFFF"
theme[label]="#E0E0E0"

theme[revenue]="#00FF00"
theme[quantity]="#FFFF00"
theme[orders]="#FF66FF"

theme[payment]="#00FFFF"
theme[payment_2]="#FF9900"
theme[payment_3]="#FF66FF"
theme[payment_4]="#9999FF"

theme[ok]="#00FF00"
theme[warn]="#FFFF00"
theme[error]="#FF3333"

"""#

    static let colorblindText = #"""
# Tiffin for colour-blind eyes: the Okabe-Ito palette. Nothing depends on telling red from
# green: the broker's "ok" is blue, "warn" yellow, "error" vermillion.

theme[main_bg]=""
theme[main_fg]="#E8E8E8"
theme[title]="#FFFFFF"
theme[border]="#6C6C6C"
theme[label]="#9A9A9A"

theme[revenue]="#56B4E9"
theme[quantity]="#E69F00"
theme[orders]="#CC79A7"

theme[payment]="#009E73"
theme[payment_2]="#E69F00"
theme[payment_3]="#CC79A7"
theme[payment_4]="#F0E442"

theme[ok]="#56B4E9"
theme[warn]="#F0E442"
theme[error]="#D55E00"

"""#

    static let monoText = #"""
# Tiffin without colour: meaning is carried by bold and dim alone (what --no-color and
# NO_COLOR give). btop ignores the key below; Tiffin reads it.

theme[monochrome]="yes"

"""#
}
