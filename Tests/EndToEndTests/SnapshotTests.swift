import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// RELIABILITY 2: the database file and its WAL, copied at random instants while carriers post,
/// open as a sound database holding every event acknowledged before the instant.
///
/// Each instant is made exact by stopping the gateway (SIGSTOP) for the copy and resuming it
/// afterwards (SIGCONT), as a file-system snapshot would: what the copy holds is what the
/// operating system held at that instant. The shared-memory index (`-wal` index, `-shm`) is not
/// copied, as a backup would not; SQLite rebuilds it from the WAL.
@Suite("Snapshots of the live database", .serialized, .timeLimit(.minutes(5)))
struct SnapshotTests {
    @Test("database and WAL copied at 5 random instants under load: integrity_check ok, every acknowledged event there")
    func copiesUnderLoad() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let ledger = CrashTests.Ledger()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
        let process = try folder.start()
        let address = try await process.listeningAddress()
        var snapshots: [(path: String, acknowledged: Set<String>)] = []
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await CrashTests.load(
                        address: address, process: process, ledger: ledger, round: 1, connections: 16,
                        killAfter: Int.max, client: client)
                    ledger.loadEnded()
                }
                var generator = SystemRandomNumberGenerator()
                for number in 1...5 {
                    let target = ledger.ids.count + Int.random(in: 50...250, using: &generator)
                    guard await ledger.waitUntil(count: target) else {
                        Issue.record("the load stopped before snapshot \(number):\n\(process.output)")
                        break
                    }
                    try await process.stop()
                    // Every id acknowledged by now was answered before the stop, so committed before it.
                    let acknowledged = ledger.ids
                    let copy = folder.root + "/snapshot-\(number).sqlite"
                    for suffix in ["", "-wal"]
                    where FileManager.default.fileExists(atPath: folder.databasePath + suffix) {
                        try FileManager.default.copyItem(atPath: folder.databasePath + suffix, toPath: copy + suffix)
                    }
                    process.signal(SIGCONT)
                    snapshots.append((copy, acknowledged))
                }
                process.signal(SIGTERM)
                try await group.waitForAll()
            }
        } catch {
            process.signal(SIGCONT)
            process.signal(SIGKILL)
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        #expect(await process.exitStatus() == 0, "graceful stop failed:\n\(process.output)")

        for (path, acknowledged) in snapshots {
            let database = try DatabaseQueue(path: path)
            let (integrity, bodies) = try await database.read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                    Set(
                        try Data.fetchAll(db, sql: "SELECT body FROM inbox").map { String(decoding: $0, as: UTF8.self) }
                    )
                )
            }
            #expect(integrity == ["ok"], "\(path): \(integrity.prefix(5))")
            let missing = acknowledged.filter { !bodies.contains(CrashTests.body(eventID: $0)) }
            #expect(
                missing.isEmpty, "\(path): acknowledged before the copy but not in it: \(missing.sorted().prefix(10))")
            #expect(acknowledged.count >= 50)
        }
    }
}
