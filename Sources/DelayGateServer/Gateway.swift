import DelayGateAdapters
import DelayGateAuth
import DelayGateConfig
import DelayGateEngine
import DelayGateIngest
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// One running gateway: the database, the write path, the normalizer and the HTTP application,
/// wired from a configuration.
///
/// ```swift
/// let setup = try GatewaySetup.load(path: nil, environment: ProcessInfo.processInfo.environment)
/// let gateway = try Gateway(setup: setup, logger: logger)
/// try await gateway.application().runService()
/// ```
public struct Gateway: Sendable {
    public let configuration: GatewayConfig
    public let catalog: AdapterCatalog
    public let database: DatabasePool
    public let writer: GroupCommitWriter
    public let checkpointer: WALCheckpointer
    public let normalizer: Normalizer
    /// What the alert engine has learned (baselines, lanes, disruptions), loaded at start-up.
    public let alertModel: AlertModel
    /// Wakes for the earliest due shipment and raises alerts for stalls.
    public let scheduler: DeadlineScheduler
    public let ingest: IngestService
    /// One poller per `erp-poll` adapter.
    public let pollers: [ERPOrderPoller]
    /// The outbound adapters of `adapters/outbound/`.
    public let outbound: OutboundCatalog
    /// Delivers the outbox; nil when no actions file is configured.
    public let dispatcher: OutboxDispatcher?
    /// DelayGate's own OAuth server: issues the API's tokens and checks them; nil answers the API
    /// with 503 until an OAuth file with a signing key is configured.
    public let authorization: AuthorizationServer?
    public let clock: @Sendable () -> Date
    public let metrics: GatewayMetrics
    public let logger: Logger

    /// Opens the database (creating and migrating it when needed) and builds the services.
    public init(
        configuration: GatewayConfig,
        catalog: AdapterCatalog,
        alerting: AlertingConfiguration = AlertingConfiguration(),
        outbound: OutboundCatalog = OutboundCatalog(adapters: []),
        actions: ActionSettings? = nil,
        http: OutboundHTTP? = nil,
        authorization: AuthorizationServer? = nil,
        metrics: GatewayMetrics = GatewayMetrics(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "delaygate")
    ) throws {
        self.configuration = configuration
        self.catalog = catalog.addingAPIAdapters()
        self.outbound = outbound
        self.authorization = authorization
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        let storage = configuration.storage
        database = try GatewayDatabase.open(
            at: storage.path,
            options: .init(
                synchronous: storage.synchronous.rawValue,
                busyTimeout: .milliseconds(storage.busyTimeoutMilliseconds)))
        checkpointer = try WALCheckpointer(pool: database, path: storage.path, logger: logger)
        writer = GroupCommitWriter(
            database: database,
            options: .init(
                maxBatch: storage.groupCommit.maxBatch,
                maxDelay: .microseconds(storage.groupCommit.maxDelayMicroseconds)),
            metricsFactory: metrics.factory,
            logger: logger)
        let wakeup = Wakeup()
        if let actions {
            dispatcher = OutboxDispatcher(
                database: database, writer: writer, catalog: outbound, retry: actions.retry, dispatch: actions.dispatch,
                http: http, wakeup: wakeup, clock: clock, health: AdapterHealth(since: clock()),
                metricsFactory: metrics.factory, logger: logger)
        } else {
            dispatcher = nil
        }
        alertModel = AlertModel(
            policy: alerting.policy, calendar: alerting.calendar, playbook: alerting.playbook,
            planner: actions.map { OutboxPlanner(settings: $0, catalog: outbound, wakeup: wakeup) })
        try alertModel.load(from: database)
        scheduler = DeadlineScheduler(
            model: alertModel, database: database, writer: writer, options: alerting.scheduler, clock: clock,
            metricsFactory: metrics.factory, logger: logger)
        normalizer = Normalizer(
            database: database,
            writer: writer,
            catalog: catalog,
            options: .init(
                batchSize: configuration.normalizer.batchSize,
                queueCapacity: configuration.normalizer.queueCapacity,
                maxDelay: .milliseconds(configuration.normalizer.maxDelayMilliseconds),
                batchBudget: .milliseconds(configuration.normalizer.batchBudgetMilliseconds)),
            clock: clock,
            observer: EngineObserver(model: alertModel, scheduler: scheduler, metricsFactory: metrics.factory),
            metricsFactory: metrics.factory,
            logger: logger)
        ingest = IngestService(
            writer: writer, normalizer: normalizer, clock: clock, health: AdapterHealth(since: clock()),
            metricsFactory: metrics.factory)
        pollers = catalog.names.compactMap { catalog.adapter(named: $0) as? ERPPollAdapter }.map {
            [database, writer, normalizer] adapter in
            ERPOrderPoller(
                adapter: adapter, writer: writer, normalizer: normalizer, database: database, clock: clock,
                metricsFactory: metrics.factory, logger: logger)
        }
    }

    /// Builds the gateway a configuration describes, with its OAuth server.
    public init(
        setup: GatewaySetup, metrics: GatewayMetrics = GatewayMetrics(), logger: Logger = Logger(label: "delaygate")
    ) async throws {
        try self.init(
            configuration: setup.configuration, catalog: setup.catalog, alerting: setup.alerting,
            outbound: setup.outbound, actions: setup.actions,
            authorization: try await AuthorizationServer(settings: setup.oauth), metrics: metrics, logger: logger)
    }

    /// The routes, with problem+json errors and request metrics.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self, options: .autoGenerateHeadEndpoints)
        let routes = RouteTable()
        router.add(middleware: RequestMetricsMiddleware(factory: metrics.factory))
        router.add(middleware: ProblemMiddleware(routes: routes))
        let webhooks = WebhookRoutes<BasicRequestContext>(
            catalog: catalog, ingest: ingest, bodyLimit: configuration.server.bodyLimit.bytes)
        webhooks.register(on: router)
        let access = APIAuthorization(server: authorization)
        OAuthRoutes(server: authorization).register(on: router)
        APIRoutes(authorization: access, webhooks: webhooks, database: database, model: alertModel, clock: clock)
            .register(on: router)
        AdminRoutes(
            authorization: access, database: database, catalog: catalog, outbound: outbound,
            inboundHealth: ingest.health, outboundHealth: dispatcher?.health,
            replayed: { [dispatcher] in dispatcher?.wakeup.signal() }, clock: clock
        ).register(on: router)
        OperationsRoutes(metrics: metrics, writer: writer, normalizer: normalizer).register(on: router)
        OpenAPIRoutes().register(on: router)
        routes.load(router)
        return router
    }

    /// The HTTP application with the checkpointer, writer, outbox dispatcher, scheduler,
    /// normalizer and pollers as its services.
    ///
    /// On shutdown the server stops first (in-flight requests finish and are committed), then the
    /// pollers stop, then the normalizer drains its queue, then the scheduler saves what was
    /// learned, then the dispatcher finishes the deliveries in flight, then the writer commits
    /// what is left, then the checkpointer hands checkpoints back to SQLite.
    ///
    /// - Parameter onServerRunning: called with the bound address (`127.0.0.1:8080`) once the
    ///   server listens; useful when the configured port is 0.
    public func application(
        onServerRunning: @escaping @Sendable (String) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let logger = self.logger
        let scheme = configuration.server.tls == nil ? "http" : "https"
        return Application(
            router: router(),
            server: try Self.server(tls: configuration.server.tls),
            configuration: .init(
                address: .hostname(configuration.server.host, port: configuration.server.port),
                serverName: nil),
            services: [checkpointer, writer] + (dispatcher.map { [$0] } ?? []) + [scheduler, normalizer] + pollers,
            onServerRunning: { channel in
                let address = channel.localAddress.map(Self.describe) ?? "unknown"
                logger.notice("delaygate listening on \(scheme)://\(address)")
                await onServerRunning(address)
            },
            logger: logger)
    }

    /// HTTP/1.1, over TLS when a certificate is configured.
    static func server(tls: ServerConfig.TLS?) throws -> HTTPServerBuilder {
        guard let tls else { return .http1() }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.privateKeyFile, format: .pem)
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            configuration.minimumTLSVersion = .tlsv12
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch {
            throw ConfigError(
                file: tls.certificateFile,
                message: "cannot load the TLS certificate and key (\(tls.privateKeyFile)): \(error)")
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
