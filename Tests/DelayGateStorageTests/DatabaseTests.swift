import DelayGateStorage
import Foundation
import GRDB
import Testing

@Suite("Database")
struct DatabaseTests {
    @Test("the pool runs in WAL mode with the configured synchronous level")
    func pragmas() async throws {
        try await withDatabase(synchronous: "FULL") { pool, _ in
            let (journal, synchronous) = try await pool.read { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(journal == "wal")
            #expect(synchronous == 2)  // FULL
        }
        try await withDatabase(synchronous: "NORMAL") { pool, _ in
            let synchronous = try await pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(synchronous == 1)
        }
    }

    @Test("migrations create the tables and the next-check index, and rerun as a no-op")
    func schema() async throws {
        try await withDatabase { pool, directory in
            let tables = try await pool.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            for table in [
                "events", "inbox", "order_shipments", "orders", "shipments", "alerts", "episodes", "planned_actions",
                "baselines", "lane_samples",
            ] {
                #expect(tables.contains(table))
            }
            let indexSQL = try await pool.read { db in
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'shipments_next_check'")
            }
            #expect(indexSQL?.contains("next_check_at") == true)
            // Opening again (a restart) applies nothing new and keeps the data.
            try await pool.write { db in
                try InboxStore.append(
                    InboxEntry(
                        adapter: "a", contentType: "application/json", body: Data("{}".utf8), receivedAt: Date(),
                        state: .pending),
                    in: db)
            }
            let reopened = try GatewayDatabase.open(at: directory.file("test.sqlite"))
            let applied = try await reopened.read { db in try Migrations.migrator.appliedMigrations(db) }
            #expect(
                applied == [
                    "v1-foundation", "v2-adapters", "v3-alerting", "v4-outbox", "v5-feedback", "v6-helpdesk-load",
                    "v7-lean-outbox-indexes", "v8-outbox-replay-budget",
                ])
            #expect(applied == Migrations.migrator.migrations)
            #expect(try await reopened.read { db in try InboxStore.counts(in: db)[.pending] } == 1)
        }
    }

    @Test("the database folder is created on first run")
    func createsFolder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("nested/deeper/gateway.sqlite")
        _ = try GatewayDatabase.open(at: path)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test("flushLog flushes the WAL of a database, does nothing where there is none, and reports a WAL it cannot open")
    func flushLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("gateway.sqlite")
        let pool = try GatewayDatabase.open(at: path, options: .init(synchronous: "NORMAL"))
        try pool.write { db in try db.execute(sql: "CREATE TABLE flushed (id INTEGER)") }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try GatewayDatabase.flushLog(of: path)
        try GatewayDatabase.flushLog(of: directory.file("no-such.sqlite"))
        // A log that exists but cannot be opened (here a symbolic link to itself) is an error,
        // not a log to skip: the commits it holds would not be flushed.
        let looping = directory.file("looping.sqlite")
        try FileManager.default.createSymbolicLink(atPath: looping + "-wal", withDestinationPath: looping + "-wal")
        #expect {
            try GatewayDatabase.flushLog(of: looping)
        } throws: { error in
            "\(error)".contains("looping.sqlite-wal") && "\(error)".contains("cannot open")
        }
    }
}
