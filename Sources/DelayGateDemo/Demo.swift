import AsyncHTTPClient
import Crypto
import DelayGateAdapters
import DelayGateAlerting
import DelayGateAuth
import DelayGateConfig
import DelayGateEngine
import DelayGateIngest
import DelayGateMocks
import DelayGateModel
import DelayGateOutbound
import DelayGateServer
import DelayGateSimulation
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The whole loop in one process (`delaygate demo`): the gateway on a temporary database with the
/// repository's `config/` and `adapters/`, the vendors it delivers to (mocks), and a simulated day
/// of Chinese e-commerce traffic — carriers' webhooks in their real shapes and signatures, ERP
/// orders through the OAuth API, a customs hold, stalled returns, a typhoon — driven over HTTP on
/// 127.0.0.1 with an accelerated clock, then scored against the simulator's ground truth.
///
/// ```swift
/// let report = try await Demo.run(.init(orders: 2000, speed: 3600)) { print($0) }
/// print(report.summary)
/// exit(report.score.loopClosed ? 0 : 1)
/// ```
public enum Demo {
    public struct Options: Sendable {
        public var orders: Int
        /// Simulated seconds per real second.
        public var speed: Double
        public var seed: UInt64
        /// The gateway configuration to run (its adapters, alerting, actions and OAuth files).
        public var configPath: String
        /// Concurrent requests to the gateway.
        public var connections: Int
        /// Orders per day of the clean history the engine learns from first (default: the day's
        /// orders, at least 1,500).
        public var historyOrdersPerDay: Int?

        public init(
            orders: Int = 1000, speed: Double = 14400, seed: UInt64 = 7, configPath: String = GatewayConfig.defaultPath,
            connections: Int = 16, historyOrdersPerDay: Int? = nil
        ) {
            self.historyOrdersPerDay = historyOrdersPerDay
            self.orders = orders
            self.speed = speed
            self.seed = seed
            self.configPath = configPath
            self.connections = connections
        }
    }

    /// A progress line's figures.
    public struct Progress: Sendable, CustomStringConvertible {
        public var simulated: Date
        public var requests: Int
        public var scans: Int
        public var alerts: Int
        public var delivered: Int
        public var waiting: Int

        public var description: String {
            let time = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Shanghai")!).format(simulated)
            return "\(time)  requests \(requests)  scans \(scans)  alerts \(alerts)  deliveries \(delivered) (\(waiting) waiting)"
        }
    }

    public static func run(_ options: Options, progress: @escaping @Sendable (Progress) -> Void) async throws
        -> DemoReport
    {
        let started = ContinuousClock.now
        let day = Simulator.generate(
            SimulationConfig(
                orders: options.orders, seed: options.seed,
                historyOrdersPerDay: options.historyOrdersPerDay ?? max(1500, options.orders),
                incidentRate: 0.08, typhoon: true))
        let vendors = try DemoVendors(warehouseSKUs: Set(day.orders.flatMap { $0.items.map(\.sku) }))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        return try await MockServer.run(vendors.router()) { vendorURL in
            // Signatures are checked against the accelerated clock: a request a few real
            // milliseconds in transit is minutes old in simulated time.
            let environment = vendors.environment(baseURL: vendorURL).merging(
                ["DELAYGATE_SIGNATURE_TOLERANCE": String(min(86_400, max(300, Int(3 * options.speed))))],
                uniquingKeysWith: { _, new in new })
            var setup: GatewaySetup
            do {
                setup = try GatewaySetup.load(path: options.configPath, environment: environment)
            } catch {
                throw DemoError("the configuration at \(options.configPath) does not load:\n\(error)")
            }
            let clock = DemoClock(start: day.day.addingTimeInterval(-3600), speed: options.speed)
            try prepare(&setup, day: day, clock: clock, database: folder.appendingPathComponent("demo.sqlite").path)
            // One client of DelayGate's API: the ERP pushing orders.
            let erpSecret = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
            var oauth = setup.oauth
            oauth.clients.append(
                .init(id: "demo-erp", secretHash: try ClientSecretHash(hashing: erpSecret, rounds: 210_000),
                    scopes: [Scope.ordersWrite]))
            var logger = Logger(label: "delaygate.demo")
            logger.logLevel = .error
            let gateway = try Gateway(
                configuration: setup.configuration, catalog: setup.catalog, alerting: setup.alerting,
                outbound: setup.outbound, actions: setup.actions,
                authorization: try await AuthorizationServer(settings: oauth), clock: clock.now, logger: logger)
            let evaluated = learnHistory(day, gateway: gateway, secrets: environment)
            let traffic = DemoTraffic(day: day, evaluatedEvents: evaluated)
            return try await serve(gateway, logger: logger) { base in
                let client = HTTPClient(
                    eventLoopGroupProvider: .singleton,
                    configuration: .init(
                        connectionPool: .init(
                            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: options.connections)))
                do {
                    let token = try await Self.token(base: base, client: client, id: "demo-erp", secret: erpSecret)
                    let sender = DemoSender(
                        base: base, client: client, secrets: environment, token: token, clock: clock)
                    clock.run()
                    try await drive(
                        traffic, sender: sender, gateway: gateway, until: day.windowEnd, clock: clock,
                        connections: options.connections, progress: progress)
                    try await settle(gateway, clock: clock)
                    let report = try await DemoReport.make(
                        day: day, gateway: gateway, vendors: vendors, sender: sender,
                        elapsed: ContinuousClock.now - started, options: options)
                    try await client.shutdown()
                    return report
                } catch {
                    try? await client.shutdown()
                    throw error
                }
            }
        }
    }

    /// How much faster the clock runs once the traffic is sent (the quiet days while parcels that
    /// stopped moving cross their thresholds).
    static let fastForward = 10.0

    /// The demo's deviations from the repository's configuration: a temporary database, an
    /// ephemeral port, the simulated network's peak seasons, and a scheduler and dispatcher that
    /// look often enough for an accelerated clock.
    static func prepare(_ setup: inout GatewaySetup, day: SimulatedDay, clock: DemoClock, database: String) throws {
        setup.configuration.storage.path = database
        setup.configuration.storage.synchronous = .normal
        setup.configuration.server.host = "127.0.0.1"
        setup.configuration.server.port = 0
        setup.configuration.server.tls = nil
        setup.alerting.calendar.windows = day.network.calendar.periods.map {
            SeasonCalendar.Window(name: $0.name, span: .dates(from: $0.start, to: $0.end), factor: $0.dwellFactor)
        }
        setup.alerting.scheduler.maximumSleep = .milliseconds(50)
        guard var actions = setup.actions else {
            throw DemoError("the configuration has no actions file, so no alert would be delivered")
        }
        // A lease is simulated time; the HTTP timeout is real: the lease must outlast the timeout
        // however fast the clock runs.
        actions.dispatch.timeout = .seconds(5)
        actions.dispatch.lease = .seconds(Int64(max(60, 5 * 3 * clock.speed * fastForward)))
        actions.dispatch.maximumSleep = .milliseconds(20)
        setup.actions = actions
    }

    /// Teaches the engine the dwells and lanes of the clean history days (what
    /// `delaygate baselines import` does for a new install) and returns the evaluated day's
    /// events, which are sent over HTTP. History is read through the same vendor shapes and
    /// adapters as live traffic, so it is keyed by the same nodes (a Kdniao scan names its
    /// facility, not its code).
    static func learnHistory(_ day: SimulatedDay, gateway: Gateway, secrets: [String: String]) -> [TrackingEvent] {
        let evaluated = Set(day.orders.flatMap(\.shipments))
        var history: [ShipmentKey: [TrackingEvent]] = [:]
        var sent: [TrackingEvent] = []
        for event in day.events() {
            if evaluated.contains(event.shipmentKey) {
                sent.append(event)
            } else {
                history[event.shipmentKey, default: []].append(event)
            }
        }
        let model = gateway.alertModel
        for order in day.historyOrders {
            guard let key = order.shipments.first, let scans = history[key] else { continue }
            let events = DemoWire(catalog: gateway.catalog, secrets: secrets).asReceived(scans)
            model.teachJourney(events, of: order)
        }
        return sent
    }

    /// Runs the gateway's HTTP server and services for the length of `body`, then stops them gracefully.
    static func serve<Value: Sendable>(
        _ gateway: Gateway, logger: Logger, _ body: @Sendable (_ baseURL: String) async throws -> Value
    ) async throws -> Value {
        let (addresses, continuation) = AsyncStream.makeStream(of: String.self)
        let application = try gateway.application { address in
            continuation.yield(address)
            continuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next() else { throw DemoError("the gateway did not start") }
            do {
                let value = try await body("http://\(address)")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// An access token for the API, the way any OAuth client gets one.
    static func token(base: String, client: HTTPClient, id: String, secret: String) async throws -> String {
        var request = HTTPClientRequest(url: base + "/oauth/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString())
        request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials&scope=orders%3Awrite"))
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        guard response.status.code == 200,
            let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any],
            let token = json["access_token"] as? String
        else {
            throw DemoError("no API token: HTTP \(response.status.code) \(String(buffer: body))")
        }
        return token
    }

    /// Simulated time between the points where the driver holds the clock until the gateway has
    /// answered every request sent so far and normalized what it received.
    static let catchUpInterval: TimeInterval = 600

    /// Sends every item when the clock reaches it. Items go to `connections` lanes by shipment, so
    /// a shipment's items keep their order while a slow request holds up only its own lane. Every
    /// ``catchUpInterval`` of simulated time the clock is held until the gateway has caught up, so
    /// a slow machine (or a debug build) runs the same day, only longer.
    static func drive(
        _ traffic: DemoTraffic, sender: DemoSender, gateway: Gateway, until end: Date, clock: DemoClock,
        connections: Int, progress: @escaping @Sendable (Progress) -> Void
    ) async throws {
        var lanes: [AsyncStream<DemoTraffic.Item>.Continuation] = []
        let unanswered = Countdown()
        try await withThrowingTaskGroup(of: Void.self) { workers in
            for _ in 0..<max(1, connections) {
                let (stream, continuation) = AsyncStream.makeStream(of: DemoTraffic.Item.self)
                lanes.append(continuation)
                workers.addTask {
                    for await item in stream {
                        await sender.send(item)
                        unanswered.decrement()
                    }
                }
            }
            var lastReport = ContinuousClock.now
            var nextCatchUp = clock.now().addingTimeInterval(catchUpInterval)
            for (instant, item) in traffic.timeline {
                if instant >= nextCatchUp {
                    await clock.sleep(until: nextCatchUp)
                    clock.hold()
                    await unanswered.waitForZero()
                    await gateway.normalizer.waitUntilIdle()
                    clock.resume()
                    nextCatchUp = max(nextCatchUp, clock.now()).addingTimeInterval(catchUpInterval)
                }
                await clock.sleep(until: instant)
                unanswered.increment()
                let key: String =
                    switch item {
                    case .notices: "notices"
                    case .order(let order): order.shipments.first?.description ?? order.id
                    case .scans(let shipment, _, _): shipment.description
                    }
                lanes[Int(UInt(bitPattern: key.hashValue) % UInt(lanes.count))].yield(item)
                if ContinuousClock.now - lastReport >= .seconds(2) {
                    lastReport = .now
                    progress(try await Self.progress(gateway, sender: sender, clock: clock))
                }
            }
            for lane in lanes { lane.finish() }
            try await workers.waitForAll()
        }
        clock.setSpeed(clock.speed * fastForward)
        while clock.now() < end {
            progress(try await Self.progress(gateway, sender: sender, clock: clock))
            await clock.sleep(until: min(end, clock.now().addingTimeInterval(2 * clock.speed)))
        }
        progress(try await Self.progress(gateway, sender: sender, clock: clock))
    }

    /// Waits (on the simulated clock) until everything received is normalized and every delivery
    /// has settled, or a simulated week has passed.
    static func settle(_ gateway: Gateway, clock: DemoClock) async throws {
        let deadline = clock.now().addingTimeInterval(7 * 86_400)
        while clock.now() < deadline {
            await gateway.normalizer.waitUntilIdle()
            let waiting = try await gateway.database.read { db in
                let backlog = try OutboxStore.backlog(in: db)
                return backlog[.pending, default: 0] + backlog[.inFlight, default: 0]
            }
            if waiting == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func progress(_ gateway: Gateway, sender: DemoSender, clock: DemoClock) async throws -> Progress {
        let (alerts, counts) = try await gateway.database.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") ?? 0, try OutboxStore.counts(in: db))
        }
        let sent = sender.sent
        return Progress(
            simulated: clock.now(), requests: sent.requests, scans: sent.scans, alerts: alerts,
            delivered: counts[.delivered, default: 0],
            waiting: counts[.pending, default: 0] + counts[.inFlight, default: 0])
    }
}

/// Why the demo could not run.
public struct DemoError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A count of requests handed to the senders and not yet answered, with a wait for zero.
final class Countdown: Sendable {
    private struct State {
        var count = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func increment() {
        state.withLock { $0.count += 1 }
    }

    func decrement() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count == 0 else { return [] }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once every request handed out so far has been answered.
    func waitForZero() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let zero = state.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if zero { continuation.resume() }
        }
    }
}
