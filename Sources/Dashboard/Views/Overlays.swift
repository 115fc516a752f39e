import Foundation
import Kafka
import Terminal
import Transform

/// Boxes drawn over the view: the help (from the key table) and the connecting notice.
extension DashboardView {
    func drawHelp(_ frame: inout Frame, _ model: DashboardState) {
        drawDialog(&frame, title: "Help", lines: model.helpLines + [
            "",
            "Orders are checked against the data contract;",
            "rejected ones are counted per reason (see --once).",
        ])
    }

    /// A box in the middle of the screen, over whatever is there.
    func drawDialog(_ frame: inout Frame, title: String, lines: [String]) {
        let width = min(frame.width - 4, (lines.map { Frame.columns($0) }.max() ?? 20) + 4)
        let height = min(frame.height - 2, lines.count + 2)
        let rect = Rect(x: (frame.width - width) / 2, y: (frame.height - height) / 2, width: width, height: height)
        frame.fill(rect, with: theme.blank)
        let inner = Widgets.panel(&frame, rect, title: title, theme: theme, glyphs: glyphs)
        for (i, line) in lines.prefix(inner.height).enumerated() {
            frame.put(line, x: inner.x + 1, y: inner.y + i, style: theme.style(.mainForeground), clip: inner)
        }
    }
}
