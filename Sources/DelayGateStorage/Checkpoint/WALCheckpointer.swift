import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Copies committed WAL pages back into the database file on its own connection and thread,
/// so that the writer never pays for it.
///
/// SQLite normally checkpoints on the connection that commits, once the WAL passes 1000 pages:
/// the copy and, with `synchronous=FULL`, a sync of the database file then land on the one
/// writer every request waits for. While this service runs, the writer's automatic checkpoints
/// are off and a passive checkpoint runs here every `interval` (passive checkpoints never block
/// the writer or readers). When the service stops, automatic checkpoints are switched back on.
public final class WALCheckpointer: Service, Sendable {
    private let pool: DatabasePool
    private let connection: DatabaseQueue
    private let interval: Duration
    private let logger: Logger

    /// - Parameters:
    ///   - pool: the gateway's pool (its writer's automatic checkpoints are switched off while running).
    ///   - path: the database file.
    public init(pool: DatabasePool, path: String, interval: Duration = .milliseconds(50), logger: Logger) throws {
        self.pool = pool
        var configuration = Configuration()
        configuration.label = "delaygate.checkpointer"
        configuration.busyMode = .timeout(5)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        defer {
            // Whatever happens, the writer checkpoints for itself again.
            try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            await checkpoint(mode: "PASSIVE")
        }
        await checkpoint(mode: "PASSIVE")
    }

    private func checkpoint(mode: String) async {
        do {
            try await connection.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(\(mode))")
            }
        } catch {
            logger.warning("WAL checkpoint failed; the writer will retry", metadata: ["error": "\(error)"])
        }
    }
}
