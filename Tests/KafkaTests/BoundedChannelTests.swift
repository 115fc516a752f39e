import Foundation
import Testing
@testable import Kafka

@Suite struct BoundedChannelTests {
    final class Payload: Sendable {}

    @Test func aTakenElementIsReleasedByTheChannel() {
        let channel = BoundedChannel<Payload>(capacity: 2)
        weak var first: Payload?
        weak var last: Payload?
        for i in 0..<100 {
            let payload = Payload()
            if i == 0 { first = payload }
            if i == 99 { last = payload }
            #expect(channel.push(payload))
            guard case .batch = channel.pop(timeout: 1) else {
                Issue.record("nothing to pop")
                return
            }
        }
        // The channel must not keep what it handed out (it once kept every batch ever pushed).
        #expect(first == nil && last == nil)
    }

    @Test func aFullChannelMakesThePusherWait() {
        let channel = BoundedChannel<Int>(capacity: 2)
        #expect(channel.push(1) && channel.push(2))
        let pushed = Flag()
        let thread = Thread {
            _ = channel.push(3)
            pushed.set()
        }
        thread.start()
        usleep(100_000)
        #expect(!pushed.isSet)
        if case let .batch(value) = channel.pop(timeout: 1) { #expect(value == 1) }
        let deadline = Date().addingTimeInterval(2)
        while !pushed.isSet && Date() < deadline { usleep(1_000) }
        #expect(pushed.isSet)
    }

    @Test func closingDrainsThenEnds() {
        let channel = BoundedChannel<Int>(capacity: 4)
        _ = channel.push(7)
        channel.close()
        #expect(!channel.push(8))
        if case let .batch(value) = channel.pop(timeout: 1) { #expect(value == 7) } else { Issue.record("lost 7") }
        guard case .closed = channel.pop(timeout: 1) else {
            Issue.record("expected the end")
            return
        }
    }

    @Test func anEmptyChannelTimesOut() {
        let channel = BoundedChannel<Int>(capacity: 1)
        let started = Date()
        guard case .timedOut = channel.pop(timeout: 0.1) else {
            Issue.record("expected a timeout")
            return
        }
        #expect(Date().timeIntervalSince(started) >= 0.09)
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        func set() { lock.lock(); value = true; lock.unlock() }
        var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    }
}
