import GRDB

/// A long write job (reprocessing the inbox, replaying dead letters) as a series of short
/// transactions, so that a gateway writing to the same database meanwhile waits for one short
/// transaction at most, never for the whole job.
///
/// Each transaction should hold the write lock for about ``budget``: the job is told how many
/// items to take (``size``), which halves after a transaction that took longer than the budget
/// and doubles after one that took less than half of it (the work inside the transaction is
/// timed, not the wait for the lock). Between transactions the lock is left free for
/// ``pause``, longer than the millisecond a waiting gateway connection sleeps between tries (see
/// ``GatewayDatabase``).
///
/// ```swift
/// var paced = PacedTransactions()
/// while true {
///     let replayed = try await paced.write(database) { db, size in try replayDeadLetters(limit: size, in: db) }
///     if replayed.isEmpty { break }
/// }
/// ```
public struct PacedTransactions: Sendable {
    public let budget: Duration
    public let pause: Duration
    public let maximumSize: Int
    /// How many items the next transaction should take.
    public private(set) var size: Int
    /// Transactions written so far.
    public private(set) var count = 0

    public init(
        budget: Duration = .milliseconds(2), pause: Duration = .milliseconds(2), initialSize: Int = 16,
        maximumSize: Int = 500
    ) {
        self.budget = budget
        self.pause = pause
        self.maximumSize = max(1, maximumSize)
        self.size = min(max(1, initialSize), self.maximumSize)
    }

    /// Runs `body` in one write transaction, after the pause unless it is the first; `body` is
    /// given ``size``. Then adapts ``size`` to how long the transaction took.
    public mutating func write<T: Sendable>(
        _ database: any DatabaseWriter, _ body: @escaping @Sendable (Database, Int) throws -> T
    ) async throws -> T {
        if count > 0 { try await Task.sleep(for: pause) }
        let size = self.size
        // Timed inside the transaction: time spent waiting for the lock is the gateway's turn,
        // not this job's, and counting it would shrink the job to a row at a time under load.
        let (result, took) = try await database.write { db in
            let began = ContinuousClock.now
            let result = try body(db, size)
            return (result, ContinuousClock.now - began)
        }
        if took * 2 < budget {
            self.size = min(maximumSize, size * 2)
        } else if took > budget {
            self.size = max(1, size / 2)
        }
        count += 1
        return result
    }
}
