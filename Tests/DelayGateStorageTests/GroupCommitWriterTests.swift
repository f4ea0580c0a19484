import DelayGateStorage
import Foundation
import GRDB
import Metrics
import MetricsTestKit
import Synchronization
import Testing

@Suite("Group-commit writer", .timeLimit(.minutes(1)))
struct GroupCommitWriterTests {
    struct Boom: Error, Equatable {}

    @Test("writes queued while a transaction commits go together into the next one")
    func batching() async throws {
        try await withDatabase { pool, _ in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
            let metrics = TestMetrics()
            let writer = GroupCommitWriter(database: pool, metricsFactory: metrics)
            let gate = DispatchSemaphore(value: 0)
            try await whileRunning(writer) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // The first write holds its transaction open until the others are queued.
                    group.addTask {
                        try await writer.write { db in
                            gate.wait()
                            try db.execute(sql: "INSERT INTO t VALUES (0)")
                        }
                    }
                    while try metrics.expectRecorder("delaygate_group_commit_batch_size").values.isEmpty {
                        await Task.yield()
                    }
                    for value in 1...100 {
                        group.addTask {
                            try await writer.write { db in
                                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                            }
                        }
                    }
                    while writer.queueDepth < 100 { await Task.yield() }
                    gate.signal()
                    try await group.waitForAll()
                }
            }
            let values = try metrics.expectRecorder("delaygate_group_commit_batch_size").values
            #expect(values == [1, 100])
            #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 101)
        }
    }

    @Test("a write that throws is rolled back alone; the rest of its batch commits")
    func isolation() async throws {
        try await withDatabase { pool, _ in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
            let writer = GroupCommitWriter(database: pool)
            let outcomes = try await whileRunning(writer) {
                await withTaskGroup(of: (Int, Bool).self) { group in
                    for value in 0..<30 {
                        group.addTask {
                            do {
                                try await writer.write { db in
                                    try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                                    if value % 3 == 0 { throw Boom() }
                                }
                                return (value, true)
                            } catch {
                                return (value, false)
                            }
                        }
                    }
                    return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
                }
            }
            let stored = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t ORDER BY v") }
            #expect(stored == (0..<30).filter { $0 % 3 != 0 })
            #expect(outcomes.filter { !$0.value }.keys.sorted() == stride(from: 0, to: 30, by: 3).map { $0 })
        }
    }

    @Test("a write alone in its batch that throws leaves nothing behind and answers with its own error")
    func soleWriteRolledBack() async throws {
        try await withDatabase { pool, _ in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
            let metrics = TestMetrics()
            let writer = GroupCommitWriter(database: pool, metricsFactory: metrics)
            try await whileRunning(writer) {
                // One at a time, so each write is alone in its transaction (no savepoint).
                await #expect(throws: Boom()) {
                    try await writer.write { db in
                        try db.execute(sql: "INSERT INTO t VALUES (1)")
                        try db.execute(sql: "INSERT INTO t VALUES (2)")
                        throw Boom()
                    }
                }
                try await writer.write { db in try db.execute(sql: "INSERT INTO t VALUES (3)") }
            }
            #expect(try metrics.expectRecorder("delaygate_group_commit_batch_size").values == [1, 1])
            #expect(try await pool.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t") } == [3])
            #expect(try metrics.expectCounter("delaygate_group_commit_failures_total").values.isEmpty)
        }
    }

    @Test("when the commit itself fails, every write of the batch fails and nothing is stored")
    func commitFailure() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let pool = try DatabasePool(path: directory.file("fk.sqlite"), configuration: configuration)
        try await pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                    """)
        }
        let metrics = TestMetrics()
        let writer = GroupCommitWriter(database: pool, metricsFactory: metrics)
        let gate = DispatchSemaphore(value: 0)
        let results = try await whileRunning(writer) {
            try await withThrowingTaskGroup(of: Result<Void, StorageError>?.self) { group in
                group.addTask {
                    try await writer.write { _ in gate.wait() }
                    return nil
                }
                while try metrics.expectRecorder("delaygate_group_commit_batch_size").values.isEmpty {
                    await Task.yield()
                }
                // Both are queued behind the blocked write, so they share the next transaction;
                // the second breaks a deferred foreign key, which only fails at COMMIT.
                group.addTask {
                    do {
                        try await writer.write { db in try db.execute(sql: "INSERT INTO parent VALUES (1)") }
                        return .success(())
                    } catch let error as StorageError { return .failure(error) }
                }
                group.addTask {
                    do {
                        try await writer.write { db in try db.execute(sql: "INSERT INTO child VALUES (99)") }
                        return .success(())
                    } catch let error as StorageError { return .failure(error) }
                }
                while writer.queueDepth < 2 { await Task.yield() }
                gate.signal()
                return try await group.reduce(into: [Result<Void, StorageError>]()) { if let r = $1 { $0.append(r) } }
            }
        }
        #expect(results.count == 2)
        for result in results {
            guard case .failure(.commitFailed) = result else {
                Issue.record("expected commitFailed, got \(result)")
                continue
            }
        }
        #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM parent") } == 0)
    }

    @Test("an answered write is visible to a separate connection")
    func durableBeforeAnswer() async throws {
        try await withDatabase { pool, directory in
            let writer = GroupCommitWriter(database: pool)
            let id = try await whileRunning(writer) {
                try await writer.write { db in
                    try InboxStore.append(
                        InboxEntry(
                            adapter: "a", contentType: "application/json", body: Data("{}".utf8), receivedAt: Date(),
                            state: .pending),
                        in: db)
                }
            }
            let other = try DatabaseQueue(path: directory.file("test.sqlite"))
            #expect(try await other.read { db in try InboxStore.record(id: id, in: db) }?.adapter == "a")
        }
    }

    @Test("cancelling the writer still commits the transaction under way and every queued write, and refuses new ones")
    func cancelledWhileBusy() async throws {
        try await withDatabase { pool, _ in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
            let writer = GroupCommitWriter(database: pool)
            let gate = DispatchSemaphore(value: 0)
            let started = DispatchSemaphore(value: 0)
            let run = Task { try await writer.run() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The first write holds its transaction open until the others are queued and the
                // writer has been cancelled.
                group.addTask {
                    try await writer.write { db in
                        started.signal()
                        gate.wait()
                        try db.execute(sql: "INSERT INTO t VALUES (0)")
                    }
                }
                await withCheckedContinuation { continuation in
                    DispatchQueue.global().async {
                        started.wait()
                        continuation.resume()
                    }
                }
                for value in 1...20 {
                    group.addTask {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                        }
                    }
                }
                while writer.queueDepth < 20 { await Task.yield() }
                run.cancel()
                // Cancelled: what is queued still commits, but nothing new is taken.
                await #expect(throws: StorageError.writerStopped) {
                    try await writer.write { db in try db.execute(sql: "INSERT INTO t VALUES (99)") }
                }
                gate.signal()
                try await group.waitForAll()
            }
            try await run.value
            #expect(try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 21)
            await #expect(throws: StorageError.writerStopped) {
                try await writer.write { _ in }
            }
        }
    }

    @Test("after shutdown, writes are refused instead of hanging")
    func stopped() async throws {
        try await withDatabase { pool, _ in
            let writer = GroupCommitWriter(database: pool)
            try await whileRunning(writer) {}
            await #expect(throws: StorageError.writerStopped) {
                try await writer.write { _ in }
            }
        }
    }
}
