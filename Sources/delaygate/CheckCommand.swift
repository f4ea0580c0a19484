import ArgumentParser
import DelayGateAdapters
import DelayGateAlerting
import DelayGateAuth
import DelayGateConfig
import DelayGateEngine
import DelayGateOutbound
import DelayGateServer
import Foundation

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the gateway configuration and every adapter file.",
        discussion: """
            Prints each problem as one line naming the file, the line and the key, and exits \
            with status 1 when there is any error. Warnings (such as an adapter whose secret \
            variable is unset) do not fail the check.
            """)

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
        let config = setup.configuration
        print(
            "ok: \(options.config ?? GatewayConfig.defaultPath) — listen \(config.server.host):\(config.server.port), "
                + "database \(config.storage.path) (synchronous \(config.storage.synchronous.rawValue)), "
                + "body limit \(config.server.bodyLimit)")
        let alerting = setup.alerting
        let alertingSource =
            FileManager.default.fileExists(atPath: config.alertingFile) ? config.alertingFile : "built-in defaults"
        let thresholds = alerting.policy.thresholds
        print(
            "alerting from \(alertingSource): warning at \(thresholds.warning) × expected dwell, urgent at "
                + "\(thresholds.urgent) ×, \(alerting.policy.overrides.count) override(s), "
                + "peak seasons \(alerting.calendar.windows.map { "\($0.name) ×\($0.factor)" }.joined(separator: ", ")), "
                + "\(alerting.playbook.rules.count) playbook rule(s), reasons in \(alerting.policy.language.rawValue)")
        if setup.catalog.names.isEmpty {
            print("no adapters in \(config.adaptersDirectory)/")
        }
        for name in setup.catalog.names {
            guard let adapter = setup.catalog.adapter(named: name) else { continue }
            let file = setup.catalog.files[name] ?? "built in"
            let routes =
                switch adapter {
                case let api as APIInboundAdapter: "\(api.route) with an OAuth bearer token"
                case _ where adapter.acceptsWebhooks: "POST /webhooks/\(name)"
                default: "polls its source (no webhook route)"
                }
            print("adapter \(name) (\(adapter.kind)) from \(file): \(routes)")
        }
        for name in setup.outbound.names {
            guard let adapter = setup.outbound.adapter(named: name) else { continue }
            let purposes = adapter.purposes.map(\.rawValue).sorted().joined(separator: ", ")
            print("outbound \(name) (\(adapter.kind)): \(purposes), \(adapter.concurrency) at a time")
        }
        if let actions = setup.actions {
            let channels = actions.channels.named.map { "\($0.key) → \($0.adapter)" }.joined(separator: ", ")
            let shortest = actions.retry.shortestSpan.components.seconds
            let longest = actions.retry.worstCaseSpan.components.seconds
            func hours(_ seconds: Int64) -> String { "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
            print(
                "actions from \(config.actionsFile): \(channels.isEmpty ? "no channels" : channels); "
                    + "\(actions.compensation.rules.count) compensation rule(s), \(actions.routing.rules.count) routing rule(s); "
                    + "retries up to \(actions.retry.maxAttempts) attempts, over \(hours(shortest)) to \(hours(longest))"
            )
        }
        if setup.actions == nil {
            print(
                "no actions file at \(config.actionsFile): alerts are recorded, but no message, ticket or ERP action is sent"
            )
        }
        let oauth = setup.oauth
        let signer = oauth.keys.first { !$0.verifyOnly }.map { "\($0.kid) (\($0.algorithm.rawValue))" } ?? "none"
        print(
            "oauth from \(FileManager.default.fileExists(atPath: config.oauthFile) ? config.oauthFile : "built-in defaults"): "
                + "issuer \(oauth.issuer), signing key \(signer), \(oauth.keys.count - (signer == "none" ? 0 : 1)) "
                + "verify-only key(s), tokens for \(oauth.tokenLifetime.components.seconds) s, "
                + "\(oauth.clients.count) client(s) in \(oauth.clientsFile)")
        if let tls = config.server.tls {
            print("tls: certificate \(tls.certificateFile), key \(tls.privateKeyFile)")
        }
        for warning in setup.warnings {
            print("warning: \(warning)")
        }
    }
}
