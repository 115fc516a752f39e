import Dispatch
import Foundation
import Synchronization

/// A named thread that runs until asked to stop, and a join that waits for it on a semaphore
/// (no sleep-polling). The one way this code base starts and ends its long-lived threads: the
/// consumer's poll loop, the fetch waker, the dashboard's ingest, the simulated till.
public final class Worker: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` on a new thread named `name`; `body` should return soon after
    /// `isStopping` turns true.
    public init(name: String, _ body: @escaping @Sendable (Worker) -> Void) {
        let thread = Thread { [self] in
            body(self)
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// True once `stop()` was called.
    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Asks the thread to end (it sees `isStopping`); returns at once.
    public func stop() {
        stopping.store(true, ordering: .releasing)
    }

    /// Waits until the thread's body has returned, at most `timeout` seconds when given.
    /// True when it has. Safe to call more than once and from several threads.
    @discardableResult
    public func join(timeout: Double? = nil) -> Bool {
        let finished: Bool
        if let timeout {
            finished = done.wait(timeout: .now() + timeout) == .success
        } else {
            done.wait()
            finished = true
        }
        if finished { done.signal() }  // let the next joiner through too
        return finished
    }
}
