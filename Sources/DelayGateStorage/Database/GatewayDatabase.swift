import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens DelayGate's SQLite database: a WAL-mode `DatabasePool` with the schema migrated.
///
/// ```swift
/// let pool = try GatewayDatabase.open(at: "data/delaygate.sqlite", options: .init(synchronous: .full))
/// ```
public enum GatewayDatabase {
    /// How the connection is tuned.
    public struct Options: Sendable {
        /// SQLite's `synchronous` pragma: `OFF`, `NORMAL`, `FULL` or `EXTRA`.
        public var synchronous: String
        /// How long a write waits for another process's lock before failing.
        public var busyTimeout: Duration
        public var maximumReaderCount: Int

        public init(synchronous: String = "FULL", busyTimeout: Duration = .seconds(5), maximumReaderCount: Int = 4) {
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.maximumReaderCount = maximumReaderCount
        }
    }

    /// Opens (creating the file and its folder when needed) and migrates the database.
    public static func open(at path: String, options: Options = Options()) throws -> DatabasePool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let pool = try DatabasePool(path: path, configuration: configuration(options))
        try Migrations.migrator.migrate(pool)
        return pool
    }

    /// Flushes the write-ahead log of the database at `path` to disk: what commits made with
    /// `synchronous=NORMAL` wrote becomes durable, as if each had been made with `FULL` (in WAL
    /// mode a commit is durable once its log frames are on disk). Does nothing without a log.
    public static func flushLog(of path: String) throws {
        let log = path + "-wal"
        let descriptor = openForReading(log)
        guard descriptor >= 0 else {
            let error = errno
            // No log: nothing was committed since the last checkpoint removed it.
            if error == ENOENT { return }
            throw StorageError.commitFailed("cannot open \(log) to flush it: \(String(cString: strerror(error)))")
        }
        defer { closeDescriptor(descriptor) }
        guard fsync(descriptor) == 0 else {
            let error = errno
            throw StorageError.commitFailed("cannot flush \(log): \(String(cString: strerror(error)))")
        }
    }

    /// Waits for a lock held by another connection by trying again every millisecond, for at
    /// least `timeout`.
    ///
    /// SQLite's own busy timeout sleeps 1, 2, 5, 10 … up to 100 ms between tries, so a webhook
    /// waiting behind another process's transaction (`delaygate inbox reprocess`, an operator's
    /// shell) could sleep on long after the lock was free, and miss a short gap between that
    /// process's transactions altogether.
    static func pollingBusyHandler(timeout: Duration) -> Database.BusyCallback {
        let milliseconds =
            Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        return { tries in
            guard tries < milliseconds else { return false }
            usleep(1000)
            return true
        }
    }

    static func configuration(_ options: Options) -> Configuration {
        var configuration = Configuration()
        configuration.label = "delaygate"
        configuration.maximumReaderCount = options.maximumReaderCount
        configuration.busyMode = .callback(pollingBusyHandler(timeout: options.busyTimeout))
        // Foreign keys stay declared in the schema for readers, but the hot insert path does not
        // pay for their checks: every write goes through code that keeps them consistent.
        configuration.foreignKeysEnabled = false
        let synchronous = options.synchronous.uppercased()
        precondition(["OFF", "NORMAL", "FULL", "EXTRA"].contains(synchronous), "invalid synchronous mode")
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // Every write runs in a savepoint (see GroupCommitWriter); SQLite keeps the original of
            // each page a savepoint changes in a sub-journal, which by default is a temporary file
            // created and deleted per transaction. In memory it costs a copy instead of I/O.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // 64 MiB of page cache per connection (the default is 2 MiB): the unique indexes of a
            // busy day do not fit in 2 MiB, and every miss is a read on the commit path.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return configuration
    }
}

// The C library's open(2) and close(2), named apart: inside `GatewayDatabase`, `open` is its own
// `open(at:options:)`.
private func openForReading(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }
private func closeDescriptor(_ descriptor: Int32) { _ = close(descriptor) }
