import Foundation

/// A bounded hand-over from the poll thread to one reader: the poll thread blocks when the
/// reader falls `capacity` batches behind (backpressure reaches librdkafka, which stops fetching).
final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    // Safety: every stored property is read and written only while `condition` is locked.
    private let condition = NSCondition()
    /// A ring of `capacity` slots; a slot is emptied as soon as its batch is taken, so a
    /// batch's messages are released the moment the reader lets go of it.
    private var ring: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        ring = Array(repeating: nil, count: self.capacity)
    }

    /// Blocks while full. Returns false (dropping the batch) once the channel is closed.
    func push(_ batch: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count >= capacity && !closed { condition.wait() }
        if closed { return false }
        ring[(head + count) % capacity] = batch
        count += 1
        condition.broadcast()
        return true
    }

    enum Pop { case batch(Element), timedOut, closed }

    /// Waits up to `timeout` seconds for a batch. After `close`, queued batches still drain.
    func pop(timeout: Double) -> Pop {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while count == 0 {
            if closed { return .closed }
            if !condition.wait(until: deadline) {
                if count == 0 { return closed ? .closed : .timedOut }
            }
        }
        let batch = ring[head]!
        ring[head] = nil
        head = (head + 1) % capacity
        count -= 1
        condition.broadcast()
        return .batch(batch)
    }

    /// No more pushes; a blocked pusher returns false, readers drain what is left.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Closes and drops everything queued (for shutdown).
    func discard() {
        condition.lock()
        closed = true
        ring = Array(repeating: nil, count: capacity)
        head = 0
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}
