import DelayGateStorage
import Foundation
import GRDB
import Testing

@Suite("Open tickets per helpdesk group")
struct HelpdeskLoadTests {
    /// What `openTickets` must agree with: a count over the outbox itself.
    static func counted(adapter: String, in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT helpdesk_group, COUNT(*) AS n FROM outbox
                WHERE adapter = ? AND helpdesk_group IS NOT NULL AND resolved_at IS NULL AND state != 'dead'
                GROUP BY helpdesk_group
                """, arguments: [adapter])
        {
            counts[row["helpdesk_group"]] = row["n"]
        }
        return counts
    }

    static func ticket(_ n: Int, adapter: String, group: String?, alert: Int64) -> NewDelivery {
        NewDelivery(
            idempotencyKey: "key-\(n)", alertID: alert, action: group == nil ? "sms" : "helpdesk_ticket",
            adapter: adapter, request: "{}", helpdeskGroup: group)
    }

    @Test("the kept counts follow every way a ticket opens, dies, comes back, is resolved or removed")
    func countsFollowEveryChange() async throws {
        try await withDatabase { pool, _ in
            // A fixed pseudo-random sequence (a 64-bit LCG), so a failing step can be replayed.
            var state: UInt64 = 11
            func next() -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(state >> 33)
            }
            let now = Date(timeIntervalSince1970: 1_795_000_000)
            let adapters = ["zendesk", "freshdesk"]
            let groups: [String?] = ["101", "102", "103", nil]
            for step in 0..<400 {
                let (adapter, operation, choice) = (adapters[next() % 2], next() % 7, next())
                try await pool.write { db in
                    switch operation {
                    case 0, 1, 2:
                        let group = groups[choice % 4]
                        // Every fifth key repeats an earlier one: INSERT OR IGNORE must not count it.
                        let n = step % 5 == 0 ? step / 2 : step
                        try OutboxStore.enqueue(
                            Self.ticket(n, adapter: adapter, group: group, alert: Int64(step % 40)), at: now, in: db)
                    case 3:
                        try OutboxStore.enqueueUndeliverable(
                            Self.ticket(step, adapter: adapter, group: "102", alert: 1), error: "no recipient", at: now,
                            in: db)
                    case 4:
                        // Claimed tickets stay open through every attempt until they die.
                        for row in try OutboxStore.claim(
                            adapter: adapter, limit: 2, now: now, lease: .seconds(30), in: db)
                        {
                            switch choice % 3 {
                            case 0:
                                try OutboxStore.markDead(
                                    id: row.id, attempt: row.attempts, status: 422, error: "refused", response: nil,
                                    at: now, in: db)
                            case 1:
                                try OutboxStore.markDelivered(
                                    id: row.id, attempt: row.attempts, status: 201, receipt: "\(row.id)", at: now,
                                    in: db)
                            default:
                                try OutboxStore.markRetry(
                                    id: row.id, attempt: row.attempts, next: now, status: 503, error: "busy", at: now,
                                    in: db)
                            }
                        }
                    case 5:
                        if choice % 2 == 0 {
                            try OutboxStore.replayAllDead(at: now, in: db)
                        } else {
                            try OutboxStore.resolveTickets(alertID: Int64(choice % 40), at: now, in: db)
                        }
                    default:
                        try db.execute(sql: "DELETE FROM outbox WHERE id % 9 = ?", arguments: [choice % 9])
                    }
                }
                try await pool.read { db in
                    for adapter in adapters {
                        let kept = try OutboxStore.openTickets(adapter: adapter, in: db)
                        let expected = try Self.counted(adapter: adapter, in: db)
                        #expect(kept == expected, "after step \(step), \(adapter)")
                    }
                }
            }
            let open = try await pool.read { db in try Self.counted(adapter: "zendesk", in: db) }
            #expect(!open.isEmpty, "the sequence left no open ticket to compare")
        }
    }

    @Test("upgrading a database counts the tickets already open")
    func migrationCountsExistingTickets() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // As the gateway opens it: foreign keys are declared but not enforced (no alert rows here).
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: directory.file("old.sqlite"), configuration: configuration)
        try Migrations.migrator.migrate(queue, upTo: "v5-feedback")
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try queue.write { db in
            for n in 0..<7 {
                try OutboxStore.enqueue(
                    Self.ticket(n, adapter: "zendesk", group: n < 5 ? "101" : "102", alert: 1), at: now, in: db)
            }
            try OutboxStore.enqueueUndeliverable(
                Self.ticket(99, adapter: "zendesk", group: "101", alert: 2), error: "dead", at: now, in: db)
        }
        try Migrations.migrator.migrate(queue)
        let open = try queue.read { db in try OutboxStore.openTickets(adapter: "zendesk", in: db) }
        #expect(open == ["101": 5, "102": 2])
    }
}
