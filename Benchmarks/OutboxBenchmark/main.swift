// `swift run -c release outbox-benchmark [deliveries] [concurrency] [--claims-only] [--separate-receiver]`:
// how fast the dispatcher delivers to a loopback receiver (the generic-http kind against the mock
// receiver), and what a claim costs as the queue grows (`--claims-only` skips the delivery run, for
// queues of a million rows).
//
// By default the receiver runs in this process, so the process CPU per delivery is the gateway's
// and the receiver's together. `--separate-receiver` starts the receiver as a second process (this
// binary with `--receiver-only`): both still share the machine's cores, but the CPU of each side is
// measured on its own, which says what the gateway itself costs per delivery.
//
// The last line is machine-readable (`outbox_benchmark rows=… claim_us=… deliveries_per_s=…`).

import DelayGateConfig
import DelayGateMocks
import DelayGateOutbound
import DelayGateOutbox
import DelayGateServer
import AsyncHTTPClient
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

// Logging as `delaygate serve` sets it up (the receiver's HTTP server sets a request id on its
// logger per request).
LoggingSystem.bootstrap { label in DeferredMetadataLogHandler.standardError(label: label) }

if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("usage: outbox-benchmark [deliveries] [concurrency] [--claims-only] [--separate-receiver]")
    exit(0)
}
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let deliveries = arguments.first ?? 20_000
let concurrency = arguments.dropFirst().first ?? 64
let claimsOnly = CommandLine.arguments.contains("--claims-only")
let separateReceiver = CommandLine.arguments.contains("--separate-receiver")

/// The mock receiver with a route that answers once it has seen `at_least` unique keys:
/// `GET /seen?at_least=N` → `<unique keys> <repeats>`.
func receiverRouter(_ receiver: MockHTTPReceiver) -> Router<MockRequestContext> {
    let router = Router(context: MockRequestContext.self)
    receiver.register(on: router)
    router.get("seen") { request, _ -> String in
        let wanted = request.uri.queryParameters.get("at_least", as: Int.self) ?? 0
        await receiver.waitUntil { $0.created.count >= wanted }
        return "\(receiver.created.count) \(receiver.duplicateKeyHits)"
    }
    return router
}

// The receiver's own process: prints its base URL, then serves until it is terminated.
if CommandLine.arguments.contains("--receiver-only") {
    try await MockServer.run(receiverRouter(MockHTTPReceiver())) { baseURL in
        FileHandle.standardOutput.write(Data((baseURL + "\n").utf8))
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
    exit(0)
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-benchmark-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }

/// The receiver as the benchmark sees it, in this process or in its own.
struct Receiver: Sendable {
    var baseURL: String
    /// Waits until the receiver has seen `count` unique keys; returns them and the repeats.
    var waitUntilSeen: @Sendable (_ count: Int) async throws -> (unique: Int, repeats: Int)
    /// The receiver process's CPU time so far; nil when it runs in this process.
    var cpu: @Sendable () -> Duration?
}

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

/// CPU time (user + system) of another process, from /proc/<pid>/stat.
func processCPU(pid: Int32) -> Duration? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
    return .microseconds((user + system) * 1_000_000 / Int64(sysconf(Int32(_SC_CLK_TCK))))
}

func benchmark(_ receiver: Receiver) async throws {
    let baseURL = receiver.baseURL
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
        let drainReceiverCPU = receiver.cpu()
        let (report, deliveryTime) = try await timed { try await dispatcher.drain(now: now) }
        let drainCPUMicroseconds = seconds(processCPU() - drainCPU) / Double(max(1, report.delivered)) * 1e6
        let drainReceiverMicroseconds = microseconds(from: drainReceiverCPU, to: receiver.cpu(), per: report.delivered)
        let rate = Double(report.delivered) / seconds(deliveryTime)
        let seenAfterDrain = try await receiver.waitUntilSeen(report.delivered)
        print(
            "deliver \(report.delivered) (concurrency \(concurrency), loopback HTTP, drain(now:)): \(String(format: "%.0f", rate)) deliveries/s (\(cpuText(drainCPUMicroseconds, drainReceiverMicroseconds))), \(report.retried) retried, \(report.dead) dead; receiver saw \(seenAfterDrain.unique) unique keys"
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
        let serviceReceiverCPU = receiver.cpu()
        let (seen, serviceTime) = try await timed {
            try await withThrowingTaskGroup(of: Void.self, returning: (unique: Int, repeats: Int).self) { tasks in
                tasks.addTask { try await serviceGroup.run() }
                let seen = try await receiver.waitUntilSeen(expected)
                await serviceGroup.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return seen
            }
        }
        let settled = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") ?? 0
        }
        let serviceCPUMicroseconds = seconds(processCPU() - serviceCPU) / Double(deliveries) * 1e6
        let serviceReceiverMicroseconds = microseconds(from: serviceReceiverCPU, to: receiver.cpu(), per: deliveries)
        let serviceRate = Double(deliveries) / seconds(serviceTime)
        print(
            "deliver \(deliveries) more through the service loop (run(), until the receiver saw them all and the dispatcher stopped): \(String(format: "%.0f", serviceRate)) deliveries/s (\(cpuText(serviceCPUMicroseconds, serviceReceiverMicroseconds))); \(settled) rows delivered in all, receiver saw \(seen.unique) unique keys, \(seen.repeats) repeats"
        )
        var line = String(
            format:
                "outbox_benchmark rows=%d concurrency=%d claim_us=%.0f deliveries_per_s=%.0f service_deliveries_per_s=%.0f cpu_us=%.0f service_cpu_us=%.0f delivered=%d dead=%d",
            deliveries, concurrency, claimMicroseconds, rate, serviceRate, drainCPUMicroseconds,
            serviceCPUMicroseconds, report.delivered, report.dead)
        if let drainReceiverMicroseconds, let serviceReceiverMicroseconds {
            line += String(
                format: " receiver_cpu_us=%.0f service_receiver_cpu_us=%.0f", drainReceiverMicroseconds,
                serviceReceiverMicroseconds)
        }
        print(line)
    }
}

/// CPU µs per delivery between two readings of the receiver process's CPU; nil in-process.
func microseconds(from start: Duration?, to end: Duration?, per count: Int) -> Double? {
    guard let start, let end else { return nil }
    return seconds(end - start) / Double(max(1, count)) * 1e6
}

func cpuText(_ benchmark: Double, _ receiver: Double?) -> String {
    guard let receiver else { return String(format: "process CPU %.0f µs each, receiver included", benchmark) }
    return String(format: "gateway process CPU %.0f µs each, receiver process %.0f µs each", benchmark, receiver)
}

if separateReceiver {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    child.arguments = ["--receiver-only"]
    let output = Pipe()
    child.standardOutput = output
    try child.run()
    defer {
        child.terminate()
        child.waitUntilExit()
    }
    var line = Data()
    while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
        line += byte
    }
    let baseURL = String(decoding: line, as: UTF8.self)
    guard baseURL.hasPrefix("http://") else { fatalError("the receiver process did not start") }
    let pid = child.processIdentifier
    try await benchmark(
        Receiver(
            baseURL: baseURL,
            waitUntilSeen: { count in
                let answer = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "\(baseURL)/seen?at_least=\(count)"), timeout: .seconds(600))
                let text = String(buffer: try await answer.body.collect(upTo: 1024))
                let numbers = text.split(separator: " ").compactMap { Int($0) }
                guard numbers.count == 2 else { fatalError("the receiver answered '\(text)'") }
                return (numbers[0], numbers[1])
            },
            cpu: { processCPU(pid: pid) }))
} else {
    let receiver = MockHTTPReceiver()
    try await MockServer.run(receiverRouter(receiver)) { baseURL in
        try await benchmark(
            Receiver(
                baseURL: baseURL,
                waitUntilSeen: { count in
                    await receiver.waitUntil { $0.created.count >= count }
                    return (receiver.created.count, receiver.duplicateKeyHits)
                },
                cpu: { nil }))
    }
}
