import Foundation

/// What reaches a program's `update`: a key, the terminal's size (at the start and after every
/// resize, so layouts that scroll know their page), or the clock.
public enum AppEvent: Sendable, Equatable {
    case key(Key)
    case resized(width: Int, height: Int)
    case tick(Date)
}

/// What a program asks of the loop after an event.
public enum AppCommand: Sendable, Equatable {
    case none
    /// Write the whole screen again on the next frame (Ctrl-L, something drew over it).
    case redrawAll
    case quit
}

/// The one loop of every full-screen program: wait for a key (or a resize) up to the next tick,
/// let the program update its state, draw its view. The state and both functions are the
/// program's; `update` and `view` stay pure and are tested without a terminal. Worker threads
/// publish into a box the program reads in its `.tick` handling.
public struct App {
    public let screen: Screen

    public init(screen: Screen) {
        self.screen = screen
    }

    /// Runs until `update` says `.quit`, the terminal hangs up, or `stop()` (checked at least
    /// every 250 ms: a signal, for instance). `tick(state)` is the interval between ticks in
    /// seconds, asked anew each time (a program can change its refresh rate).
    /// Idle means idle: with an `Equatable` state, a frame is made only when the state (or the
    /// size) changed since the last one, not on every tick.
    public func run<State: Equatable>(
        _ state: inout State,
        tick: (State) -> Double,
        update: (inout State, AppEvent) -> AppCommand,
        view: (State, _ width: Int, _ height: Int) -> Frame,
        stop: () -> Bool = { false },
        suspend: (() -> Bool)? = nil
    ) {
        run(&state, tick: tick, update: update, view: view, stop: stop, suspend: suspend, same: ==)
    }

    public func run<State>(
        _ state: inout State,
        tick: (State) -> Double,
        update: (inout State, AppEvent) -> AppCommand,
        view: (State, _ width: Int, _ height: Int) -> Frame,
        stop: () -> Bool = { false },
        suspend: (() -> Bool)? = nil,
        same: ((State, State) -> Bool)? = nil
    ) {
        var lastTick = Date.distantPast
        var dirty = true
        var drawn: (state: State, width: Int, height: Int)?
        var forced = true
        _ = update(&state, .resized(width: screen.width, height: screen.height))
        while !stop() {
            // Ctrl-Z: give the terminal back, stop, and on `fg` take it again, whole.
            if let suspend, suspend() {
                screen.suspend()
                forced = true
                dirty = true
            }
            let untilTick = tick(state) - Date().timeIntervalSince(lastTick)
            let wait = Int32(max(0, min(250, (untilTick * 1000).rounded(.up))))
            // What happened since the last turn: a key (or a resize), then the clock.
            var events: [AppEvent] = []
            if let key = screen.nextKey(milliseconds: wait) {
                if key == .hangup { return }
                events.append(key == .resize ? .resized(width: screen.width, height: screen.height) : .key(key))
            }
            let now = Date()
            if now.timeIntervalSince(lastTick) >= tick(state) {
                lastTick = now
                events.append(.tick(now))
            }
            for event in events {
                switch update(&state, event) {
                case .quit: return
                case .redrawAll:
                    screen.invalidate()
                    forced = true
                case .none: break
                }
                dirty = true
            }
            if dirty {
                dirty = false
                if !forced, let same, let drawn, drawn.width == screen.width, drawn.height == screen.height,
                    same(drawn.state, state)
                {
                    continue  // nothing a frame would show has changed
                }
                screen.draw(view(state, screen.width, screen.height))
                drawn = (state, screen.width, screen.height)
                forced = false
            }
        }
    }
}
