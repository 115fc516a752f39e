import Foundation
import Kafka
import Terminal
import Testing
import Transform
@testable import Dashboard

/// The full-screen dashboard's state changes only through `update` (keys) and `refresh` (the
/// tick's feed); both are pure, so these run without a terminal.
@Suite struct DashboardStateTests {
    static func state() -> DashboardState {
        let window = DayWindow(day: LocalDay("2026-11-20")!, zone: TimeZone(identifier: "UTC")!)
        return DashboardState(
            snapshot: SalesState(window: window).snapshot(), now: window.start, topic: "restaurant-sales",
            brokers: "127.0.0.1:9092", started: window.start)
    }

    @Test func keysToggleWhatTheHelpSaysTheyDo() {
        var s = Self.state()
        #expect(s.update(.key(.character("i"))) == .none && s.itemsByRevenue)
        #expect(s.update(.key(.character("k"))) == .none && s.kiosk)
        #expect(s.update(.key(.character("h"))) == .none && s.showHelp)
        #expect(s.update(.key(.character("?"))) == .none && !s.showHelp)
        #expect(s.update(.key(.ctrl("l"))) == .redrawAll)
        #expect(s.update(.key(.escape)) == .quit)
        #expect(s.update(.key(.character("Q"))) == .quit)
        #expect(s.update(.key(.character("z"))) == .none)
        #expect(s.update(.key(.resize)) == .none)
        // Every key the table handles is in the help, Ctrl-L and h included.
        let help = DashboardState.keys.helpLines.joined(separator: "\n")
        for needle in ["q, Esc", "Ctrl-L", "?, h", "i ", "k "] { #expect(help.contains(needle)) }
    }

    @Test func untilTheConsumerExistsTheViewIsConnecting() {
        var s = Self.state()
        let start = Date(timeIntervalSince1970: TimeInterval(s.started))
        s.refresh(.init(snapshot: s.snapshot, now: start.addingTimeInterval(3), health: nil))
        #expect(s.connection == .connecting)
        #expect(s.waitingSince == s.started + 3)
        var health = ClientHealth()
        health.state = .connected
        s.refresh(.init(snapshot: s.snapshot, now: start.addingTimeInterval(25), health: health, caughtUp: true))
        #expect(s.waitingSince == nil)
        #expect(s.connection == .connected && s.caughtUp)
        #expect(s.kioskPanel == 2)
    }

    @Test func theStatusLineSaysTheClusterWasReplacedForAMinute() {
        var health = ClientHealth()
        health.state = .connected
        let now = Date()
        #expect(DashboardState.notice(health, now: now) == nil)
        health.clusterReplacedAt = now
        #expect(DashboardState.notice(health, now: now.addingTimeInterval(5)) == "Kafka cluster replaced: re-reading the day")
        #expect(DashboardState.notice(health, now: now.addingTimeInterval(61)) == nil)
    }

    @Test func whileConnectingABoxSaysWhereAndHowToQuit() {
        var s = Self.state()
        s.waitingSince = s.now - 4
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        #expect(text.contains("Connecting to 127.0.0.1:9092"))
        #expect(text.contains("waiting 4 s"))
        #expect(text.contains("q or Ctrl-C to quit"))
    }

    @Test func theHelpOverlayIsTheKeyTable() {
        var s = Self.state()
        s.showHelp = true
        let text = DashboardView(theme: .standard, glyphs: .unicode).render(s, width: 80, height: 24).text
        for line in DashboardState.keys.helpLines { #expect(text.contains(line)) }
    }
}
