// `swift run -c release outbox-benchmark [deliveries] [concurrency] [--claims-only]`: how fast the
// dispatcher delivers to a loopback receiver (the generic-http kind against the mock receiver), and
// what a claim costs as the queue grows (`--claims-only` skips the delivery run, for queues of a
// million rows). The last line is machine-readable (`outbox_benchmark rows=… claim_us=… deliveries_per_s=…`).

import DelayGateConfig
import DelayGateMocks
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let deliveries = arguments.first ?? 20_000
let concurrency = arguments.dropFirst().first ?? 64
let claimsOnly = CommandLine.arguments.contains("--claims-only")

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-benchmark-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

let receiver = MockHTTPReceiver()
let router = Router(context: MockRequestContext.self)
receiver.register(on: router)

func timed<T>(_ work: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let value = try await work()
    return (value, ContinuousClock.now - start)
}

/// CPU time of the whole process so far (all threads: the dispatcher, the HTTP client, the mock
/// receiver and SQLite), steadier than wall-clock time on a shared machine.
func processCPU() -> Duration {
    .microseconds(Int64(clock()) * 1_000_000 / Int64(CLOCKS_PER_SEC))
}
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

try await MockServer.run(router) { baseURL in
    let adapterFolder = folder.appendingPathComponent("outbound")
    try FileManager.default.createDirectory(at: adapterFolder, withIntermediateDirectories: true)
    try """
    kind: generic-http
    url: \(baseURL)/hooks/benchmark
    concurrency: \(concurrency)
    """.write(to: adapterFolder.appendingPathComponent("hook.yaml"), atomically: true, encoding: .utf8)
    let loaded = OutboundCatalog.load(directory: adapterFolder.path, environment: [:])
    if let error = loaded.errors.first { throw error }
    let adapter = loaded.catalog.adapter(named: "hook")!
    let database = try GatewayDatabase.open(at: folder.appendingPathComponent("outbox.sqlite").path)
    // generic-http adds the key header at send time, so every row can share one rendered request.
    let request = try adapter.render(
        OutboundMessage(
            purpose: .customerNotice, idempotencyKey: "bench", recipient: .init(phone: "+8613800138000"),
            body: "您的订单可能延误1–2天", level: "warning", scenario: "dwell")
    ).encoded()
    let now = Date()
    /// Enqueues `deliveries` rows keyed `<prefix>:<index>` in one transaction.
    func enqueueAll(prefix: String) async throws {
        try await database.write { db in
            for index in 0..<deliveries {
                try OutboxStore.enqueue(
                    NewDelivery(
                        idempotencyKey: "\(prefix):\(index)", alertID: nil, action: "notify_customer", adapter: "hook",
                        request: request), at: now, in: db)
            }
        }
    }
    let (_, enqueueTime) = try await timed { try await enqueueAll(prefix: "bench") }
    print(
        "enqueue \(deliveries) deliveries: \(String(format: "%.1f", Double(deliveries) / seconds(enqueueTime))) rows/s (one transaction)"
    )

    // Claim cost with the whole queue pending: claim and release 64 rows, 200 times.
    let (_, claimTime) = try await timed {
        for _ in 0..<200 {
            try await database.write { db in
                let rows = try OutboxStore.claim(adapter: "hook", limit: 64, now: now, lease: .seconds(60), in: db)
                for row in rows {
                    try OutboxStore.markRetry(
                        id: row.id, attempt: row.attempts, next: now, status: nil, error: "benchmark", at: now, in: db)
                }
            }
        }
    }
    try await database.write { db in try db.execute(sql: "UPDATE outbox SET attempts = 0") }
    print(
        "claim 64 of \(deliveries) pending (and release them): \(String(format: "%.0f", seconds(claimTime) / 200 * 1e6)) µs per claim, \(String(format: "%.1f", seconds(claimTime) / 200 / 64 * 1e6)) µs per row"
    )

    let claimMicroseconds = seconds(claimTime) / 200 * 1e6
    if claimsOnly {
        print(String(format: "outbox_benchmark rows=%d claim_us=%.0f", deliveries, claimMicroseconds))
        return
    }
    var logger = Logger(label: "benchmark")
    logger.logLevel = .warning
    let writer = GroupCommitWriter(database: database, logger: logger)
    let dispatcher = OutboxDispatcher(
        database: database, writer: writer, catalog: loaded.catalog, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [writer], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let drainCPU = processCPU()
        let (report, deliveryTime) = try await timed { try await dispatcher.drain(now: now) }
        let drainCPUMicroseconds = seconds(processCPU() - drainCPU) / Double(max(1, report.delivered)) * 1e6
        let rate = Double(report.delivered) / seconds(deliveryTime)
        print(
            "deliver \(report.delivered) (concurrency \(concurrency), loopback HTTP, drain(now:)): \(String(format: "%.0f", rate)) deliveries/s (process CPU \(String(format: "%.0f", drainCPUMicroseconds)) µs each), \(report.retried) retried, \(report.dead) dead; receiver saw \(receiver.created.count) unique keys"
        )
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()

        // The same again through the dispatcher's service loop (`run()`, as `delaygate serve` runs
        // it): a fresh queue of as many rows, timed until the receiver has seen every key.
        try await enqueueAll(prefix: "service")
        let serviceWriter = GroupCommitWriter(database: database, logger: logger)
        let service = OutboxDispatcher(
            database: database, writer: serviceWriter, catalog: loaded.catalog, logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(services: [serviceWriter, service], logger: logger))
        let expected = 2 * deliveries
        let serviceCPU = processCPU()
        let (_, serviceTime) = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await serviceGroup.run() }
                await receiver.waitUntil { $0.created.count >= expected }
                await serviceGroup.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
        let settled = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") ?? 0
        }
        let serviceCPUMicroseconds = seconds(processCPU() - serviceCPU) / Double(deliveries) * 1e6
        let serviceRate = Double(deliveries) / seconds(serviceTime)
        print(
            "deliver \(deliveries) more through the service loop (run(), until the receiver saw them all and the dispatcher stopped): \(String(format: "%.0f", serviceRate)) deliveries/s (process CPU \(String(format: "%.0f", serviceCPUMicroseconds)) µs each); \(settled) rows delivered in all, receiver saw \(receiver.created.count) unique keys, \(receiver.duplicateKeyHits) repeats"
        )
        print(
            String(
                format:
                    "outbox_benchmark rows=%d concurrency=%d claim_us=%.0f deliveries_per_s=%.0f service_deliveries_per_s=%.0f cpu_us=%.0f service_cpu_us=%.0f delivered=%d dead=%d",
                deliveries, concurrency, claimMicroseconds, rate, serviceRate, drainCPUMicroseconds,
                serviceCPUMicroseconds, report.delivered, report.dead))
    }
}
