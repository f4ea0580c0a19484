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
///
/// Under sustained writes a passive checkpoint never catches up with the writer: new frames are
/// appended while it copies, so SQLite never starts the WAL over and the file grows without
/// bound (gigabytes in a busy hour), each new frame paying for fresh file blocks. Once the WAL
/// holds more than `restartFrames` frames, the checkpointer therefore runs a RESTART
/// checkpoint: it waits for the writer's current transaction, copies what is left (little,
/// after the passive ones) and lets the next transaction write the WAL from its start; the
/// writer waits for it once, briefly. `journal_size_limit` then trims the file to about that size.
public final class WALCheckpointer: Service, Sendable {
    private let pool: DatabasePool
    private let connection: DatabaseQueue
    private let interval: Duration
    private let restartFrames: Int
    private let logger: Logger

    /// - Parameters:
    ///   - pool: the gateway's pool (its writer's automatic checkpoints are switched off while running).
    ///   - path: the database file.
    ///   - interval: the pause between passive checkpoints.
    ///   - restartFrames: the WAL size, in frames (pages), past which the WAL is started over (16,384 frames are 64 MiB of 4 KiB pages).
    public init(
        pool: DatabasePool, path: String, interval: Duration = .milliseconds(50), restartFrames: Int = 16_384,
        logger: Logger
    ) throws {
        self.pool = pool
        var configuration = Configuration()
        configuration.label = "delaygate.checkpointer"
        configuration.busyMode = .callback(GatewayDatabase.pollingBusyHandler(timeout: .seconds(5)))
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.restartFrames = min(max(1, restartFrames), 1 << 30)
        self.logger = logger
    }

    public func run() async throws {
        let pageSize = try await pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096 }
        try await pool.writeWithoutTransaction { [restartFrames] db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // The size a restarted WAL is trimmed back to.
            try db.execute(sql: "PRAGMA journal_size_limit = \(restartFrames * pageSize)")
        }
        defer {
            // Whatever happens, the writer checkpoints for itself again.
            try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
        }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: interval)
                let walFrames = try await connection.writeWithoutTransaction(Self.passiveCheckpoint)
                if walFrames > restartFrames {
                    try await connection.writeWithoutTransaction(Self.restartCheckpoint)
                }
            } catch is CancellationError {
                break
            } catch {
                logger.warning("WAL checkpoint failed; the writer will retry", metadata: ["error": "\(error)"])
            }
        }
        // A last checkpoint on the way out; the synchronous call is not cut short by cancellation.
        do {
            _ = try connection.inDatabase(Self.passiveCheckpoint)
        } catch {
            logger.warning("WAL checkpoint failed; the writer will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Copies what it can without waiting for anyone. - Returns: the frames in the WAL.
    @discardableResult
    private static func passiveCheckpoint(_ db: Database) throws -> Int {
        // One row: busy, frames in the WAL, frames copied back.
        let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
        return row?[1] ?? 0
    }

    /// Waits for the writer, copies every frame and has the next transaction start the WAL over.
    private static func restartCheckpoint(_ db: Database) throws {
        _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(RESTART)")
    }
}
