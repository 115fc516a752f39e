import Foundation
import Kafka
import Synchronization
import Testing

@Suite struct WorkerTests {
    @Test func aWorkerRunsUntilStoppedAndJoinWaitsForItsLastStep() {
        let steps = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
        let worker = Worker(name: "test-worker") { worker in
            while !worker.isStopping {
                steps.add(1, ordering: .relaxed)
                usleep(1_000)
            }
            usleep(50_000)  // winding down takes a moment: join must wait for it
            finished.store(true, ordering: .releasing)
        }
        while steps.load(ordering: .relaxed) < 3 { usleep(1_000) }
        #expect(!worker.isStopping)
        worker.stop()
        #expect(worker.join(timeout: 10))
        let wound = finished.load(ordering: .acquiring)
        #expect(wound)
        #expect(worker.join(), "a second join returns too")
    }

    @Test func aBoundedJoinGivesUpOnABodyThatDoesNotStop() {
        let release = DispatchSemaphore(value: 0)
        let worker = Worker(name: "test-stuck") { _ in release.wait() }
        worker.stop()
        #expect(!worker.join(timeout: 0.1))
        release.signal()
        #expect(worker.join(timeout: 10))
    }
}
