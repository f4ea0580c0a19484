import DelayGateAdapters
import DelayGateStorage
import DequeModule
import Foundation
import GRDB
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Normalizes accepted deliveries into events and shipment state, in batches, behind the
/// acknowledgement the sender already received.
///
/// The ingest path hands each committed delivery over in memory (already parsed, so the body
/// is parsed once), and the normalizer writes a whole batch through the group-commit writer.
/// The inbox stays the source of truth: at start-up, after a failed write and whenever the
/// in-memory queue overflowed, the normalizer reads `pending` rows back from the inbox and
/// parses them again. Applying a delivery twice is harmless (events are keyed, inbox updates
/// are conditional), so the two paths may overlap.
public final class Normalizer: Service, Sendable {
    public struct Options: Sendable {
        /// Most deliveries in one transaction.
        public var batchSize: Int
        /// Deliveries held in memory; beyond this they are read back from the inbox.
        public var queueCapacity: Int
        /// How long to let deliveries gather before normalizing a batch that is not full. Larger
        /// batches share index pages and cost less per delivery; the delay adds to normalize lag.
        public var maxDelay: Duration
        /// Pause after a failed write before trying again from the inbox.
        public var retryDelay: Duration
        /// About how long one batch may take inside its transaction, which every webhook's
        /// commit waits for. The first batch holds at most ``initialBatchLimit`` deliveries. A
        /// batch that took longer than the budget shrinks the next in proportion (to 80 % of
        /// what would have fit, and at most half of what it did); a full batch that took less
        /// than half of it doubles the next (up to `batchSize`). A backlog of deliveries that
        /// alert (a crash's pending rows, a carrier's bulk push of exceptions) would otherwise
        /// be normalized 1,024 at a time, holding the writer for seconds.
        public var batchBudget: Duration

        /// The most deliveries of the first batch, and of the start-up scan's first page.
        public var initialBatchLimit: Int { min(batchSize, 64) }

        public init(
            batchSize: Int = 1024,
            queueCapacity: Int = 100_000,
            maxDelay: Duration = .milliseconds(20),
            retryDelay: Duration = .seconds(1),
            batchBudget: Duration = .milliseconds(100)
        ) {
            self.batchSize = batchSize
            self.queueCapacity = queueCapacity
            self.maxDelay = maxDelay
            self.retryDelay = retryDelay
            self.batchBudget = batchBudget
        }

        /// The most deliveries of the next batch, after one limited to `limit` that normalized
        /// `count` of them in `work`.
        public func nextBatchLimit(after limit: Int, count: Int, took work: Duration) -> Int {
            if work > batchBudget {
                let done = min(limit, count)
                let fitting = Double(done) * (batchBudget / work) * 0.8
                return max(1, min(done / 2, Int(fitting)))
            }
            if count >= limit && work * 2 < batchBudget { return min(batchSize, limit * 2) }
            return limit
        }
    }

    private struct State: ~Copyable {
        var queue = Deque<AcceptedDelivery>()
        var waiter: CheckedContinuation<Void, Never>?
        var needsInboxScan = true
        /// The highest inbox id the next scan needs to read: at start-up, the last row committed
        /// before this process existed (later rows come through the queue); nil for no bound.
        var scanLimit: Int64?
        var isStopping = false
        /// A batch or an inbox scan is being normalized.
        var isWorking = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
        /// The most deliveries of the next batch (see ``Options/batchBudget``).
        var batchLimit: Int

        var isIdle: Bool { queue.isEmpty && !needsInboxScan && !isWorking }
    }

    private let database: any DatabaseWriter
    private let writer: GroupCommitWriter
    private let catalog: AdapterCatalog
    private let options: Options
    private let clock: @Sendable () -> Date
    private let observer: (any NormalizationObserver)?
    private let logger: Logger
    private let state: Mutex<State>
    private let metrics: NormalizerMetrics

    public init(
        database: any DatabaseWriter,
        writer: GroupCommitWriter,
        catalog: AdapterCatalog,
        options: Options = Options(),
        clock: @escaping @Sendable () -> Date = { Date() },
        observer: (any NormalizationObserver)? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "delaygate.normalizer")
    ) {
        self.observer = observer
        self.database = database
        self.writer = writer
        self.catalog = catalog
        self.options = options
        self.clock = clock
        self.logger = logger
        self.metrics = NormalizerMetrics(factory: metricsFactory)
        self.state = Mutex(State(batchLimit: options.initialBatchLimit))
        // Rows committed from now on arrive through `submit`; only older pending rows (left by a
        // crash) need the start-up scan. Reading the bound here, before any service runs, keeps
        // the scan from normalizing a fresh delivery a second time.
        // If the read fails the scan is unbounded: slower, never wrong.
        let lastExisting = try? database.read { db in
            try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM inbox") ?? 0
        }
        state.withLock { $0.scanLimit = lastExisting }
    }

    /// Queues a committed delivery; never blocks. When the queue is full the delivery is left
    /// to the next inbox scan.
    public func submit(_ delivery: AcceptedDelivery) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.queue.count >= options.queueCapacity {
                state.needsInboxScan = true
                state.scanLimit = nil
            } else {
                state.queue.append(delivery)
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Deliveries waiting in memory.
    public var queueDepth: Int {
        state.withLock { $0.queue.count }
    }

    /// Returns once everything submitted so far, and every pending inbox row found by a scan, is
    /// normalized (or the normalizer has stopped).
    public func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                if state.isIdle { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    /// Normalizes until graceful shutdown, then finishes what is queued and returns.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await self.loop()
            } onCancel: {
                self.beginStopping()
            }
        } onGracefulShutdown: {
            self.beginStopping()
        }
    }

    private func loop() async {
        while true {
            let scan = takeInboxScanRequest()
            if scan.due {
                await scanInbox(upTo: scan.limit)
                finishWork()
            }
            guard let batch = await nextBatch() else {
                finishWork()
                return
            }
            await normalize(batch.map(InboxNormalization.Item.init))
            finishWork()
        }
    }

    /// Marks the current batch or scan done and wakes ``waitUntilIdle()`` callers when idle.
    private func finishWork() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isWorking = false
            guard state.isIdle || state.isStopping else { return [] }
            defer { state.idleWaiters.removeAll() }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func beginStopping() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.isStopping = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether a scan is due, and up to which id.
    private func takeInboxScanRequest() -> (due: Bool, limit: Int64?) {
        state.withLock { state in
            defer {
                state.needsInboxScan = false
                state.scanLimit = nil
            }
            if state.needsInboxScan { state.isWorking = true }
            return (state.needsInboxScan, state.scanLimit)
        }
    }

    private func nextBatch() async -> [AcceptedDelivery]? {
        while true {
            enum Step {
                case batch([AcceptedDelivery])
                case scan, wait, finish
            }
            let step = state.withLock { state -> Step in
                if !state.queue.isEmpty {
                    let count = min(state.batchLimit, state.queue.count)
                    let batch = Array(state.queue.prefix(count))
                    state.queue.removeFirst(count)
                    state.isWorking = true
                    metrics.queueDepth.record(state.queue.count)
                    return .batch(batch)
                }
                if state.needsInboxScan { return .scan }
                return state.isStopping ? .finish : .wait
            }
            switch step {
            case .batch(var batch):
                let limit = state.withLock { $0.batchLimit }
                if (batch.count < limit) && (options.maxDelay > .zero) {
                    try? await Task.sleep(for: options.maxDelay)
                    batch += state.withLock { state in
                        let count = min(max(0, limit - batch.count), state.queue.count)
                        defer { state.queue.removeFirst(count) }
                        return Array(state.queue.prefix(count))
                    }
                }
                return batch
            case .scan: return []
            case .finish: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.queue.isEmpty || state.isStopping || state.needsInboxScan { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Reads pending rows back from the inbox, parses and normalizes them.
    private func scanInbox(upTo limit: Int64?) async {
        var afterID: Int64 = 0
        while afterID < (limit ?? .max) {
            let records: [InboxRecord]
            do {
                let batchLimit = state.withLock { $0.batchLimit }
                records = try await database.read { [afterID] db in
                    try InboxStore.pending(afterID: afterID, limit: batchLimit, in: db)
                }
            } catch is CancellationError {
                return  // The rows wait for the start-up scan of the next run.
            } catch {
                logger.error("cannot read pending inbox rows", metadata: ["error": "\(error)"])
                await requestScanAfterPause()
                return
            }
            let inRange = records.filter { $0.id <= (limit ?? .max) }
            guard let last = inRange.last else { return }
            if afterID == 0 {
                logger.info("normalizing inbox rows left pending", metadata: ["from_id": "\(records[0].id)"])
            }
            let items = inRange.map { InboxNormalization.Item(record: $0, catalog: catalog) }
            guard await normalize(items) else { return }
            afterID = last.id
        }
    }

    /// Writes one batch; false when the write failed (the rows stay pending for a later scan).
    @discardableResult
    private func normalize(_ items: [InboxNormalization.Item]) async -> Bool {
        guard !items.isEmpty else { return true }
        let (clock, observer) = (self.clock, self.observer)
        do {
            // `apply` isolates failing items itself, so the job needs no savepoint of its own.
            // Timed inside the transaction: waiting for the writer is not this batch's cost.
            let (summary, work) = try await writer.write(isolated: false) { db in
                let began = ContinuousClock.now
                let summary = try InboxNormalization.apply(items, at: clock(), in: db, observer: observer)
                return (summary, ContinuousClock.now - began)
            }
            state.withLock { state in
                state.batchLimit = options.nextBatchLimit(after: state.batchLimit, count: items.count, took: work)
            }
            metrics.batchSizes.record(items.count)
            observer?.committed()
            let committed = clock()
            for item in items {
                metrics.lag.record(duration: .milliseconds(Int64(committed.timeIntervalSince(item.receivedAt) * 1000)))
            }
            metrics.eventsStored.increment(by: summary.eventsInserted)
            metrics.eventsDuplicate.increment(by: summary.duplicateEvents)
            for adapter in summary.rejectedAdapters {
                metrics.failures[adapter].increment()
            }
            return true
        } catch {
            logger.error(
                "normalization write failed; rows stay pending",
                metadata: ["rows": "\(items.count)", "error": "\(error)"])
            await requestScanAfterPause()
            return false
        }
    }

    private func requestScanAfterPause() async {
        // A back-off after a failed read or write (database busy, disk full), so that a
        // persistent fault does not spin; the rows wait safely in the inbox meanwhile.
        // Once cancelled, reads fail and sleeps end at once: asking for another scan then would
        // spin, so the rows are left for the start-up scan of the next run.
        do {
            try await Task.sleep(for: options.retryDelay)
        } catch {
            return
        }
        state.withLock { state in
            // A stopping normalizer finishes its queue only; the inbox keeps the rest.
            if !state.isStopping { state.needsInboxScan = true }
        }
    }
}

/// The normalizer's metrics.
struct NormalizerMetrics: Sendable {
    let failures: MetricHandles<Counter>
    let lag: Metrics.Timer
    let eventsStored: Counter
    let eventsDuplicate: Counter
    let queueDepth: Gauge
    let batchSizes: Recorder

    init(factory: any MetricsFactory) {
        failures = MetricHandles(counter: "delaygate_normalize_failures_total", labels: ["adapter"], factory: factory)
        lag = Metrics.Timer(label: "delaygate_normalize_lag_seconds", factory: factory)
        eventsStored = Counter(label: "delaygate_events_stored_total", factory: factory)
        eventsDuplicate = Counter(label: "delaygate_events_duplicate_total", factory: factory)
        queueDepth = Gauge(label: "delaygate_normalize_queue_depth", factory: factory)
        batchSizes = Recorder(label: "delaygate_normalize_batch_deliveries", factory: factory)
    }
}
