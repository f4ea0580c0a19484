import DelayGateAlerting
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Finds stalled parcels: a stalled parcel sends no events, so every open shipment carries the
/// instant at which its situation can next get worse (`next_check_at`), and this service wakes
/// for the earliest one, evaluates only the shipments that are due, through the index, and writes
/// their alerts, episodes, planned actions and next checks in one transaction.
///
/// Its cost grows with the number of due shipments, not with the number of open ones.
/// ``tick(now:)`` can be driven directly with a simulated clock (evaluations, tests).
public final class DeadlineScheduler: Service, Sendable {
    public struct Options: Sendable {
        /// Most shipments evaluated per transaction.
        public var batchSize: Int
        /// Longest sleep between looks at the index.
        public var maximumSleep: Duration
        /// How often learned state is written to the database.
        public var persistInterval: Duration
        /// How long the running service's tick may go on judging inside its write transaction,
        /// which every webhook's commit waits for: once spent, the tick commits what it judged
        /// (at least one shipment) and the next tick takes the rest. Without it, a storm that
        /// makes 500 parcels due and alerting at once (each alert composes its messages and
        /// tickets, 1–2 ms) would hold the writer for most of a second.
        public var tickBudget: Duration

        public init(
            batchSize: Int = 500, maximumSleep: Duration = .seconds(30), persistInterval: Duration = .seconds(30),
            tickBudget: Duration = .milliseconds(50)
        ) {
            self.batchSize = batchSize
            self.maximumSleep = maximumSleep
            self.persistInterval = persistInterval
            self.tickBudget = tickBudget
        }
    }

    /// What one tick did.
    public struct TickReport: Sendable, Hashable {
        public var evaluated = 0
        public var raised = 0
        public var closed = 0
        /// Scheduler wake-ups (replays add up several ticks).
        public var ticks = 1
        /// The longest of them, waiting for the writer included.
        public var longestTick = Duration.zero
        public init() {}
    }

    private let model: AlertModel
    private let database: any DatabaseReader
    private let writer: GroupCommitWriter
    private let recorder: AlertRecorder
    private let options: Options
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let wakeup = Wakeup()
    private let raised: MetricHandles
    private let tickDuration: Metrics.Timer
    private let tickSizes: Recorder

    public init(
        model: AlertModel,
        database: any DatabaseReader,
        writer: GroupCommitWriter,
        options: Options = Options(),
        clock: @escaping @Sendable () -> Date = { Date() },
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "delaygate.scheduler")
    ) {
        self.model = model
        self.database = database
        self.writer = writer
        self.recorder = AlertRecorder(playbook: model.playbook, planner: model.planner)
        self.options = options
        self.clock = clock
        self.logger = logger
        self.raised = MetricHandles(factory: metricsFactory)
        self.tickDuration = Metrics.Timer(label: "delaygate_scheduler_tick_duration_seconds", factory: metricsFactory)
        self.tickSizes = Recorder(label: "delaygate_scheduler_tick_shipments", factory: metricsFactory)
    }

    /// Wakes the loop early (news arrived).
    public func wake() {
        wakeup.signal()
    }

    /// Evaluates the shipments due at `now` (one batch of up to `batchSize`) and records what
    /// they raise.
    ///
    /// A direct call judges every shipment of the batch whatever it takes (replays and tests see
    /// whole batches); the running service also stops at ``Options/tickBudget``.
    @discardableResult
    public func tick(now: Date) async throws -> TickReport {
        try await tick(now: now, budget: nil).report
    }

    /// One tick of at most `batchSize` shipments, cut short once its work inside the transaction
    /// has taken `budget`; says whether shipments it read as due were left for the next tick.
    private func tick(now: Date, budget: Duration?) async throws -> (report: TickReport, cutShort: Bool) {
        let started = ContinuousClock.now
        let evaluator = model.evaluator()
        let disruptions = model.disruptions(notEndedAt: now)
        let recorder = self.recorder
        let model = self.model
        let limit = options.batchSize
        let (report, cutShort) = try await writer.write { db -> (TickReport, Bool) in
            // Timed inside the transaction: waiting for the writer is not this tick's cost.
            let began = ContinuousClock.now
            var report = TickReport()
            let due = try ShipmentStore.due(at: now, limit: limit, in: db)
            for key in due {
                let recorded = try Self.evaluate(
                    key, evaluator: evaluator, disruptions: disruptions, feedback: model.feedbackFactor(for:),
                    recorder: recorder, at: now, in: db)
                report.evaluated += 1
                report.raised += recorded.raised.count
                report.closed += recorded.closed
                if let budget, ContinuousClock.now - began >= budget { break }
            }
            return (report, report.evaluated < due.count)
        }
        var timed = report
        timed.longestTick = ContinuousClock.now - started
        tickDuration.record(duration: timed.longestTick)
        if report.evaluated > 0 { tickSizes.record(report.evaluated) }
        return (timed, cutShort)
    }

    /// Judges one shipment now and schedules its next check.
    static func evaluate(
        _ key: ShipmentKey, evaluator: AlertEvaluator, disruptions: [DisruptionNotice],
        feedback: (String?) -> Double, recorder: AlertRecorder, at now: Date, in db: Database
    ) throws -> AlertRecorder.Report {
        guard let shipment = try ShipmentStore.shipment(key, in: db) else {
            try ShipmentStore.setNextCheck(key, at: nil, in: db)
            return AlertRecorder.Report()
        }
        return try judge(
            shipment, order: try OrderStore.ordersToJudge(for: key, in: db).first, evaluator: evaluator,
            disruptions: disruptions, feedback: feedback, recorder: recorder, at: now, in: db)
    }

    /// Judges a shipment whose state the caller holds (the scheduler read it; normalization just
    /// wrote it), records what it finds, and stores its next check.
    static func judge(
        _ shipment: Shipment, order: Order?, evaluator: AlertEvaluator, disruptions: [DisruptionNotice],
        feedback: (String?) -> Double, recorder: AlertRecorder, at now: Date, in db: Database
    ) throws -> AlertRecorder.Report {
        let key = shipment.key
        // Only customs milestones read the newest event's details; the others skip the query.
        let details =
            AlertEvaluator.readsLatestDetails(at: shipment.milestone)
            ? try EventStore.latestDetails(for: key, milestone: shipment.milestone, in: db) : EventDetails()
        let context = ShipmentContext(
            shipment: shipment, origin: shipment.origin, latestDetails: details, order: order,
            disruptions: disruptions, feedbackFactor: feedback(shipment.node.identifier))
        let assessment = evaluator.assess(context, now: now)
        let report = try recorder.record(assessment, for: shipment, order: order, at: now, in: db)
        // A deadline never lies in the past: that would make the same shipment due forever.
        let next = assessment.nextCheckAt.map { max($0, now.addingTimeInterval(1)) }
        if next != shipment.nextCheckAt { try ShipmentStore.setNextCheck(key, at: next, in: db) }
        return report
    }

    /// Writes what was learned since the last call.
    public func persistLearnedState() async throws {
        let (baselines, lanes) = model.takeChanges()
        guard !baselines.isEmpty || !lanes.isEmpty else { return }
        let now = clock()
        try await writer.write { db in
            try LearnedStateStore.save(baselines, in: .baselines, at: now, in: db)
            try LearnedStateStore.save(lanes, in: .lanes, at: now, in: db)
        }
    }

    public func run() async throws {
        var lastPersist = ContinuousClock.now
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    let (report, cutShort) = try await tick(now: clock(), budget: options.tickBudget)
                    for _ in 0..<report.raised { raised.alerts.increment() }
                    if ContinuousClock.now - lastPersist >= options.persistInterval {
                        try await persistLearnedState()
                        lastPersist = ContinuousClock.now
                    }
                    if cutShort || report.evaluated == options.batchSize { continue }  // more are due
                    let next = try await database.read { db in try ShipmentStore.nextDue(in: db) }
                    let wait = next.map {
                        Duration.milliseconds(Int64(max(0, $0.timeIntervalSince(clock())) * 1000) + 1)
                    }
                    await wakeup.wait(for: min(wait ?? options.maximumSleep, options.maximumSleep))
                } catch is CancellationError {
                    break  // stopping: not a failure
                } catch {
                    logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
                    await wakeup.wait(for: .seconds(1))
                }
            }
        } onGracefulShutdown: {
            self.wakeup.signal()
        }
        do {
            try await persistLearnedState()
        } catch {
            logger.error("could not persist learned state at shutdown", metadata: ["error": "\(error)"])
        }
    }
}

/// The scheduler's counters.
struct MetricHandles: Sendable {
    let alerts: Counter

    init(factory: any MetricsFactory) {
        alerts = Counter(label: "delaygate_alerts_raised_total", factory: factory)
    }
}

/// A one-slot wake-up signal for service loops: ``wait(for:)`` returns after the duration or as
/// soon as ``signal()`` is called; a signal sent while nobody waits is kept for the next wait.
///
/// Any number of tasks may signal, but only one may wait at a time (the loop it wakes); a second
/// concurrent waiter is a programming error and stops the process.
public final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
        /// The wait whose time ran out: its timer may fire before the wait stores its waiter.
        var expired = 0
        /// A signal is registered for the end of the writer's open transaction.
        var armed = false
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Signals once the transaction open on `db` commits. Any number of calls within one
    /// transaction register one observer: a tick that plans hundreds of deliveries would
    /// otherwise add one per alert, each of them told about every later statement.
    public func signal(afterCommitOf db: Database) {
        let first = state.withLock { state in
            defer { state.armed = true }
            return !state.armed
        }
        guard first else { return }
        db.afterNextTransaction { _ in
            self.state.withLock { $0.armed = false }
            self.signal()
        } onRollback: { _ in
            self.state.withLock { $0.armed = false }
        }
    }

    /// Whether a wait is suspended, waiting for a signal, its time or its cancellation.
    public var isWaiting: Bool {
        state.withLock { $0.waiter != nil }
    }

    /// Returns after `duration`, or earlier when signalled or when the calling task is cancelled.
    public func wait(for duration: Duration) async {
        let generation = state.withLock { state -> Int? in
            if state.signalled {
                state.signalled = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        let timer = Task {
            // Cancelled: the wait is over.
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard state.generation == generation else { return nil }
                // Run out even if the wait has not stored its waiter yet (a short sleep, a busy
                // machine): it then returns at once instead of waiting for a signal.
                state.expired = generation
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    // Cancellation is flagged before its handler runs: checked here under the lock,
                    // a cancellation that came before the waiter was stored is never missed.
                    if Task.isCancelled || state.expired == generation { return true }
                    if state.signalled {
                        state.signalled = false
                        return true
                    }
                    precondition(state.waiter == nil, "a Wakeup has one waiter at a time")
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            // Resumes the waiter, if it still waits; unlike a signal, leaves nothing behind for a
            // later wait.
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        timer.cancel()
    }
}
