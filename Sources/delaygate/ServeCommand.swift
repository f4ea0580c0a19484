import ArgumentParser
import DelayGateAdapters
import DelayGateConfig
import DelayGateServer
import Foundation
import Hummingbird
import Logging
import Metrics

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: accept webhooks, store them durably, normalize them, raise alerts.",
        discussion: """
            Listens on the address in the configuration (127.0.0.1:8080 by default) and stores \
            everything in the SQLite database it names (data/delaygate.sqlite by default, created \
            on first run). The alert engine learns from what is normalized and its deadline \
            scheduler raises alerts (rules in config/alerting.yaml); the outbox delivers their \
            actions (config/actions.yaml, adapters/outbound/). The /v1 API needs OAuth bearer \
            tokens from POST /oauth/token (config/oauth.yaml; add clients with `delaygate clients \
            create`); GET /openapi.yaml describes every route. SIGINT or SIGTERM stops it \
            gracefully: requests in flight are answered and committed, queued normalization \
            finishes, learned baselines are saved.
            """)

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Override the listening port (0 picks a free one).", valueName: "port"))
    var port: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var setup = try loadSetup(path: options.config, environment: environment)
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            setup.configuration.server.port = port
        }
        let level = Logger.Level(rawValue: setup.configuration.logging.level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = DeferredMetadataLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "delaygate")
        for warning in setup.warnings {
            logger.warning("\(warning)")
        }
        let metrics = GatewayMetrics()
        MetricsSystem.bootstrap(metrics.factory)

        let gateway: Gateway
        do {
            gateway = try await Gateway(setup: setup, metrics: metrics, logger: logger)
        } catch {
            throw CLIError("cannot open the database at \(setup.configuration.storage.path): \(error)")
        }
        logger.info(
            "delaygate starting",
            metadata: [
                "database": "\(setup.configuration.storage.path)",
                "synchronous": "\(setup.configuration.storage.synchronous.rawValue)",
                "adapters": "\(setup.catalog.names.joined(separator: ","))",
            ])
        try await gateway.application().runService()
        // At the level of the "listening on" line, so an operator (and the end-to-end tests) see
        // the stop completed rather than the process vanishing.
        logger.notice("delaygate stopped")
    }
}

/// Loads the configuration or fails with one line per problem.
func loadSetup(path: String?, environment: [String: String]) throws -> GatewaySetup {
    do {
        return try GatewaySetup.load(path: path, environment: environment)
    } catch {
        let lines = error.errors.map { "error: \($0)\n" }.joined()
        FileHandle.standardError.write(Data(lines.utf8))
        throw ExitCode.failure
    }
}

/// A failure reported to the operator as plain lines on standard error, with exit status 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
