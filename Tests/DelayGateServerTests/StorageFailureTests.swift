import DelayGateConfig
import DelayGateIngest
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import Synchronization
import Testing

/// RELIABILITY 17: when the database cannot commit (disk full, or another process holding the
/// write lock past the busy timeout), a webhook is answered 503 with `Retry-After`, so the
/// sender retries; nothing is half-stored, and the retry is accepted once the cause is gone.
@Suite("Webhooks while storage is unavailable", .timeLimit(.minutes(1)))
struct StorageFailureTests {
    /// Asserts a 503 `storage-unavailable` problem with `Retry-After`.
    static func expectStorageUnavailable(_ response: TestResponse) throws {
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers[.retryAfter] == "1")
        let decoded = try problem(response)
        #expect(decoded.type.hasSuffix("storage-unavailable"))
        #expect(decoded.detail?.contains("nothing was stored") == true)
    }

    @Test("disk full: 503 storage-unavailable, nothing stored; once space returns the retry is accepted once")
    func diskFull() async throws {
        let test = try TestGateway(bodyLimit: .kibibytes(256))
        defer { test.remove() }
        // A body that needs new pages, on a writer that may not grow the file: SQLITE_FULL, as
        // on a full disk.
        let padding = String(repeating: "x", count: 100_000)
        let body = TestGateway.batch([("picked_up", 8)]).replacingOccurrences(
            of: #""milestone""#, with: #""note": "\#(padding)", "milestone""#)
        try await test.gateway.application().test(.router) { client in
            try await test.database.write { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            try await client.postWebhook(body) { response in try Self.expectStorageUnavailable(response) }
            #expect(try await test.inboxCounts().values.reduce(0, +) == 0)

            try await test.database.write { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            try await client.postWebhook(body) { response in #expect(response.status == .accepted) }
            await test.gateway.normalizer.waitUntilIdle()
        }
        #expect(try await test.inboxCounts() == [.normalized: 1])
        #expect(try await test.eventCount() == 1)
    }

    @Test("write lock held by another process past the busy timeout: 503, nothing stored; accepted after it lets go")
    func databaseBusy() async throws {
        let test = try TestGateway(busyTimeoutMilliseconds: 100)
        defer { test.remove() }
        let body = TestGateway.batch([("picked_up", 8), ("hub_arrival", 14)])
        let path = (test.root as NSString).appendingPathComponent("data/gateway.sqlite")
        try await test.gateway.application().test(.router) { client in
            // Another connection to the same file, as a second process or an operator's sqlite3 shell.
            try await WriteLockHolder.whileHeld(path: path) {
                try await client.postWebhook(body) { response in try Self.expectStorageUnavailable(response) }
            }
            #expect(try await test.inboxCounts().values.reduce(0, +) == 0)

            try await client.postWebhook(body) { response in #expect(response.status == .accepted) }
            await test.gateway.normalizer.waitUntilIdle()
        }
        #expect(try await test.inboxCounts() == [.normalized: 1])
        #expect(try await test.eventCount() == 2)
    }
}

/// Holds a database's write lock (`BEGIN IMMEDIATE`) on its own connection and thread, as
/// another process would.
enum WriteLockHolder {
    /// Runs `body` while the lock is held, and lets go of it afterwards, also when `body` throws
    /// (a lock left held would fail every later write to the file).
    static func whileHeld(path: String, _ body: () async throws -> Void) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let released = DispatchSemaphore(value: 0)
        let rolledBack = Mutex<CheckedContinuation<Void, any Error>?>(nil)
        try await withCheckedThrowingContinuation { (locked: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                var lockedResumed = false
                let result = Result {
                    try connection.inDatabase { db in
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        lockedResumed = true
                        locked.resume()
                        released.wait()
                        try db.execute(sql: "ROLLBACK")
                    }
                }
                if !lockedResumed { locked.resume(with: result) }
                // Set before `released` was signalled, so never missed here.
                rolledBack.withLock { $0 }?.resume(with: result)
            }
        }
        var failure: (any Error)?
        do { try await body() } catch { failure = error }
        try await withCheckedThrowingContinuation { continuation in
            rolledBack.withLock { $0 = continuation }
            released.signal()
        }
        if let failure { throw failure }
    }
}
