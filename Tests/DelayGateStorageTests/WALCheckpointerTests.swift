import DelayGateStorage
import Foundation
import GRDB
import Logging
import Testing

// The time limit is generous: while the rest of the suite syncs files in parallel, each RESTART
// checkpoint waits for the disk, and the writer waits for it (a full-suite run once took 100 s
// for 2,000 writes that take 1.4 s alone).
@Suite("WAL checkpoints under sustained writes", .timeLimit(.minutes(3)))
struct WALCheckpointerTests {
    @Test("the WAL is started over and trimmed however busy the writer, so it stays near its limit")
    func walStaysBounded() async throws {
        try await withDatabase(synchronous: "NORMAL") { pool, directory in
            try await pool.write { db in try db.execute(sql: "CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB)") }
            let limitFrames = 64
            let writes = 1_000
            let checkpointer = try WALCheckpointer(
                pool: pool, path: directory.file("test.sqlite"), interval: .milliseconds(1), restartFrames: limitFrames,
                logger: Logger(label: "test"))
            let wal = directory.file("test.sqlite-wal")
            var largest = 0
            try await whileRunning(checkpointer) {
                // Back to back, about five pages a transaction: 1,000 of them write some 20 MiB of
                // WAL frames; without restarts the file would hold them all.
                let body = Data(repeating: 7, count: 16_000)
                for n in 0..<writes {
                    try await pool.write { db in
                        try db.execute(sql: "INSERT INTO scratch (id, body) VALUES (?, ?)", arguments: [n, body])
                    }
                    if n % 100 == 99 {
                        let size = (try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                        largest = max(largest, size)
                    }
                }
            }
            #expect(largest > 0, "the WAL was never written")
            // Never more than a quarter of what was written: headroom for the frames a loaded
            // machine lets the writer add between two of the checkpointer's turns.
            let written = writes * 4 * (4096 + 24)
            #expect(largest < written / 4, "largest WAL \(largest) bytes of \(written) written")
            let rows = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scratch") }
            #expect(rows == writes)
        }
    }
}
