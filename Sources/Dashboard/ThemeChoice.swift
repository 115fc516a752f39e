import Foundation
import Terminal

/// Which themes the full-screen view can show and which it starts with: `--theme NAME|FILE`;
/// names are looked up in `--themes-dir`, then `$XDG_CONFIG_HOME/tiffin/themes` (or
/// `~/.config/tiffin/themes`), then the themes shipped with the build. `t` cycles through the
/// list. A theme that cannot be used is never fatal: the default is used and `problems` says
/// why (file and line), for the log, standard error and the status line.
struct ThemeChoice {
    struct Named {
        var name: String
        var theme: Theme
    }

    var themes: [Named]
    var start: Int
    var problems: [String]

    /// `noColor`: --no-color or NO_COLOR: the monochrome theme only.
    static func resolve(
        argument: String?, themesDir: String?, noColor: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        read: (String) -> String? = { try? String(contentsOfFile: $0, encoding: .utf8) }
    ) -> ThemeChoice {
        if noColor { return ThemeChoice(themes: [Named(name: "mono", theme: .mono)], start: 0, problems: []) }
        var themes = ThemeCatalog.names.compactMap { name in Theme.builtIn(name).map { Named(name: name, theme: $0) } }
        var problems: [String] = []
        // User folders: a theme there with a built-in's name replaces it.
        for folder in folders(themesDir: themesDir, environment: environment) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in files.sorted() where file.hasSuffix(".theme") {
                let path = (folder as NSString).appendingPathComponent(file)
                guard let theme = load(path, read: read, problems: &problems) else { continue }
                let name = String(file.dropLast(".theme".count))
                if let i = themes.firstIndex(where: { $0.name == name }) {
                    themes[i].theme = theme
                } else {
                    themes.append(Named(name: name, theme: theme))
                }
            }
        }
        var start = 0
        if let argument {
            if let i = themes.firstIndex(where: { $0.name == argument }) {
                start = i
            } else if argument.contains("/") || argument.hasSuffix(".theme") || FileManager.default.fileExists(atPath: argument) {
                if let theme = load(argument, read: read, problems: &problems) {
                    themes.insert(Named(name: ((argument as NSString).lastPathComponent as NSString).deletingPathExtension, theme: theme), at: 0)
                }
            } else {
                problems.append(
                    "--theme \(argument): no such theme (there are \(themes.map(\.name).joined(separator: ", ")), "
                        + "or give a file); using the default")
            }
        }
        return ThemeChoice(themes: themes, start: start, problems: problems)
    }

    /// The folders user themes are looked up in, first first.
    static func folders(themesDir: String?, environment: [String: String]) -> [String] {
        var folders: [String] = []
        if let themesDir { folders.append(themesDir) }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            folders.append((config as NSString).appendingPathComponent("tiffin/themes"))
        } else if let home = environment["HOME"], !home.isEmpty {
            folders.append((home as NSString).appendingPathComponent(".config/tiffin/themes"))
        }
        return folders
    }

    /// A theme file, or nil with the reason in `problems` ("--theme FILE, line 3: …").
    private static func load(_ path: String, read: (String) -> String?, problems: inout [String]) -> Theme? {
        guard let text = read(path) else {
            problems.append("theme \(path): cannot read it; using the default")
            return nil
        }
        let (theme, found) = Theme.parse(text)
        if let first = found.first {
            problems.append("theme \(path), \(first); using the default")
            return nil
        }
        return theme
    }
}
