import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The one write path to the database: concurrent writers hand their work to this service,
/// which runs it together in one transaction and answers each caller only after that
/// transaction has committed.
///
/// SQLite allows one writer at a time and pays for durability per commit (`synchronous=FULL`
/// syncs the WAL on every commit). Committing many requests' rows in one transaction turns
/// one sync per request into one per batch, which is what lets a durable ingest path keep up
/// with the HTTP server. Batches form naturally: while one transaction commits, new work
/// queues up and goes into the next one, so an idle gateway commits each write at once and
/// a busy one commits hundreds together. `maxDelay` can hold a batch open a little longer.
///
/// Each piece of work runs in its own savepoint, so one failing write does not take the
/// others down with it (a write alone in its batch is undone with the transaction instead); a
/// failed commit fails every write of the batch.
///
/// ```swift
/// let writer = GroupCommitWriter(database: pool)
/// // run `writer` in a ServiceGroup, then from any task:
/// let id = try await writer.write { db in try InboxStore.append(entry, in: db) }
/// ```
public final class GroupCommitWriter: Service, Sendable {
    /// How batches are formed.
    public struct Options: Sendable {
        /// Most writes in one transaction.
        public var maxBatch: Int
        /// How long to wait for more writes to join a batch that is not full; zero commits at once.
        public var maxDelay: Duration

        public init(maxBatch: Int = 1024, maxDelay: Duration = .zero) {
            precondition(maxBatch >= 1, "maxBatch must be at least 1")
            self.maxBatch = maxBatch
            self.maxDelay = maxDelay
        }
    }

    /// A write handed to the writer.
    struct PendingWrite: Sendable {
        typealias Completion = @Sendable (Result<Void, any Error>) -> Void
        /// Runs the work inside the transaction, in its own savepoint when the first argument is
        /// true (and the write asked for isolation); returns the closure that answers the caller
        /// once the commit outcome is known, and whether the work threw.
        let perform: @Sendable (Database, Bool) -> (complete: Completion, threw: Bool)
        /// Answers the caller with an error when the work never ran.
        let fail: @Sendable (any Error) -> Void
    }

    /// The answers of a batch's writes, known once their work ran inside the transaction.
    private final class Completions: Sendable {
        let list = Mutex<[PendingWrite.Completion]>([])
    }

    /// Rolls back the transaction of a batch whose only write threw (its caller gets its own error).
    private struct SoleWriteFailed: Error {}

    private struct State: ~Copyable {
        var pending: [PendingWrite] = []
        var waiter: CheckedContinuation<Void, Never>?
        var isStopping = false
        var isStopped = false
    }

    private let database: any DatabaseWriter
    private let options: Options
    private let logger: Logger
    private let state = Mutex(State())
    private let batchSizes: Recorder
    private let commitDuration: Metrics.Timer
    private let commitFailures: Counter

    public init(
        database: any DatabaseWriter,
        options: Options = Options(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "delaygate.writer")
    ) {
        self.database = database
        self.options = options
        self.logger = logger
        self.batchSizes = Recorder(label: "delaygate_group_commit_batch_size", factory: metricsFactory)
        self.commitDuration = Metrics.Timer(label: "delaygate_group_commit_duration_seconds", factory: metricsFactory)
        self.commitFailures = Counter(label: "delaygate_group_commit_failures_total", factory: metricsFactory)
    }

    /// Runs `work` in the next group transaction and returns its result once that transaction
    /// has committed.
    ///
    /// - Parameter isolated: run `work` in its own savepoint, so that if it throws, its changes
    ///   are undone without touching the rest of the batch. Pass false only for work that is a
    ///   single statement (SQLite already applies a statement atomically) or that isolates its
    ///   own parts; it saves a savepoint per write on the hottest path.
    /// - Throws: the error `work` threw (its changes are rolled back, the batch's others are
    ///   not), the commit's error (nothing of the batch was stored), or
    ///   ``StorageError/writerStopped`` once the writer has shut down.
    public func write<T: Sendable>(
        isolated: Bool = true,
        _ work: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let pending = PendingWrite { db, savepoint in
                do {
                    let result = isolated && savepoint ? try Self.inSavepoint(db, work) : try work(db)
                    return ({ commit in continuation.resume(with: commit.map { result }) }, false)
                } catch {
                    return ({ _ in continuation.resume(throwing: error) }, true)
                }
            } fail: { error in
                continuation.resume(throwing: error)
            }
            if !enqueue(pending) {
                continuation.resume(throwing: StorageError.writerStopped)
            }
        }
    }

    /// Runs `work` in a savepoint through cached statements (GRDB's `inSavepoint` prepares its
    /// SAVEPOINT and RELEASE statements on every call).
    private static func inSavepoint<T>(_ db: Database, _ work: (Database) throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT delaygate_write").execute()
        let result: T
        do {
            result = try work(db)
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT delaygate_write").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT delaygate_write").execute()
            throw error
        }
        try db.cachedStatement(sql: "RELEASE SAVEPOINT delaygate_write").execute()
        return result
    }

    /// Number of writes waiting for the next transaction.
    public var queueDepth: Int {
        state.withLock { $0.pending.count }
    }

    private func enqueue(_ pending: PendingWrite) -> Bool {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.isStopped else { return (false, nil) }
            state.pending.append(pending)
            let waiter = state.waiter
            state.waiter = nil
            return (true, waiter)
        }
        waiter?.resume()
        return accepted
    }

    /// Commits batches until graceful shutdown or cancellation; then commits what is queued and
    /// returns. Writes handed over later are refused with ``StorageError/writerStopped``: after
    /// graceful shutdown once the queue has drained (the other services may still be finishing
    /// their work), after cancellation at once, so that a producer that keeps writing cannot
    /// keep a cancelled writer alive.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while let batch = await nextBatch() {
                    await commit(batch)
                }
            } onCancel: {
                self.beginStopping(refusingNewWrites: true)
            }
        } onGracefulShutdown: {
            self.beginStopping(refusingNewWrites: false)
        }
        let stragglers = state.withLock { state -> [PendingWrite] in
            state.isStopped = true
            defer { state.pending.removeAll() }
            return state.pending
        }
        if !stragglers.isEmpty { await commit(stragglers) }
    }

    private func beginStopping(refusingNewWrites: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.isStopping = true
            if refusingNewWrites { state.isStopped = true }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits for work; nil when stopping with nothing left.
    private func nextBatch() async -> [PendingWrite]? {
        while true {
            enum Step {
                case batch([PendingWrite])
                case wait, finish
            }
            let step = state.withLock { state -> Step in
                if !state.pending.isEmpty { return .batch(takeBatch(&state)) }
                return state.isStopping ? .finish : .wait
            }
            switch step {
            case .finish:
                return nil
            case .batch(var batch):
                if (batch.count < options.maxBatch) && (options.maxDelay > .zero) {
                    try? await Task.sleep(for: options.maxDelay)
                    let more = state.withLock { state in
                        takeBatch(&state, limit: options.maxBatch - batch.count)
                    }
                    batch.append(contentsOf: more)
                }
                return batch
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.pending.isEmpty || state.isStopping { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func takeBatch(_ state: inout State, limit: Int? = nil) -> [PendingWrite] {
        let count = min(state.pending.count, limit ?? options.maxBatch)
        guard count > 0 else { return [] }
        if count == state.pending.count {
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
        defer { state.pending.removeFirst(count) }
        return Array(state.pending.prefix(count))
    }

    private func commit(_ batch: [PendingWrite]) async {
        let started = ContinuousClock.now
        batchSizes.record(batch.count)
        let completions = Completions()
        // A write alone in its batch needs no savepoint: if it throws, the whole transaction is
        // rolled back instead. Besides the SAVEPOINT and RELEASE statements, that spares SQLite's
        // sub-journal: while a savepoint is open it keeps the original of every page the
        // transaction changes, and every statement that runs triggers walks it from the start
        // when it ends, so a big write inside a savepoint slowed down with its own size.
        let alone = batch.count == 1
        do {
            // In a task of its own, because the transaction must not see the writer's cancellation:
            // GRDB refuses to start, or interrupts, a write whose task is cancelled, and queued
            // writes are committed even when the writer is cancelled instead of shut down.
            try await Task { [database] in
                try await database.write { db in
                    let produced = batch.map { $0.perform(db, !alone) }
                    completions.list.withLock { $0 = produced.map(\.complete) }
                    if alone && produced[0].threw { throw SoleWriteFailed() }
                }
            }.value
            commitDuration.record(duration: ContinuousClock.now - started)
            for complete in completions.list.withLock({ $0 }) { complete(.success(())) }
        } catch is SoleWriteFailed {
            // Rolled back; the write's own error answers its caller, as a savepoint would have.
            for complete in completions.list.withLock({ $0 }) { complete(.success(())) }
        } catch {
            commitFailures.increment()
            logger.error("group commit failed", metadata: ["writes": "\(batch.count)", "error": "\(error)"])
            // The transaction was rolled back, so every write of the batch fails, including those
            // whose own work succeeded; their callers answer 503 and the senders retry.
            let failure = StorageError.commitFailed(String(describing: error))
            let produced = completions.list.withLock { $0 }
            if produced.count == batch.count {
                for complete in produced { complete(.failure(failure)) }
            } else {
                for pending in batch { pending.fail(failure) }
            }
        }
    }
}
