import DelayGateStorage
import Foundation
import GRDB
import Testing

@Suite("Outbox lists and counts")
struct OutboxStoreTests {
    /// 40 deliveries: ids 1–10 pending, 11–20 claimed (in flight), 21–30 delivered, 31–40 dead.
    static func fill(_ pool: DatabasePool) async throws {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try await pool.write { db in
            for n in 1...40 {
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "key-\(n)", alertID: nil, action: "sms", adapter: "twilio",
                        request: "POST http://x/y\n"), at: now, in: db)
            }
            try db.execute(sql: "UPDATE outbox SET next_attempt_at = next_attempt_at + 1000 WHERE id <= 10")
            let claimed = try OutboxStore.claim(adapter: "twilio", limit: 30, now: now, lease: .seconds(60), in: db)
            for row in claimed where row.id > 20 {
                if row.id <= 30 {
                    try OutboxStore.markDelivered(
                        id: row.id, attempt: row.attempts, status: 201, receipt: nil, at: now, in: db)
                } else {
                    try OutboxStore.markDead(
                        id: row.id, attempt: row.attempts, status: 400, error: "refused", response: nil, at: now, in: db
                    )
                }
            }
        }
    }

    @Test("each state lists its own rows in id order, page by page; counts add up")
    func listsAndCounts() async throws {
        try await withDatabase { pool, _ in
            try await Self.fill(pool)
            try await pool.read { db in
                let expected: [(OutboxState, ClosedRange<Int64>)] = [
                    (.pending, 1...10), (.inFlight, 11...20), (.delivered, 21...30), (.dead, 31...40),
                ]
                for (state, ids) in expected {
                    let first = try OutboxStore.list(state: state, limit: 6, in: db)
                    let second = try OutboxStore.list(state: state, afterID: first.last!.id, limit: 6, in: db)
                    #expect((first + second).map(\.id) == Array(ids), "\(state)")
                    #expect((first + second).allSatisfy { $0.state == state })
                }
                #expect(try OutboxStore.list(limit: 100, in: db).map(\.id) == Array(1...40))
                #expect(try OutboxStore.counts(in: db) == [.pending: 10, .inFlight: 10, .delivered: 10, .dead: 10])
                #expect(try OutboxStore.backlog(in: db) == [.pending: 10, .inFlight: 10, .dead: 10])
            }
        }
    }

    @Test("a database of an older version keeps its deliveries and ticket loads through v7 and v8")
    func upgradeFromV6() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false  // as the gateway opens it
        let queue = try DatabaseQueue(path: directory.file("v6.sqlite"), configuration: configuration)
        try Migrations.migrator.migrate(queue, upTo: "v6-helpdesk-load")
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try await queue.write { db in
            for n in 1...6 {
                try OutboxStore.enqueue(
                    HelpdeskLoadTests.ticket(n, adapter: "zendesk", group: n % 2 == 0 ? "101" : "102", alert: 1),
                    at: now, in: db)
            }
            let claimed = try OutboxStore.claim(adapter: "zendesk", limit: 2, now: now, lease: .seconds(60), in: db)
            try OutboxStore.markDead(
                id: claimed[0].id, attempt: claimed[0].attempts, status: 400, error: "refused", response: nil,
                at: now, in: db)
        }
        try Migrations.migrator.migrate(queue)
        try await queue.write { db in
            #expect(try OutboxStore.counts(in: db) == [.pending: 4, .inFlight: 1, .delivered: 0, .dead: 1])
            #expect(try OutboxStore.list(state: .dead, limit: 10, in: db).map(\.id) == [1])
            #expect(
                try OutboxStore.openTickets(adapter: "zendesk", in: db)
                    == HelpdeskLoadTests.counted(adapter: "zendesk", in: db))
            // The recreated trigger still follows a ticket that comes back and is delivered.
            try OutboxStore.replayAllDead(at: now, in: db)
            let row = try #require(
                try OutboxStore.claim(adapter: "zendesk", limit: 10, now: now, lease: .seconds(60), in: db).first {
                    $0.id == 1
                })
            // v8: the replayed row keeps counting attempts, with its budget counted from the replay.
            #expect(row.attempts == 2 && row.attemptsSinceReplay == 1)
            try OutboxStore.markDelivered(id: row.id, attempt: row.attempts, status: 201, receipt: "9", at: now, in: db)
            #expect(
                try OutboxStore.openTickets(adapter: "zendesk", in: db)
                    == HelpdeskLoadTests.counted(adapter: "zendesk", in: db))
            #expect(try OutboxStore.openTickets(adapter: "zendesk", in: db) == ["101": 3, "102": 3])
        }
    }

    @Test("a replay gives a fresh retry budget but keeps attempt numbers growing: an attempt that outlived its lease cannot settle a later claim")
    func replayKeepsTheFence() async throws {
        try await withDatabase { pool, _ in
            let now = Date(timeIntervalSince1970: 1_795_000_000)
            let (stale, current) = try await pool.write { db in
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "k", alertID: nil, action: "sms", adapter: "twilio", request: "POST http://x/y\n"),
                    at: now, in: db)
                // Attempt 1 hangs past its lease; attempt 2 takes the row over and is refused.
                let stale = try #require(
                    try OutboxStore.claim(adapter: "twilio", limit: 1, now: now, lease: .seconds(60), in: db).first)
                let later = now.addingTimeInterval(61)
                let second = try #require(
                    try OutboxStore.claim(adapter: "twilio", limit: 1, now: later, lease: .seconds(60), in: db).first)
                try OutboxStore.markDead(
                    id: second.id, attempt: second.attempts, status: 400, error: "refused", response: nil, at: later,
                    in: db)
                #expect(try OutboxStore.replay(id: second.id, at: later, in: db))
                let current = try #require(
                    try OutboxStore.claim(adapter: "twilio", limit: 1, now: later, lease: .seconds(60), in: db).first)
                return (stale, current)
            }
            #expect(stale.attempts == 1)
            #expect(current.attempts == 3 && current.attemptsBeforeReplay == 2 && current.attemptsSinceReplay == 1)
            // The hung attempt 1 finally answers: it must not settle attempt 3.
            let (staleSettled, stateAfterStale, currentSettled, receipt) = try await pool.write { db in
                (
                    try OutboxStore.markDelivered(
                        id: stale.id, attempt: stale.attempts, status: 201, receipt: "old", at: now, in: db),
                    try OutboxStore.row(id: stale.id, in: db)?.state,
                    try OutboxStore.markDelivered(
                        id: current.id, attempt: current.attempts, status: 201, receipt: "new", at: now, in: db),
                    try OutboxStore.row(id: current.id, in: db)?.receipt
                )
            }
            #expect(!staleSettled && stateAfterStale == .inFlight)
            #expect(currentSettled && receipt == "new")
        }
    }

    @Test("dead letters are replayed a page at a time, lowest ids first, each once")
    func replayDeadByPages() async throws {
        try await withDatabase { pool, _ in
            try await Self.fill(pool)  // ids 31–40 dead
            let now = Date(timeIntervalSince1970: 1_795_000_100)
            let pace = ReplayPace(start: now)
            let pages = try await pool.write { db in
                [
                    try OutboxStore.replayDead(after: 0, limit: 4, pace: pace, at: now, in: db),
                    try OutboxStore.replayDead(after: 34, limit: 4, pace: pace, replayed: 4, at: now, in: db),
                    try OutboxStore.replayDead(after: 38, limit: 4, pace: pace, replayed: 8, at: now, in: db),
                    try OutboxStore.replayDead(after: 40, limit: 4, pace: pace, replayed: 10, at: now, in: db),
                ]
            }
            #expect(pages == [[31, 32, 33, 34], [35, 36, 37, 38], [39, 40], []])
            let (counts, replayed) = try await pool.read { db in
                (
                    try OutboxStore.counts(in: db),
                    try OutboxStore.row(id: 35, in: db)
                )
            }
            #expect(counts == [.pending: 20, .inFlight: 10, .delivered: 10, .dead: 0])
            #expect(replayed?.attempts == 1 && replayed?.attemptsSinceReplay == 0)
            #expect(replayed?.nextAttemptAt == Date(millisecondsSince1970: now.millisecondsSince1970))
        }
    }

    @Test("a replay at a rate spreads the dead letters' due times in steps of about 50 ms, across pages")
    func replayDeadAtARate() async throws {
        try await withDatabase { pool, _ in
            try await Self.fill(pool)  // ids 31–40 dead
            let now = Date(timeIntervalSince1970: 1_795_000_100)
            // 40 per second from 5 s on: steps of 2 deliveries every 50 ms.
            let pace = ReplayPace(start: now.addingTimeInterval(5), perSecond: 40)
            let pages = try await pool.write { db in
                [
                    try OutboxStore.replayDead(after: 0, limit: 3, pace: pace, at: now, in: db),
                    try OutboxStore.replayDead(after: 33, limit: 10, pace: pace, replayed: 3, at: now, in: db),
                ]
            }
            #expect(pages == [[31, 32, 33], [34, 35, 36, 37, 38, 39, 40]])
            let rows = try await pool.read { db in
                try (31...40).map { try #require(try OutboxStore.row(id: $0, in: db)) }
            }
            let offsets = rows.map { Int(($0.nextAttemptAt.timeIntervalSince(pace.start) * 1000).rounded()) }
            #expect(offsets == [0, 0, 50, 50, 100, 100, 150, 150, 200, 200])
            #expect(
                offsets.enumerated().allSatisfy { position, offset in
                    Int((pace.due(position: position).timeIntervalSince(pace.start) * 1000).rounded()) == offset
                })
            // Updated now, whenever they fall due.
            #expect(rows.allSatisfy { $0.updatedAt == Date(millisecondsSince1970: now.millisecondsSince1970) })
            #expect(abs(pace.span(count: 10) - 0.2) < 0.001)
            // Slower than a step a row: each row its own step.
            let slow = ReplayPace(start: now, perSecond: 4)
            #expect(abs(slow.due(position: 3).timeIntervalSince(now) - 0.75) < 0.001)

            // A step that is no whole number of milliseconds (30/s: 33.3 ms): the SQL of a paged
            // replay and the due time of a replay by id agree to the millisecond.
            let thirty = ReplayPace(start: now.addingTimeInterval(0.0004), perSecond: 30)
            let stored = try await pool.write { db in
                try db.execute(sql: "UPDATE outbox SET state = 'dead' WHERE id BETWEEN 31 AND 40")
                _ = try OutboxStore.replayDead(after: 0, limit: 10, pace: thirty, at: now, in: db)
                return try (31...40).map { try #require(try OutboxStore.row(id: $0, in: db)).nextAttemptAt }
            }
            #expect(stored == (0..<10).map { thirty.due(position: $0) })
            let lastOffset = try #require(stored.last).millisecondsSince1970 - thirty.start.millisecondsSince1970
            #expect((299...300).contains(lastOffset))
        }
    }

    @Test("paced transactions halve their size when over budget and double it when well under, up to the maximum")
    func pacedTransactions() async throws {
        try await withDatabase { pool, _ in
            var strict = PacedTransactions(budget: .nanoseconds(1), pause: .zero, initialSize: 16)
            var sizes: [Int] = []
            for _ in 0..<6 { sizes.append(try await strict.write(pool) { _, size in size }) }
            #expect(sizes == [16, 8, 4, 2, 1, 1])
            #expect(strict.count == 6)
            var lenient = PacedTransactions(budget: .seconds(10), pause: .zero, initialSize: 16, maximumSize: 100)
            sizes = []
            for _ in 0..<5 { sizes.append(try await lenient.write(pool) { _, size in size }) }
            #expect(sizes == [16, 32, 64, 100, 100])
        }
    }

    @Test("counts and dead letters are read from indexes, not from the table with its requests")
    func queryPlans() async throws {
        try await withDatabase { pool, _ in
            try await pool.read { db in
                func plan(_ sql: String) throws -> String {
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
                        .joined(separator: "; ")
                }
                // Counted over the state's partial index: no column is read, so SQLite's deferred
                // seek never reaches the table.
                for (state, index) in [
                    ("pending", "outbox_due"), ("in_flight", "outbox_leases"), ("dead", "outbox_dead"),
                ] {
                    let detail = try plan("SELECT COUNT(*) FROM outbox WHERE state = '\(state)'")
                    #expect(detail.hasSuffix("USING INDEX \(index)"), "\(state): \(detail)")
                }
                #expect(try plan("SELECT COUNT(*) FROM outbox").contains("COVERING INDEX"))
                let dead = try plan(
                    "SELECT * FROM outbox INDEXED BY outbox_dead WHERE state = 'dead' AND id > 0 ORDER BY id LIMIT 5")
                #expect(dead.contains("outbox_dead") && !dead.contains("TEMP B-TREE"), "\(dead)")
            }
        }
    }
}
