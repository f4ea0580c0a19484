import DelayGateStorage
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("delaygate command line", .timeLimit(.minutes(2)))
struct CommandLineTests {
    func run(_ arguments: [String], environment: [String: String] = [:], in folder: GatewayFolder) async throws
        -> (status: Int32, output: String)
    {
        let process = try GatewayProcess(arguments: arguments, environment: environment, workingDirectory: folder.root)
        let status = await process.exitStatus()
        return (status, process.output)
    }

    @Test("check passes a valid configuration and warns about an unset secret")
    func checkWarns() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let unset = try await run(["check", "--config", folder.configPath], in: folder)
        #expect(unset.status == 0, "\(unset.output)")
        #expect(unset.output.contains("adapter integrator (canonical-json)"))
        #expect(unset.output.contains("warning:") && unset.output.contains("E2E_HOOK_SECRET is not set"))
        let set = try await run(["check", "--config", folder.configPath], environment: folder.environment, in: folder)
        #expect(set.status == 0)
        #expect(!set.output.contains("warning:"))
    }

    @Test("check on a broken configuration names the file, line and key and exits non-zero")
    func checkFails() async throws {
        let folder = try GatewayFolder(adapterFiles: [
            "integrator.yaml": "kind: canonical-json\nverification:\n  secret: ${E2E_HOOK_SECRET}\n  tolerance: 30\n"
        ])
        defer { folder.remove() }
        let result = try await run(["check", "--config", folder.configPath], in: folder)
        #expect(result.status != 0)
        #expect(
            result.output.contains("integrator.yaml:4: key 'verification.tolerance': unknown key"), "\(result.output)")
        let missing = try await run(["check", "--config", folder.root + "/nope.yaml"], in: folder)
        #expect(missing.status != 0)
        #expect(missing.output.contains("nope.yaml: file not found"))
    }

    @Test("inbox reprocess normalizes rejected rows in short transactions and refuses a hold of 0 ms")
    func inboxReprocess() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        // Bodies kept as rejected (say, by an adapter that was misconfigured), usable now.
        do {
            let pool = try GatewayDatabase.open(at: folder.databasePath)
            try await pool.write { db in
                for index in 0..<30 {
                    _ = try InboxStore.append(
                        InboxEntry(
                            adapter: "integrator", contentType: "application/json",
                            body: Data(CrashTests.body(eventID: "rp-\(index)").utf8), receivedAt: Date(),
                            state: .rejected, reason: "no carrier"),
                        in: db)
                }
            }
        }
        let refused = try await run(
            ["inbox", "reprocess", "--config", folder.configPath, "--hold-ms", "0"], environment: folder.environment,
            in: folder)
        #expect(refused.status != 0)
        #expect(refused.output.contains("--hold-ms must be a positive number of milliseconds"), "\(refused.output)")

        let result = try await run(
            ["inbox", "reprocess", "--config", folder.configPath, "--hold-ms", "1"], environment: folder.environment,
            in: folder)
        #expect(result.status == 0, "\(result.output)")
        #expect(
            result.output.contains(
                "reprocessed 30 row(s): 30 normalized (30 new event(s), 0 already stored), 0 rejected, in "))
        let database = try DatabaseQueue(path: folder.databasePath)
        let (counts, events) = try await database.read { db in
            (try InboxStore.counts(in: db), try EventStore.count(in: db))
        }
        #expect(counts == [.normalized: 30])
        #expect(events == 30)
    }

    @Test("serve with a broken configuration refuses to start")
    func serveRefuses() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        try "server:\n  port: http\n".write(toFile: folder.configPath, atomically: true, encoding: .utf8)
        let result = try await run(["serve", "--config", folder.configPath], in: folder)
        #expect(result.status != 0)
        #expect(result.output.contains("gateway.yaml:2: key 'server.port': expected a whole number, found 'http'"))
    }

    @Test("SIGTERM stops the gateway cleanly")
    func gracefulStop() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let process = try folder.start()
        let address = try await process.listeningAddress()
        #expect(address.hasPrefix("127.0.0.1:"))
        process.signal(SIGTERM)
        #expect(await process.exitStatus() == 0)
        // The service group returned and the command finished: the orderly path, not just an exit code.
        #expect(process.output.contains("delaygate stopped"), "\(process.output)")
    }

    @Test("inbox list shows rows by state")
    func inboxList() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let empty = try await run(["inbox", "list", "--config", folder.configPath], in: folder)
        #expect(empty.status != 0)
        #expect(empty.output.contains("no database at"))
        let process = try folder.start()
        _ = try await process.listeningAddress()
        process.signal(SIGTERM)
        _ = await process.exitStatus()
        let listed = try await run(["inbox", "list", "--state", "rejected", "--config", folder.configPath], in: folder)
        #expect(listed.status == 0)
        #expect(listed.output.contains("no inbox rows in state rejected"))
        let bad = try await run(["inbox", "list", "--state", "lost", "--config", folder.configPath], in: folder)
        #expect(bad.status != 0)
    }

    /// Outbox rows as the dispatcher leaves them: `refused` dead after one attempt answered 400
    /// (quoting the customer's number), `gaveUp` dead after two transient failures, `waiting`
    /// pending a retry after one.
    static func deadLetters(in folder: GatewayFolder, at now: Date) throws -> (
        refused: Int64, gaveUp: Int64, waiting: Int64
    ) {
        let database = try GatewayDatabase.open(at: folder.databasePath)
        return try database.write { db in
            var ids: [String: Int64] = [:]
            for key in ["refused", "gave-up", "waiting"] {
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "episode:\(key):warning:notify_customer", alertID: nil,
                        action: "notify_customer", adapter: "twilio-sms", request: "{}"),
                    at: now, in: db)
            }
            func attempt(_ settle: (OutboxRow) throws -> Bool) throws {
                for row in try OutboxStore.claim(adapter: "twilio-sms", limit: 3, now: now, lease: .seconds(60), in: db)
                {
                    ids[String(row.idempotencyKey.split(separator: ":")[1])] = row.id
                    #expect(try settle(row))
                }
            }
            try attempt { row in
                if row.idempotencyKey.contains("refused") {
                    return try OutboxStore.markDead(
                        id: row.id, attempt: row.attempts, status: 400,
                        error: "HTTP 400: The 'To' number +8613800138000 is not a valid phone number.",
                        response: #"{"code": 21211}"#, at: now, in: db)
                }
                let next = row.idempotencyKey.contains("waiting") ? now.addingTimeInterval(3600) : now
                return try OutboxStore.markRetry(
                    id: row.id, attempt: row.attempts, next: next, status: 503, error: "HTTP 503", at: now, in: db)
            }
            try attempt { row in
                try OutboxStore.markDead(
                    id: row.id, attempt: row.attempts, status: 503, error: "gave up after 2 attempts: HTTP 503",
                    response: nil, at: now, in: db)
            }
            return (try #require(ids["refused"]), try #require(ids["gave-up"]), try #require(ids["waiting"]))
        }
    }

    @Test(
        "outbox list --state dead shows dead letters with masked errors; replay by id and --all-dead requeue them with a fresh retry budget"
    )
    func outboxReplay() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let now = Date()
        let (refused, gaveUp, waiting) = try Self.deadLetters(in: folder, at: now)
        let reader = try DatabaseQueue(path: folder.databasePath)
        func row(_ id: Int64) throws -> OutboxRow? { try reader.read { db in try OutboxStore.row(id: id, in: db) } }
        func outbox(_ arguments: String...) async throws -> (status: Int32, output: String) {
            try await run(
                ["outbox"] + arguments + ["--config", folder.configPath], environment: folder.environment, in: folder)
        }

        let listed = try await outbox("list", "--state", "dead")
        #expect(listed.status == 0, "\(listed.output)")
        #expect(listed.output.contains("pending 1 · in_flight 0 · delivered 0 · dead 2"))
        let lines = listed.output.split(separator: "\n").map(String.init)
        func line(_ id: Int64) -> String? {
            lines.first { $0.split(separator: " ").first.map(String.init) == String(id) }
        }
        let refusedLine = try #require(line(refused), "\(listed.output)")
        #expect(refusedLine.contains("dead") && refusedLine.contains("twilio-sms"))
        #expect(refusedLine.contains("HTTP 400: The 'To' number +*********8000 is not a valid phone number."))
        #expect(!listed.output.contains("8613800138000"))
        #expect(line(gaveUp)?.contains("gave up after 2 attempts") == true)
        #expect(line(waiting) == nil)

        let one = try await outbox("replay", String(refused))
        #expect(one.status == 0, "\(one.output)")
        #expect(one.output.contains("replayed 1 dead delivery"))
        let requeued = try #require(try row(refused))
        #expect(requeued.state == .pending && requeued.attemptsSinceReplay == 0)
        #expect(requeued.nextAttemptAt >= now.addingTimeInterval(-1))
        #expect(try row(gaveUp)?.state == .dead)

        let all = try await outbox("replay", "--all-dead")
        #expect(all.status == 0, "\(all.output)")
        #expect(all.output.contains("replayed 1 dead delivery"))
        let second = try #require(try row(gaveUp))
        #expect(second.state == .pending && second.attemptsSinceReplay == 0 && second.attempts == 2)
        // The row that was never dead keeps its attempt and its back-off.
        let untouched = try #require(try row(waiting))
        #expect(untouched.state == .pending && untouched.attempts == 1)
        #expect(untouched.nextAttemptAt > now.addingTimeInterval(3000))
        let none = try await outbox("list", "--state", "dead")
        #expect(none.output.contains("no deliveries in state dead"))

        // An id that is not dead (unknown, or already requeued) is one line of error and a failure.
        for id in ["999999", String(refused)] {
            let unknown = try await outbox("replay", id)
            #expect(unknown.status != 0)
            let text = unknown.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!text.contains("\n"), "\(text)")
            #expect(text.contains("no dead delivery with id \(id)"), "\(text)")
        }

        // --rate spreads a replay: at 2 per second the second row falls due half a second after the
        // first, and the first once the gateway's dispatcher has looked at the queue again (its
        // longest sleep, 5 s by default), ids in ascending order however they were given.
        for rate in ["0", "-3", "1e12", "nan"] {
            let badRate = try await outbox("replay", "--all-dead", "--rate=\(rate)")
            #expect(badRate.status != 0)
            #expect(
                badRate.output.contains("--rate must be between 0.01 and 1,000,000 deliveries per second"),
                "\(badRate.output)")
        }
        func markDead(_ ids: [Int64]) throws {
            try reader.write { db in
                for id in ids { try db.execute(sql: "UPDATE outbox SET state = 'dead' WHERE id = ?", arguments: [id]) }
            }
        }
        try markDead([refused, gaveUp])
        let commandStarted = Date()
        let paced = try await outbox(
            "replay", String(max(refused, gaveUp)), String(min(refused, gaveUp)), "--rate", "2")
        #expect(paced.status == 0, "\(paced.output)")
        #expect(
            paced.output.contains("replayed 2 dead deliveries, falling due over 0.5 s, the first in 5.0 s"),
            "\(paced.output)")
        let (earlier, later) = (
            try #require(try row(min(refused, gaveUp))), try #require(try row(max(refused, gaveUp)))
        )
        #expect(earlier.state == .pending && later.state == .pending)
        #expect(abs(later.nextAttemptAt.timeIntervalSince(earlier.nextAttemptAt) - 0.5) < 0.002)
        #expect(earlier.nextAttemptAt >= commandStarted.addingTimeInterval(4.99))
        #expect(earlier.updatedAt <= Date())

        // Across the pages of a large replay (the first holds 16 rows) the pace carries on: at 40
        // per second, two rows every 50 ms, the 40th row falls due 19 steps after the first.
        let many = try GatewayDatabase.open(at: folder.databasePath)
        let manyIDs = try await many.write { db in
            try (0..<38).map { index in
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "episode:many-\(index):warning:notify_customer", alertID: nil,
                        action: "notify_customer", adapter: "twilio-sms", request: "{}"),
                    at: now, in: db)
                return db.lastInsertedRowID
            }
        }
        try markDead([refused, gaveUp] + manyIDs)
        let large = try await outbox("replay", "--all-dead", "--rate", "40")
        #expect(large.status == 0, "\(large.output)")
        #expect(large.output.contains("replayed 40 dead deliveries, falling due over"), "\(large.output)")
        let ordered = try ([refused, gaveUp] + manyIDs).sorted().map { try #require(try row($0)).nextAttemptAt }
        let offsets = ordered.map { Int(($0.timeIntervalSince(ordered[0]) * 1000).rounded()) }
        #expect(offsets == (0..<40).map { $0 / 2 * 50 }, "\(offsets)")
    }
}
