/// One field of a status line. When the line is too narrow, the fields with the lowest
/// priority go first (never the last one left); a field that `joinsPrevious` follows the one
/// before it after a plain space ("connected 127.0.0.1:9092") instead of the separator.
public struct StatusField: Sendable, Equatable {
    public var text: String
    public var priority: Int
    public var joinsPrevious: Bool

    public init(_ text: String, priority: Int, joinsPrevious: Bool = false) {
        self.text = text
        self.priority = priority
        self.joinsPrevious = joinsPrevious
    }
}

public enum StatusLine {
    /// The fields that fit in `room` columns, joined; cut with `ellipsis` if even one is too long.
    public static func text(_ fields: [StatusField], room: Int, separator: String, ellipsis: String) -> String {
        var fields = fields
        func joined() -> String {
            var line = ""
            for (i, field) in fields.enumerated() {
                if i > 0 { line += field.joinsPrevious ? " " : separator }
                line += field.text
            }
            return line
        }
        while Frame.columns(joined()) > room, fields.count > 1,
            let drop = fields.indices.min(by: { fields[$0].priority < fields[$1].priority })
        {
            fields.remove(at: drop)
        }
        return Frame.truncate(joined(), to: room, ellipsis: ellipsis)
    }
}
