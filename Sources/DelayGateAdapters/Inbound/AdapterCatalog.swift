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
        let decoder = ConfigDecoder(environment: environment)
        let loaded = AdapterFile.loadFolder(
            directory: directory, decoder: decoder, kinds: Array(registry.kinds.keys), kindLabel: "adapter kind"
        ) { file throws(ConfigError) -> any InboundAdapter in
            try registry.kinds[file.kind]!.makeAdapter(from: file, decoder: decoder)
        }
        var warnings: [ConfigWarning] = []
        var files: [String: String] = [:]
        for (adapter, path) in loaded.adapters {
            for variable in adapter.missingSecrets {
                let consequence =
                    adapter.acceptsWebhooks
                    ? "POST /webhooks/\(adapter.name) answers 503 until it is" : "the poller stays idle until it is"
                warnings.append(
                    ConfigWarning(file: path, message: "environment variable \(variable) is not set: \(consequence)"))
            }
            files[adapter.name] = path
        }
        let adapters = loaded.adapters.map(\.adapter)
        let errors = loaded.errors
        return LoadResult(catalog: AdapterCatalog(adapters: adapters, files: files), errors: errors, warnings: warnings)
    }
}
