import DelayGateEngine
import Foundation
import GRDB
import Synchronization
import Testing

@Suite("Wakeup after a commit", .timeLimit(.minutes(1)))
struct WakeupTests {
    @Test("requests within one transaction signal once, at commit; a rollback signals nothing and re-arms")
    func oneSignalPerTransaction() async throws {
        let database = try DatabaseQueue()
        let wakeup = Wakeup()
        try await database.write { db in
            try db.execute(sql: "CREATE TABLE t (x INTEGER)")
            for n in 0..<200 {
                try db.execute(sql: "INSERT INTO t (x) VALUES (?)", arguments: [n])
                wakeup.signal(afterCommitOf: db)
            }
        }
        // The signal is kept for the next wait, which returns at once; a second wait would sleep.
        let clock = ContinuousClock()
        var started = clock.now
        await wakeup.wait(for: .seconds(30))
        #expect(clock.now - started < .seconds(10))

        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await database.write { db in
                try db.execute(sql: "INSERT INTO t (x) VALUES (1)")
                wakeup.signal(afterCommitOf: db)
                throw Refused()
            }
        }
        // Nothing was committed, so nothing was signalled: this wait runs out.
        started = clock.now
        await wakeup.wait(for: .milliseconds(200))
        #expect(clock.now - started >= .milliseconds(200))

        // The rollback re-armed it: the next transaction signals again.
        try await database.write { db in
            try db.execute(sql: "INSERT INTO t (x) VALUES (2)")
            wakeup.signal(afterCommitOf: db)
        }
        started = clock.now
        await wakeup.wait(for: .seconds(30))
        #expect(clock.now - started < .seconds(10))
    }

    @Test("a wait returns when its task is cancelled, while it waits or before it began, and leaves no signal behind")
    func cancellation() async throws {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        let started = clock.now
        let waiting = Task {
            await wakeup.wait(for: .seconds(3600))
        }
        // Cancelled once it waits: the cancellation handler resumes it.
        while !wakeup.isWaiting { await Task.yield() }
        waiting.cancel()
        await waiting.value
        #expect(!wakeup.isWaiting)
        let cancelledFirst = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await wakeup.wait(for: .seconds(3600))
        }
        await cancelledFirst.value
        #expect(clock.now - started < .seconds(60))
        // No signal was kept for an uncancelled wait: it runs out.
        let next = clock.now
        await wakeup.wait(for: .milliseconds(100))
        #expect(clock.now - next >= .milliseconds(100))
    }

    @Test("a wait whose time runs out before it has begun waiting still returns (no lost wake-up)")
    func shortWaits() async throws {
        // A zero wait's timer can fire before the wait has stored its continuation; that
        // expiry must not be lost, or the wait would sleep until a signal that never comes.
        // The watchdog looks for a stall, not for slowness: on a busy machine 20,000 waits may
        // take long, but a lost wake-up stops the loop for good.
        final class Progress: Sendable {
            let waits = Mutex(0)
        }
        let wakeup = Wakeup()
        let progress = Progress()
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for _ in 0..<20_000 {
                    await wakeup.wait(for: .zero)
                    progress.waits.withLock { $0 += 1 }
                }
                return true
            }
            group.addTask {
                var last = -1
                while true {
                    try await Task.sleep(for: .seconds(10))
                    let now = progress.waits.withLock { $0 }
                    if now == last { return false }
                    last = now
                }
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "a wait of zero seconds hung")
    }
}
