import DelayGateMocks
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Synchronization
import Testing

/// Many rows failing together, rows that cannot be sent at all, and rows due in the past
/// (RELIABILITY 9, 10 and 11).
@Suite("Outbox under mass failure, poison rows and clock jumps", .serialized, .timeLimit(.minutes(3)))
struct MassFailureTests {
    /// A `generic-http` adapter posting to the mock receiver's `/hooks/alerts`, with its catalog.
    static func hookCatalog(_ base: String, concurrency: Int, in folder: TemporaryFolder) throws -> OutboundCatalog {
        try outboundCatalog(
            [
                "hook": """
                kind: generic-http
                url: \(base)/hooks/alerts
                concurrency: \(concurrency)
                """
            ], environment: [:], in: folder)
    }

    /// The `hook` adapter posting to `receiver`, an outbox database in `folder` and its running
    /// writer, for `body`.
    static func withHookOutbox(
        _ receiver: MockHTTPReceiver, concurrency: Int, in folder: TemporaryFolder,
        _ body: @Sendable (OutboundCatalog, DatabasePool, GroupCommitWriter, any OutboundAdapter) async throws -> Void
    ) async throws {
        try await MockServer.run(receiver.router()) { base in
            let catalog = try Self.hookCatalog(base, concurrency: concurrency, in: folder)
            let database = try GatewayDatabase.open(at: folder.path("outbox.sqlite"))
            let writer = GroupCommitWriter(database: database)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await writer.run() }
                try await body(catalog, database, writer, try #require(catalog.adapter(named: "hook")))
                group.cancelAll()
            }
        }
    }

    /// `count` customer notices keyed `notice:<index>`, in one transaction.
    static func enqueueNotices(_ count: Int, adapter: any OutboundAdapter, at now: Date, in db: Database) throws {
        let request = try adapter.render(
            OutboundMessage(
                purpose: .customerNotice, idempotencyKey: "notice", recipient: .init(phone: "+8613800138000"),
                body: "您的订单可能延误1–2天", level: "warning", scenario: "dwell")
        ).encoded()
        for index in 0..<count {
            try OutboxStore.enqueue(
                NewDelivery(
                    idempotencyKey: "notice:\(index)", alertID: nil, action: "notify_customer", adapter: "hook",
                    request: request), at: now, in: db)
        }
    }

    @Test(
        "10,000 deliveries fail at once: their retries spread by jitter (no second above 3× the mean), and all arrive once the receiver recovers"
    )
    func retriesSpreadByJitter() async throws {
        let receiver = MockHTTPReceiver(
            faults: FaultPlan(
                random: .init(
                    probability: 1, seed: 11, serverErrorWeight: 1, rateLimitedWeight: 0, delayWeight: 0, dropWeight: 0)
            ))
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let rows = 10_000
        let retry = ActionSettings.Retry(base: .seconds(30), jitter: 0.2)
        try await Self.withHookOutbox(receiver, concurrency: 64, in: folder) { catalog, database, writer, adapter in
            let failedAt = at(hours: 0)
            try await writer.write { db in try Self.enqueueNotices(rows, adapter: adapter, at: failedAt, in: db) }
            let dispatcher = OutboxDispatcher(database: database, writer: writer, catalog: catalog, retry: retry)

            let failed = try await dispatcher.drain(now: failedAt)
            #expect(failed.retried == rows)
            #expect(failed.delivered == 0 && failed.dead == 0)

            // Every first retry waits 30 s ± 20 %, i.e. 24 ..< 36 s; per second of that window
            // about rows / 12 fall due, and no second may take three times that.
            let waits = try await database.read { db in
                try Double.fetchAll(
                    db, sql: "SELECT (next_attempt_at - ?) / 1000.0 FROM outbox WHERE state = 'pending'",
                    arguments: [Int64(failedAt.timeIntervalSince1970 * 1000)])
            }
            #expect(waits.count == rows)
            #expect(waits.allSatisfy { $0 >= 24 && $0 < 36 })
            var perSecond = [Int](repeating: 0, count: 12)
            for wait in waits { perSecond[min(11, max(0, Int(wait) - 24))] += 1 }
            let mean = Double(rows) / 12
            let busiest = perSecond.max() ?? 0
            #expect(Double(busiest) <= 3 * mean, "busiest second \(busiest), mean \(mean)")
            #expect(perSecond.allSatisfy { $0 > 0 }, "every second of the window gets retries: \(perSecond)")

            // The receiver recovers; after the window every row is delivered, each once.
            receiver.setFaults(.none)
            let recovered = try await dispatcher.drain(now: failedAt.addingTimeInterval(36))
            #expect(recovered.delivered == rows)
            let counts = try await database.read { db in try OutboxStore.counts(in: db) }
            #expect(counts[.delivered] == rows)
        }
        #expect(receiver.created.count == rows)
        #expect(Set(receiver.created.compactMap(\.idempotencyKey)).count == rows)
        #expect(receiver.duplicateKeyHits == 0)
    }

    @Test(
        "a stored request that cannot be read or sent is a dead letter at once, naming why; the deliveries beside it go out"
    )
    func poisonRow() async throws {
        let receiver = MockHTTPReceiver()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await Self.withHookOutbox(receiver, concurrency: 4, in: folder) { catalog, database, writer, adapter in
            let now = at(hours: 0)
            try await writer.write { db in
                try Self.enqueueNotices(10, adapter: adapter, at: now, in: db)
                // A row damaged on disk or written by a broken version: no request line.
                try db.execute(
                    sql: "UPDATE outbox SET request = 'not a request' WHERE idempotency_key = 'notice:4'")
                // A request line no client can send: a URL without scheme and host.
                try db.execute(
                    sql: "UPDATE outbox SET request = 'POST /hooks/alerts' WHERE idempotency_key = 'notice:7'")
            }
            let dispatcher = OutboxDispatcher(database: database, writer: writer, catalog: catalog)
            let report = try await dispatcher.drain(now: now)
            #expect(report.delivered == 8)
            #expect(report.dead == 2)
            #expect(report.retried == 0)
            func settled(_ key: String) async throws -> (state: String?, attempts: Int?, error: String?) {
                try await database.read { db in
                    let row = try Row.fetchOne(
                        db, sql: "SELECT state, attempts, last_error FROM outbox WHERE idempotency_key = ?",
                        arguments: [key])
                    return (row?["state"], row?["attempts"], row?["last_error"])
                }
            }
            let unreadable = try await settled("notice:4")
            #expect(unreadable.state == "dead")
            #expect(unreadable.attempts == 1)
            #expect(
                unreadable.error?.contains("the stored request cannot be read") == true,
                "\(unreadable.error ?? "nil")")
            let unsendable = try await settled("notice:7")
            #expect(unsendable.state == "dead")
            #expect(
                unsendable.error?.contains(#"cannot send to "/hooks/alerts""#) == true,
                "\(unsendable.error ?? "nil")")
            // Nothing more is due: the dead row is not tried again.
            let again = try await dispatcher.drain(now: now.addingTimeInterval(3600))
            #expect(again == OutboxDispatcher.Report())
        }
        #expect(receiver.created.count == 8)
        #expect(!receiver.created.contains { ["notice:4", "notice:7"].contains($0.idempotencyKey) })
    }

    @Test("rows due long ago at start, and rows made due by a clock jump, are delivered by the running dispatcher")
    func dueInThePast() async throws {
        let receiver = MockHTTPReceiver()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await MockServer.run(receiver.router()) { base in
            let catalog = try Self.hookCatalog(base, concurrency: 8, in: folder)
            let database = try GatewayDatabase.open(at: folder.path("outbox.sqlite"))
            let writer = GroupCommitWriter(database: database)
            let adapter = try #require(catalog.adapter(named: "hook"))
            let start = at(hours: 0)
            // Ten rows due an hour before the dispatcher starts (a restart after downtime), and ten
            // more due an hour after it starts (reached by a jump of the clock, not by waiting).
            try await database.write { db in
                try Self.enqueueNotices(20, adapter: adapter, at: start, in: db)
                try db.execute(
                    sql: "UPDATE outbox SET next_attempt_at = ? WHERE id <= 10",
                    arguments: [Int64(start.addingTimeInterval(-3600).timeIntervalSince1970 * 1000)])
                try db.execute(
                    sql: "UPDATE outbox SET next_attempt_at = ? WHERE id > 10",
                    arguments: [Int64(start.addingTimeInterval(3600).timeIntervalSince1970 * 1000)])
            }
            let now = Mutex(start)
            let dispatcher = OutboxDispatcher(
                database: database, writer: writer, catalog: catalog,
                dispatch: .init(maximumSleep: .milliseconds(100)), clock: { now.withLock { $0 } })
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await writer.run() }
                group.addTask { try await dispatcher.run() }
                await receiver.waitUntil { $0.created.count >= 10 }
                #expect(receiver.created.count == 10)
                // Jump only once those ten are settled: a jump past the lease of a delivery still in
                // flight rightly makes it due again (a repeat with the same key), which is not what
                // this test is about.
                let delivered = ValueObservation.tracking { db in
                    try OutboxStore.counts(in: db)[.delivered, default: 0]
                }
                for try await count in delivered.values(in: database) where count >= 10 { break }
                now.withLock { $0 = start.addingTimeInterval(7200) }
                await receiver.waitUntil { $0.created.count >= 20 }
                group.cancelAll()
            }
        }
        #expect(Set(receiver.created.compactMap(\.idempotencyKey)).count == 20)
        #expect(receiver.duplicateKeyHits == 0)
    }

    @Test(
        "a row falling due between a claim and the sleep that follows it is claimed at once, not after the longest sleep"
    )
    func dueDuringTheClaim() async throws {
        let receiver = MockHTTPReceiver()
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await Self.withHookOutbox(receiver, concurrency: 8, in: folder) { catalog, database, writer, adapter in
            let start = at(hours: 0)
            try await database.write { db in
                try Self.enqueueNotices(1, adapter: adapter, at: start.addingTimeInterval(5), in: db)
            }
            // The clock reads `start` once (the first claim finds nothing due), then 10 s later:
            // the row fell due while that claim ran. The longest sleep is an hour.
            let readings = Mutex(0)
            let dispatcher = OutboxDispatcher(
                database: database, writer: writer, catalog: catalog, dispatch: .init(maximumSleep: .seconds(3600)),
                clock: {
                    readings.withLock { count in
                        count += 1
                        return count == 1 ? start : start.addingTimeInterval(10)
                    }
                })
            let delivered = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await dispatcher.run()
                    return false
                }
                group.addTask {
                    // Observed in the database rather than at the receiver: this wait ends when cancelled.
                    let delivered = ValueObservation.tracking { db in
                        try OutboxStore.counts(in: db)[.delivered, default: 0]
                    }
                    for try await count in delivered.values(in: database) where count == 1 { return true }
                    return false
                }
                // Far below the hour a missed row would wait; far above a loopback delivery.
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return false
                }
                let first = try await group.next() ?? false
                group.cancelAll()
                return first
            }
            #expect(delivered, "the row waited for the dispatcher's longest sleep")
            #expect(readings.withLock { $0 } >= 2)
        }
        #expect(receiver.created.map(\.idempotencyKey) == ["notice:0"])
    }
}
