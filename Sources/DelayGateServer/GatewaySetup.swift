import DelayGateAdapters
import DelayGateConfig
import DelayGateEngine
import Foundation

/// Reads `gateway.yaml` and the adapters folder, collecting every problem, for `serve` and
/// `check` alike.
public struct GatewaySetup: Sendable {
    public var configuration: GatewayConfig
    public var catalog: AdapterCatalog
    /// The alert engine's rules from ``GatewayConfig/alertingFile``.
    public var alerting: AlertingConfiguration
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
        guard errors.isEmpty else { throw Errors(errors: errors) }
        return GatewaySetup(
            configuration: configuration, catalog: loaded.catalog, alerting: alerting, warnings: loaded.warnings)
    }
}
