import Foundation
import SafeText
import Terminal
import Transform

/// The day as plain text, for `--once` (cron, mail, a quick look over SSH): no colours, no
/// cursor movement, fits 80 columns. Dish names, table ids and payment modes come from records,
/// so every line goes through `SafeText.clean` before it is written: an escape in a dish name
/// must not retitle or repaint the reader's terminal.
struct Report {
    var money = Money()
    var width = 80

    func render(_ s: Snapshot, topic: String) -> String {
        var lines: [String] = []
        lines.append("Tiffin · \(topic) · \(s.day) (\(s.timeZone))")
        let average = s.orders > 0 ? s.revenue / s.orders : 0
        lines.append(
            "Revenue \(money.format(s.revenue))   Orders \(Money.count(s.orders))   "
                + "Customers \(Money.count(s.customers))   Avg ticket \(money.format(average))")
        lines.append("")

        if s.items.isEmpty {
            lines.append("No orders yet today.")
        } else {
            lines.append("Popular items                  quantity      revenue")
            for item in s.items.prefix(12) {
                let name = item.onMenu ? item.name : item.name + " *"
                lines.append(
                    "  " + Self.fit(name, 28) + Self.right(Money.count(item.quantity), 10)
                        + Self.right(money.format(item.revenue), 13))
            }
            if s.items.count > 12 { lines.append("  … and \(s.items.count - 12) more") }
            if s.items.contains(where: { !$0.onMenu }) { lines.append("  * not on the menu") }
            lines.append("")
            lines.append("Payment modes                    orders    share      revenue")
            for mode in s.paymentModes {
                lines.append(
                    "  " + Self.fit(mode.mode, 28) + Self.right(Money.count(mode.orders), 8)
                        + Self.right(String(format: "%.1f%%", mode.share), 9)
                        + Self.right(money.format(mode.revenue), 13))
            }
            lines.append("")
            lines.append("Revenue per hour")
            var hours = [Int64](repeating: 0, count: 24)
            for (minute, total) in s.minutes.enumerated() { hours[minute / 60] += total.revenue }
            let peak = max(hours.max() ?? 0, 1)
            for (hour, revenue) in hours.enumerated() where revenue > 0 {
                let bar = String(repeating: "#", count: Int((revenue * 40 + peak - 1) / peak))
                lines.append("  \(hour < 10 ? "0" : "")\(hour):00 " + Self.right(money.format(revenue), 12) + "  " + bar)
            }
        }
        lines.append("")
        let rejected = RejectionReason.allCases.compactMap { reason -> String? in
            let n = s.rejected[reason] ?? 0
            return n > 0 ? "\(reason.rawValue) \(n)" : nil
        }
        let warnings = OrderWarning.allCases.compactMap { w -> String? in
            let n = s.warnings[w] ?? 0
            return n > 0 ? "\(w.rawValue) \(n)" : nil
        }
        lines.append(
            "Data quality: rejected \(s.rejectedTotal)"
                + (rejected.isEmpty ? "" : " (" + rejected.joined(separator: ", ") + ")")
                + " · duplicates \(s.duplicates) · outside the day \(s.outsideDay) · late \(s.late)")
        if !warnings.isEmpty { lines.append("Warnings: " + warnings.joined(separator: ", ")) }
        if !s.recent.isEmpty {
            lines.append("")
            lines.append("Recent orders")
            let window = s.window
            for order in s.recent.prefix(8) {
                let time = String(window.standardTimestamp(order.timestamp).suffix(8))
                let dishes = order.items.map { "\($0.name) ×\($0.quantity)" }.joined(separator: ", ")
                lines.append(
                    "  \(time)  " + Self.fit(order.tableID, 5) + Self.fit(dishes, 42)
                        + Self.right(money.format(order.amount), 10) + "  " + order.paymentMode)
            }
        }
        // Cleaning whole lines cannot miss a field; it replaces one character by one "?", so
        // the padding done by `fit` and `right` stays aligned.
        return lines.map { SafeText.clean($0) }.joined(separator: "\n") + "\n"
    }

    /// Pads or cuts `text` to exactly `width` terminal columns (with "… " when cut): a dish name
    /// in CJK or with an emoji takes two columns a character, and the columns after it must
    /// not move.
    static func fit(_ text: String, _ width: Int) -> String {
        let columns = Frame.columns(text)
        if columns <= width { return text + String(repeating: " ", count: width - columns) }
        let cut = Frame.truncate(text, to: max(0, width - 1), ellipsis: "…")
        return cut + String(repeating: " ", count: max(0, width - Frame.columns(cut)))
    }

    /// Right-aligns `text` in `width` terminal columns.
    static func right(_ text: String, _ width: Int) -> String {
        let columns = Frame.columns(text)
        return columns >= width ? text : String(repeating: " ", count: width - columns) + text
    }
}

