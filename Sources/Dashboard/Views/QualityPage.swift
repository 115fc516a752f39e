import Foundation
import SafeText
import Terminal
import Transform

/// Page 4: data quality — rejected records per reason, warnings, duplicates, orders outside
/// the day and late ones, each with when it last happened; then the last rejected records
/// themselves, shown safely (controls and escapes made visible, long values cut).
extension DashboardView {
    func drawQualityPage(_ frame: inout Frame, _ rect: Rect, _ model: DashboardState) {
        let s = model.snapshot
        let q = s.quality
        // Wide enough for the longest reason, its count and its time.
        let columns = rect.split(.horizontal, [.length(min(46, rect.width * 3 / 5)), .fill])
        let counts = Widgets.panel(
            &frame, columns[0], title: "Quality \(glyphs.middleDot) \(Money.count(Int64(s.records))) records",
            theme: theme, glyphs: glyphs)
        func last(_ at: Int64?) -> String { at.map { clockTime($0, model) } ?? "" }
        var rows: [[String]] = RejectionReason.allCases.map {
            [$0.rawValue, Money.count(Int64(s.rejected[$0] ?? 0)), last(q.lastRejected[$0])]
        }
        rows += OrderWarning.allCases.map {
            ["\($0.rawValue) (kept)", Money.count(Int64(s.warnings[$0] ?? 0)), last(q.lastWarning[$0])]
        }
        rows.append(["duplicates", Money.count(Int64(s.duplicates)), last(q.lastDuplicate)])
        rows.append(["outside the day", Money.count(Int64(s.outsideDay)), last(q.lastOutsideDay)])
        rows.append(["late (kept)", Money.count(Int64(s.late)), last(q.lastLate)])
        let styles = rows.map { row -> Style in
            row[1] == "0" ? theme.style(.label) : theme.style(row[0].hasSuffix("(kept)") ? .warn : .error)
        }
        if counts.width > 4 {
            Widgets.table(
                &frame, Rect(x: counts.x + 1, y: counts.y, width: counts.width - 2, height: counts.height),
                columns: [
                    TableColumn("", .fill(weight: 1, min: 8)), TableColumn("count", .length(7), .right),
                    TableColumn("last", .length(8), .right),
                ],
                rows: rows, state: TableState(), showSelection: false, styles: styles, theme: theme, glyphs: glyphs)
        }
        let recent = Widgets.panel(
            &frame, columns[1], title: "Last \(q.rejects.count) rejected records", theme: theme, glyphs: glyphs)
        guard recent.height > 0 else { return }
        if q.rejects.isEmpty {
            frame.put("none today", x: recent.x + 1, y: recent.y, style: theme.style(.label), clip: recent)
            return
        }
        var y = recent.y
        for reject in q.rejects where y + 1 < recent.maxY {
            let origin = reject.origin.map { "p\($0.partition) @\($0.offset)" } ?? ""
            frame.put(
                "\(last(reject.at)) \(reject.reason.rawValue) \(origin) \(reject.size) B", x: recent.x + 1, y: y,
                style: theme.style(.warn), clip: recent)
            frame.put(
                Frame.truncate(Self.visible(reject.bytes), to: recent.width - 4, ellipsis: glyphs.ellipsis),
                x: recent.x + 3, y: y + 1, style: theme.style(.label), clip: recent)
            y += 2
        }
    }

    /// A rejected record's bytes as one line that is safe to show: invalid UTF-8 as U+FFFD,
    /// controls and escapes as visible `\u{…}` text.
    static func visible(_ bytes: [UInt8]) -> String {
        SafeText.escaped(String(decoding: bytes, as: UTF8.self))
    }
}
