import DelayGateAdapters
import DelayGateIngest
import DelayGateStorage
import Foundation
import GRDB

/// Drives the alert engine with a simulated clock, for evaluations, simulations and tests.
///
/// Payloads are stored through the same step as live normalization (events, orders, notices,
/// then the ``EngineObserver``), and the ``DeadlineScheduler`` is ticked at each deadline in
/// time order, exactly when a live scheduler would wake. When data and a deadline fall on the
/// same instant, the data goes first.
///
/// ```swift
/// let replay = try EngineReplay(path: "/tmp/replay.sqlite", model: AlertModel())
/// try await replay.run { replay in
///     try await replay.deliver(payload, at: instant)
///     try await replay.advance(through: end)
/// }
/// ```
public struct EngineReplay: Sendable {
    public let database: DatabasePool
    public let writer: GroupCommitWriter
    public let model: AlertModel
    public let scheduler: DeadlineScheduler
    let observer: EngineObserver

    /// Opens (creating) a database at `path` with `synchronous = OFF`: a replay can always be
    /// run again, so it does not pay for durability.
    public init(path: String, model: AlertModel, options: DeadlineScheduler.Options = DeadlineScheduler.Options())
        throws
    {
        let database = try GatewayDatabase.open(at: path, options: .init(synchronous: "OFF"))
        self.init(database: database, model: model, options: options)
    }

    public init(
        database: DatabasePool, model: AlertModel, options: DeadlineScheduler.Options = DeadlineScheduler.Options()
    ) {
        self.database = database
        self.model = model
        writer = GroupCommitWriter(database: database)
        scheduler = DeadlineScheduler(model: model, database: database, writer: writer, options: options)
        observer = EngineObserver(model: model, scheduler: nil)
    }

    /// Runs `body` while the writer runs, then stops the writer.
    public func run<T: Sendable>(_ body: @Sendable (EngineReplay) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            do {
                let value = try await body(self)
                group.cancelAll()
                try await group.waitForAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Stores `payload` as received at `instant`, after every deadline strictly before it.
    @discardableResult
    public func deliver(_ payload: NormalizedPayload, at instant: Date) async throws -> DeadlineScheduler.TickReport {
        let report = try await advance(before: instant)
        let observer = self.observer
        _ = try await writer.write { db in
            try InboxNormalization.store(payload, at: instant, in: db, observer: observer)
        }
        return report
    }

    /// Ticks the scheduler at every deadline strictly before `instant`, in time order.
    @discardableResult
    public func advance(before instant: Date) async throws -> DeadlineScheduler.TickReport {
        try await advance { $0 < instant }
    }

    /// Ticks the scheduler at every deadline up to and including `instant`, in time order.
    @discardableResult
    public func advance(through instant: Date) async throws -> DeadlineScheduler.TickReport {
        try await advance { $0 <= instant }
    }

    private func advance(while inRange: (Date) -> Bool) async throws -> DeadlineScheduler.TickReport {
        var total = DeadlineScheduler.TickReport()
        total.ticks = 0
        while let next = try await database.read({ db in try ShipmentStore.nextDue(in: db) }), inRange(next) {
            let report = try await scheduler.tick(now: next)
            total.evaluated += report.evaluated
            total.raised += report.raised
            total.closed += report.closed
            total.ticks += 1
            total.longestTick = max(total.longestTick, report.longestTick)
        }
        return total
    }
}
