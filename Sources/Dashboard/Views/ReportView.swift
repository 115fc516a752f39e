import Foundation
import SafeText
import Terminal
import Transform

/// `--once` and the report mode: the full-screen view's own panels, drawn into one monochrome
/// frame 80 columns wide and as tall as the day needs, printed as plain text (cron, mail, a
/// quick look over SSH). No second renderer: what the report shows is what the screen shows.
extension DashboardView {
    static func report(_ snapshot: Snapshot, topic: String, now: Int64, width: Int = 80) -> String {
        var model = DashboardState(
            snapshot: snapshot, now: now, topic: topic, brokers: "", started: now)
        model.hints = false
        model.itemsSort = .revenue
        model.itemsTable.selected = -1
        model.ordersTable.selected = -1
        let view = DashboardView(theme: .mono, glyphs: .unicode)
        let modes = max(1, snapshot.paymentModes.count)
        let heights: [(kind: Int, rows: Int)] = [
            (0, 4),  // header
            (1, 10),  // revenue per minute
            (2, max(1, snapshot.items.count) + 3),  // every dish
            (3, 2 * modes + 3),  // payment split
            (4, min(8, max(1, snapshot.recent.count)) + 2),  // recent orders
            (5, 16),  // data quality
        ]
        var frame = Frame(width: width, height: heights.reduce(0) { $0 + $1.rows }, fill: Theme.mono.blank)
        let areas = frame.bounds.split(.vertical, heights.map { .length($0.rows) })
        for (part, area) in zip(heights, areas) {
            switch part.kind {
            case 0: view.drawHeader(&frame, area, model)
            case 1: view.drawSparkline(&frame, area, model)
            case 2: view.drawItemsPage(&frame, area, model)
            case 3: view.drawPayments(&frame, area, model)
            case 4: view.drawRecent(&frame, area, model)
            default: view.drawQualityPage(&frame, area, model)
            }
        }
        // Lines without their trailing spaces; the frame already drew record text safely, and
        // cleaning once more costs nothing and guards the one place text leaves the program.
        return frame.trimmedText.split(separator: "\n", omittingEmptySubsequences: false)
            .map { SafeText.clean($0) }.joined(separator: "\n") + "\n"
    }
}
