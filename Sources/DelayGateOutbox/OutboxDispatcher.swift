import DelayGateEngine
import DelayGateIngest
import DelayGateOutbound
import DelayGateStorage
import Foundation
import GRDB
import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers the outbox: claims due rows with a lease, sends them through their adapters with
/// bounded concurrency per adapter, and settles each attempt.
///
/// - A crash mid-delivery leaves the row in flight; once its lease expires it is claimed again,
///   and the receiver recognises the repeated idempotency key.
/// - Transient failures back off exponentially, spread by the retry's jitter, or wait as long as the
///   receiver's `Retry-After` says; after the last attempt the row is dead.
/// - Permanent failures are dead at once, with the receiver's answer kept.
/// - Adapters whose secrets are unset are not claimed: their rows wait, attempts untouched.
public final class OutboxDispatcher: Service, Sendable {
    /// What a ``drain(now:)`` did.
    public struct Report: Sendable, Hashable {
        public var delivered = 0
        public var retried = 0
        public var dead = 0
        public init() {}

        mutating func count(_ settled: Settled) {
            switch settled {
            case .delivered: delivered += 1
            case .retried: retried += 1
            case .dead: dead += 1
            case .lost: break
            }
        }
    }

    private let database: any DatabaseReader
    private let writer: GroupCommitWriter
    private let catalog: OutboundCatalog
    private let retry: ActionSettings.Retry
    private let dispatch: ActionSettings.Dispatch
    private let http: OutboundHTTP
    private let clock: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let logger: Logger
    /// Signalled when deliveries are enqueued, and when finished ones free enough slots to claim more.
    public let wakeup: Wakeup
    private let inFlight = Mutex<[String: Int]>([:])
    private let metrics: DispatcherMetrics
    /// Where each attempt's outcome is counted, per adapter.
    public let health: AdapterHealth

    /// - Parameters:
    ///   - http: how requests are sent; by default the shared outbound client with the dispatch
    ///     timeout and `clock`, so that `Retry-After` dates are read on the dispatcher's clock.
    ///   - clock: the time deliveries are claimed and settled at (``drain(now:)`` uses its own).
    public init(
        database: any DatabaseReader,
        writer: GroupCommitWriter,
        catalog: OutboundCatalog,
        retry: ActionSettings.Retry = .init(),
        dispatch: ActionSettings.Dispatch = .init(),
        http: OutboundHTTP? = nil,
        wakeup: Wakeup = Wakeup(),
        clock: @escaping @Sendable () -> Date = { Date() },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        health: AdapterHealth = AdapterHealth(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "delaygate.outbox")
    ) {
        self.health = health
        self.database = database
        self.writer = writer
        self.catalog = catalog
        self.retry = retry
        self.dispatch = dispatch
        self.http =
            http
            ?? OutboundHTTP(
                timeout: .nanoseconds(Int64(dispatch.timeout.components.seconds) * 1_000_000_000), clock: clock)
        self.wakeup = wakeup
        self.clock = clock
        self.random = random
        self.logger = logger
        self.metrics = DispatcherMetrics(adapters: catalog.names, factory: metricsFactory)
    }

    /// Adapters that can deliver now (their secrets are set).
    private var readyAdapters: [any OutboundAdapter] {
        catalog.names.compactMap { catalog.adapter(named: $0) }.filter { $0.missingSecrets.isEmpty }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var lastGauge = ContinuousClock.now - .seconds(60)
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    do {
                        let claimed = try await claim(now: clock())
                        for (adapter, row) in claimed {
                            group.addTask {
                                await self.attempt(row, with: adapter)
                                self.release(adapter)
                            }
                        }
                        if ContinuousClock.now - lastGauge >= .seconds(5) {
                            try await updateDepth()
                            lastGauge = ContinuousClock.now
                        }
                        if !claimed.isEmpty { continue }
                        await wakeup.wait(for: try await sleepTime())
                    } catch is CancellationError {
                        break  // stopping: not a failure
                    } catch {
                        logger.error("outbox dispatch failed", metadata: ["error": "\(error)"])
                        await wakeup.wait(for: .seconds(1))
                    }
                }
            }
        } onGracefulShutdown: {
            self.wakeup.signal()
        }
    }

    /// Delivers every delivery due at `now` (and what falls due while it runs is left for later);
    /// returns once all of them have been attempted and settled. For tests, the demo and the
    /// benchmark.
    ///
    /// Deliveries are kept flowing as ``run()`` keeps them: freed slots are claimed again while
    /// the rest are still in flight, rather than waiting for a whole batch to finish.
    @discardableResult
    public func drain(now: Date) async throws -> Report {
        // `Retry-After` dates are read from the drain's instant too.
        let http = OutboundHTTP(
            client: self.http.client, timeout: self.http.timeout, maxAnswerBytes: self.http.maxAnswerBytes,
            clock: { now })
        return try await withThrowingTaskGroup(of: Settled.self) { group in
            var report = Report()
            var running = 0
            while true {
                let (claimed, saturated) = try await claimReportingSaturation(now: now)
                for (adapter, row) in claimed {
                    group.addTask {
                        let settled = await self.attempt(row, with: adapter, using: http, now: now)
                        self.release(adapter)
                        return settled
                    }
                }
                running += claimed.count
                guard running > 0 else {
                    try await updateDepth()
                    return report
                }
                // Wait for one attempt, then for more until enough slots are free to claim again
                // for an adapter that may have more due rows (one that was given all it asked for).
                repeat {
                    guard let settled = try await group.next() else { break }
                    running -= 1
                    report.count(settled)
                } while running > 0
                    && !readyAdapters.contains(where: { saturated.contains($0.name) && claimable(for: $0) > 0 })
            }
        }
    }

    /// How long to sleep: until the next due row of an adapter with a free slot, at most the
    /// configured maximum (completions and new deliveries wake the loop earlier).
    private func sleepTime() async throws -> Duration {
        let now = clock()
        let adapters = readyAdapters.filter { claimable(for: $0) > 0 }.map(\.name)
        // Nothing can be claimed until a completion frees slots, and completions wake the loop.
        guard !adapters.isEmpty else { return dispatch.maximumSleep }
        let next = try await database.read { db in
            try adapters.compactMap { try OutboxStore.nextDue(adapter: $0, in: db) }.min()
        }
        guard let next else { return dispatch.maximumSleep }
        // Fell due since the claim (or the clock jumped ahead): claim again at once.
        guard next > now else { return .zero }
        return min(dispatch.maximumSleep, .milliseconds(Int64(next.timeIntervalSince(now) * 1000) + 1))
    }

    private func free(for adapter: any OutboundAdapter) -> Int {
        adapter.concurrency - inFlight.withLock { $0[adapter.name, default: 0] }
    }

    /// How many rows to claim for `adapter` now: its free slots once at least a quarter of them
    /// are free (or all, when it has nothing in flight), otherwise none. Claiming a freed slot
    /// at a time would cost a write transaction per delivery.
    private func claimable(for adapter: any OutboundAdapter) -> Int {
        let free = free(for: adapter)
        return free >= max(1, adapter.concurrency / 4) || free == adapter.concurrency ? free : 0
    }

    /// Frees a slot of `adapter`; wakes the claiming loop when that makes the adapter claimable
    /// (see ``claimable(for:)``) rather than at every completion, each of which cost the loop
    /// a turn that claimed nothing.
    private func release(_ adapter: any OutboundAdapter) {
        let free = inFlight.withLock { counts in
            counts[adapter.name, default: 0] -= 1
            return adapter.concurrency - counts[adapter.name, default: 0]
        }
        if free == max(1, adapter.concurrency / 4) { wakeup.signal() }
    }

    /// Claims due rows for every ready adapter, up to its free slots, in one transaction.
    private func claim(now: Date) async throws -> [(any OutboundAdapter, OutboxRow)] {
        try await claimReportingSaturation(now: now).rows
    }

    /// ``claim(now:)``, also naming the adapters that were given every row they asked for (the
    /// others have no more rows due).
    private func claimReportingSaturation(
        now: Date
    ) async throws -> (rows: [(any OutboundAdapter, OutboxRow)], saturated: Set<String>) {
        let wanted = readyAdapters.map { ($0, claimable(for: $0)) }.filter { $0.1 > 0 }
        guard !wanted.isEmpty else { return ([], []) }
        let lease = dispatch.lease
        let names = wanted.map { ($0.0.name, $0.1) }
        let rows = try await writer.write { db in
            try names.flatMap { name, limit in
                try OutboxStore.claim(adapter: name, limit: limit, now: now, lease: lease, in: db)
            }
        }
        var claimed: [String: Int] = [:]
        for row in rows { claimed[row.adapter, default: 0] += 1 }
        inFlight.withLock { counts in
            for (adapter, count) in claimed { counts[adapter, default: 0] += count }
        }
        let saturated = Set(names.filter { name, limit in claimed[name, default: 0] >= limit }.map(\.0))
        return (rows.compactMap { row in catalog.adapter(named: row.adapter).map { ($0, row) } }, saturated)
    }

    enum Settled {
        case delivered, retried, dead
        /// The lease was lost to another claim (the row was settled by the newer attempt).
        case lost
    }

    /// Sends one claimed row and settles the attempt.
    @discardableResult
    private func attempt(
        _ row: OutboxRow, with adapter: any OutboundAdapter, using http: OutboundHTTP? = nil, now fixed: Date? = nil
    ) async -> Settled {
        let http = http ?? self.http
        let outcome: DeliveryOutcome
        do {
            let request = try OutboundRequest.decode(row.request)
            outcome = await adapter.deliver(request, idempotencyKey: row.idempotencyKey, using: http)
        } catch {
            outcome = .permanent(status: nil, error: "the stored request cannot be read: \(error)", response: nil)
        }
        let now = fixed ?? clock()
        // The fencing token is the row's attempt number; the retry budget counts from its last replay.
        let attempt = row.attempts
        let budgetUsed = row.attemptsSinceReplay
        let settled: Settled
        let change: @Sendable (Database) throws -> Bool
        switch outcome {
        case .delivered(let status, let receipt):
            settled = .delivered
            change = { db in
                try OutboxStore.markDelivered(
                    id: row.id, attempt: attempt, status: status, receipt: receipt, at: now, in: db)
            }
        case .transient(let status, let retryAfter, let error) where budgetUsed < retry.maxAttempts:
            settled = .retried
            let wait = retryAfter ?? retry.delay(afterAttempt: budgetUsed, random: random())
            let next = now.addingTimeInterval(
                Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18)
            change = { db in
                try OutboxStore.markRetry(
                    id: row.id, attempt: attempt, next: next, status: status, error: error, at: now, in: db)
            }
        case .transient(let status, _, let error):
            settled = .dead
            let reason = "gave up after \(budgetUsed) attempts: \(error)"
            change = { db in
                try OutboxStore.markDead(
                    id: row.id, attempt: attempt, status: status, error: reason, response: nil, at: now, in: db)
            }
        case .permanent(let status, let error, let response):
            settled = .dead
            change = { db in
                try OutboxStore.markDead(
                    id: row.id, attempt: attempt, status: status, error: error, response: response, at: now, in: db)
            }
        }
        do {
            guard try await writer.write(isolated: false, change) else {
                logger.notice(
                    "outbox attempt settled after its lease was taken over",
                    metadata: ["id": "\(row.id)", "adapter": "\(row.adapter)"])
                return .lost
            }
        } catch {
            // Not settled: the lease expires and the row is tried again (the key prevents a duplicate).
            logger.error("could not settle an outbox attempt", metadata: ["id": "\(row.id)", "error": "\(error)"])
            return .lost
        }
        metrics.count(settled, adapter: row.adapter)
        health.record(
            adapter: row.adapter, success: settled == .delivered,
            error: settled == .delivered ? nil : Redaction.maskingPhoneNumbers(Self.error(of: outcome)), at: now)
        if settled == .dead {
            logger.warning(
                "outbox delivery is dead",
                metadata: [
                    "id": "\(row.id)", "adapter": "\(row.adapter)", "action": "\(row.action)",
                    "error": "\(Redaction.maskingPhoneNumbers(Self.error(of: outcome)))",
                ])
        }
        return settled
    }

    static func error(of outcome: DeliveryOutcome) -> String {
        switch outcome {
        case .delivered: ""
        case .transient(_, _, let error), .permanent(_, let error, _): error
        }
    }

    private func updateDepth() async throws {
        let backlog = try await database.read { db in try OutboxStore.backlog(in: db) }
        metrics.depth(backlog)
    }
}

/// The dispatcher's counters and gauges, made once per adapter.
struct DispatcherMetrics: Sendable {
    private let counters: [String: [String: Counter]]
    private let gauges: [OutboxState: Gauge]

    init(adapters: [String], factory: any MetricsFactory) {
        var counters: [String: [String: Counter]] = [:]
        for adapter in adapters {
            for outcome in ["delivered", "retried", "dead"] {
                counters[adapter, default: [:]][outcome] = Counter(
                    label: "delaygate_outbox_attempts_total", dimensions: [("adapter", adapter), ("outcome", outcome)],
                    factory: factory)
            }
        }
        self.counters = counters
        var gauges: [OutboxState: Gauge] = [:]
        for state in [OutboxState.pending, .inFlight, .dead] {
            gauges[state] = Gauge(
                label: "delaygate_outbox_depth", dimensions: [("state", state.rawValue)], factory: factory)
        }
        self.gauges = gauges
    }

    func count(_ settled: OutboxDispatcher.Settled, adapter: String) {
        let outcome: String
        switch settled {
        case .delivered: outcome = "delivered"
        case .retried: outcome = "retried"
        case .dead: outcome = "dead"
        case .lost: return
        }
        counters[adapter]?[outcome]?.increment()
    }

    func depth(_ backlog: [OutboxState: Int]) {
        for (state, gauge) in gauges { gauge.record(backlog[state] ?? 0) }
    }
}
