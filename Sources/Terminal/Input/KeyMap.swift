/// One table of a program's keys: what each does and how the help overlay describes it, so the
/// two can never drift apart.
public struct KeyMap<Action: Sendable>: Sendable {
    public struct Binding: Sendable {
        public var keys: [Key]
        public var help: String
        public var action: Action
        /// The keys as the help lists them: "q, Esc" (leaving out Q, say); by default every key.
        public var label: String

        public init(_ keys: [Key], _ help: String, _ action: Action, label: String? = nil) {
            self.keys = keys
            self.help = help
            self.action = action
            self.label = label ?? keys.map(\.description).joined(separator: ", ")
        }
    }

    public var bindings: [Binding]

    public init(_ bindings: [Binding]) {
        self.bindings = bindings
    }

    /// The action bound to `key`, if any (the first binding wins).
    public func action(for key: Key) -> Action? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// The help overlay's rows: keys left, padded to one column, then what they do.
    public var helpLines: [String] { helpLines { _ in true } }

    /// The rows of the bindings `include` keeps (those that do something where the user is).
    public func helpLines(where include: (Binding) -> Bool) -> [String] {
        let shown = bindings.filter(include)
        let width = shown.map { Frame.columns($0.label) }.max() ?? 0
        return shown.map { binding in
            binding.label + String(repeating: " ", count: width - Frame.columns(binding.label) + 3) + binding.help
        }
    }
}
