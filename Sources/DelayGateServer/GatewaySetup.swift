import DelayGateAdapters
import DelayGateConfig
import Foundation

/// Reads `gateway.yaml` and the adapters folder, collecting every problem, for `serve` and
/// `check` alike.
public struct GatewaySetup: Sendable {
    public var configuration: GatewayConfig
    public var catalog: AdapterCatalog
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
        guard loaded.errors.isEmpty else { throw Errors(errors: loaded.errors) }
        return GatewaySetup(configuration: configuration, catalog: loaded.catalog, warnings: loaded.warnings)
    }
}
