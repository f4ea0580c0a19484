import DelayGateConfig
import Foundation

/// The adapters configured in a folder, by route name.
///
/// ```swift
/// let loaded = AdapterCatalog.load(directory: "adapters", environment: ProcessInfo.processInfo.environment)
/// for error in loaded.errors { print(error) }          // unknown keys, bad kinds, literal secrets…
/// for warning in loaded.warnings { print(warning) }    // secrets whose variables are unset
/// let adapter = loaded.catalog.adapter(named: "integrator")
/// ```
public struct AdapterCatalog: Sendable {
    public let adapters: [String: any InboundAdapter]
    /// The file each adapter came from.
    public let files: [String: String]

    public init(adapters: [any InboundAdapter], files: [String: String] = [:]) {
        self.adapters = Dictionary(adapters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.files = files
    }

    public func adapter(named name: String) -> (any InboundAdapter)? {
        adapters[name]
    }

    /// Adapter names in alphabetical order.
    public var names: [String] { adapters.keys.sorted() }

    /// The outcome of reading a folder: what loaded, and every problem found on the way.
    public struct LoadResult: Sendable {
        public var catalog: AdapterCatalog
        public var errors: [ConfigError]
        public var warnings: [ConfigWarning]
    }

    /// Reads every adapter file of a folder; files with errors are left out and reported.
    public static func load(
        directory: String,
        registry: AdapterRegistry = .standard,
        environment: [String: String]
    ) -> LoadResult {
        var errors: [ConfigError] = []
        var warnings: [ConfigWarning] = []
        var adapters: [any InboundAdapter] = []
        var files: [String: String] = [:]
        let paths: [String]
        do throws(ConfigError) {
            paths = try AdapterFile.paths(inDirectory: directory)
        } catch {
            return LoadResult(catalog: AdapterCatalog(adapters: []), errors: [error], warnings: [])
        }
        let decoder = ConfigDecoder(environment: environment)
        for path in paths {
            do throws(ConfigError) {
                let file = try AdapterFile.read(path: path, decoder: decoder)
                guard let kind = registry.kinds[file.kind] else {
                    let known = registry.kinds.keys.sorted().joined(separator: ", ")
                    throw ConfigError(
                        file: path, key: "kind", line: file.line(ofKey: "kind"),
                        message: "unknown adapter kind '\(file.kind)'; known kinds: \(known)")
                }
                if let existing = files[file.name] {
                    throw ConfigError(
                        file: path, key: "name", message: "adapter name '\(file.name)' is already used by \(existing)")
                }
                let adapter = try kind.makeAdapter(from: file, decoder: decoder)
                for variable in adapter.missingSecrets {
                    let consequence =
                        adapter.acceptsWebhooks
                        ? "POST /webhooks/\(adapter.name) answers 503 until it is" : "the poller stays idle until it is"
                    warnings.append(
                        ConfigWarning(
                            file: path, message: "environment variable \(variable) is not set: \(consequence)"))
                }
                adapters.append(adapter)
                files[file.name] = path
            } catch {
                errors.append(error)
            }
        }
        return LoadResult(catalog: AdapterCatalog(adapters: adapters, files: files), errors: errors, warnings: warnings)
    }
}
