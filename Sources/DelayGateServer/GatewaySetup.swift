import DelayGateAdapters
import DelayGateAuth
import DelayGateConfig
import DelayGateEngine
import DelayGateOutbound
import Foundation

/// Reads `gateway.yaml` and the adapters folder, collecting every problem, for `serve` and
/// `check` alike.
public struct GatewaySetup: Sendable {
    public var configuration: GatewayConfig
    public var catalog: AdapterCatalog
    /// The alert engine's rules from ``GatewayConfig/alertingFile``.
    public var alerting: AlertingConfiguration
    /// The outbound adapters of `adapters/outbound/`.
    public var outbound: OutboundCatalog
    /// How alerts become deliveries; nil when ``GatewayConfig/actionsFile`` does not exist.
    public var actions: ActionSettings?
    /// DelayGate's own OAuth server (``GatewayConfig/oauthFile`` and its clients file).
    public var oauth: OAuthSettings
    public var warnings: [ConfigWarning]

    /// Everything wrong with a configuration, one line each.
    public struct Errors: Error, Sendable, CustomStringConvertible {
        public var errors: [ConfigError]
        public var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// Loads the configuration.
    ///
    /// - Parameters:
    ///   - path: the gateway file; when nil, `config/gateway.yaml` is used if it exists and the
    ///     defaults otherwise.
    ///   - environment: where `${VARIABLE}` references and secrets are read from.
    public static func load(
        path: String?,
        environment: [String: String],
        registry: AdapterRegistry = .standard
    ) throws(Errors) -> GatewaySetup {
        let configuration: GatewayConfig
        do throws(ConfigError) {
            configuration = try GatewayConfig.load(
                path: path ?? GatewayConfig.defaultPath, environment: environment, required: path != nil)
        } catch {
            throw Errors(errors: [error])
        }
        let loaded = AdapterCatalog.load(
            directory: configuration.adaptersDirectory, registry: registry, environment: environment)
        var errors = loaded.errors
        var alerting = AlertingConfiguration()
        do throws(ConfigError) {
            alerting = try AlertingConfiguration.load(
                path: configuration.alertingFile, environment: environment,
                required: configuration.alertingFile != GatewayConfig().alertingFile)
        } catch {
            errors.append(error)
        }
        let outbound = OutboundCatalog.load(
            directory: configuration.outboundAdaptersDirectory, environment: environment)
        errors += outbound.errors
        var warnings = loaded.warnings + outbound.warnings
        var actions: ActionSettings?
        if FileManager.default.fileExists(atPath: configuration.actionsFile) {
            do throws(ConfigError) {
                let settings = try ActionSettings.load(
                    path: configuration.actionsFile, decoder: ConfigDecoder(environment: environment))
                try Self.checkChannels(settings, outbound.catalog, file: configuration.actionsFile)
                actions = settings
            } catch {
                errors.append(error)
            }
        }
        var oauth = OAuthSettings()
        do throws(ConfigError) {
            oauth = try OAuthSettings.load(
                path: configuration.oauthFile, decoder: ConfigDecoder(environment: environment))
        } catch {
            errors.append(error)
        }
        for name in APIInboundAdapter.reservedNames where loaded.catalog.adapter(named: name) != nil {
            errors.append(
                ConfigError(
                    file: loaded.catalog.files[name] ?? configuration.adaptersDirectory,
                    message: "the adapter name '\(name)' is reserved for DelayGate's API; rename the file"))
        }
        if let tls = configuration.server.tls {
            for (file, key) in [(tls.certificateFile, "certificate_file"), (tls.privateKeyFile, "private_key_file")]
            where !FileManager.default.isReadableFile(atPath: file) {
                errors.append(
                    ConfigError(
                        file: path ?? GatewayConfig.defaultPath, key: "server.tls.\(key)",
                        message: "cannot read '\(file)'"))
            }
        }
        for variable in oauth.missingSecrets {
            warnings.append(
                ConfigWarning(
                    file: configuration.oauthFile,
                    message:
                        "environment variable \(variable) is not set: POST /oauth/token and the /v1 API answer 503 until it is"
                ))
        }
        guard errors.isEmpty else { throw Errors(errors: errors) }
        return GatewaySetup(
            configuration: configuration, catalog: loaded.catalog.addingAPIAdapters(), alerting: alerting, outbound: outbound.catalog,
            actions: actions, oauth: oauth, warnings: warnings)
    }

    /// Each channel must name an outbound adapter that exists and can carry it.
    static func checkChannels(_ settings: ActionSettings, _ catalog: OutboundCatalog, file: String) throws(ConfigError)
    {
        let purposes: [String: OutboundMessage.Purpose] = [
            "sms": .customerNotice, "push": .customerNotice, "helpdesk": .ticket, "voice": .voiceCallback,
            "erp": .alternativeFulfilment,
        ]
        for (key, name) in settings.channels.named {
            guard let adapter = catalog.adapter(named: name) else {
                let known = catalog.names.isEmpty ? "none" : catalog.names.joined(separator: ", ")
                throw ConfigError(
                    file: file, key: "channels.\(key)",
                    message: "no outbound adapter '\(name)' in the adapters' outbound folder (configured: \(known))")
            }
            if let purpose = purposes[key], !adapter.purposes.contains(purpose) {
                throw ConfigError(
                    file: file, key: "channels.\(key)",
                    message: "adapter '\(name)' (\(adapter.kind)) cannot carry \(purpose.rawValue)")
            }
        }
    }
}
