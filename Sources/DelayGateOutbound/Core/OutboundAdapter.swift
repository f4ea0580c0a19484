import DelayGateConfig
import Foundation

/// A configured outbound adapter: it shapes messages into its API's requests and sends them.
///
/// Rendering is pure and happens when the alert is recorded (the outbox stores the result);
/// delivery adds credentials, sends, and says how the attempt ended. Adapters never retry on
/// their own, except once with a fresh OAuth token after a 401: the outbox owns retries.
public protocol OutboundAdapter: Sendable {
    /// The adapter's name (its file name in `adapters/outbound/`).
    var name: String { get }
    /// The kind it was built from, e.g. `zendesk`.
    var kind: String { get }
    /// Environment variables it needs that are unset: its deliveries wait until they are set.
    var missingSecrets: [String] { get }
    /// Most deliveries of this adapter in flight at once.
    var concurrency: Int { get }
    /// The purposes it can serve.
    var purposes: Set<OutboundMessage.Purpose> { get }

    /// Shapes a message into this API's request (no credentials).
    func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest

    /// Sends a rendered request once, with credentials, and classifies the answer.
    func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
}

/// Code for one family of outbound adapters (`zendesk`, `twilio-sms`, …), registered by name.
public protocol OutboundAdapterKind: Sendable {
    static var kindName: String { get }

    static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError) -> any OutboundAdapter
}

/// The outbound kinds the gateway knows, by name.
public struct OutboundRegistry: Sendable {
    public private(set) var kinds: [String: any OutboundAdapterKind.Type]

    public init(kinds: [any OutboundAdapterKind.Type]) {
        self.kinds = Dictionary(kinds.map { ($0.kindName, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every kind that ships with DelayGate.
    public static let standard = OutboundRegistry(kinds: [
        ZendeskKind.self,
        FreshdeskKind.self,
        TwilioSMSKind.self,
        AliyunSMSKind.self,
        FCMPushKind.self,
        VoiceCallbackKind.self,
        ERPActionKind.self,
        GenericHTTPKind.self,
    ])

    public mutating func register(_ kind: any OutboundAdapterKind.Type) {
        kinds[kind.kindName] = kind
    }
}

/// The outbound adapters configured in a folder (`adapters/outbound/`), by name.
public struct OutboundCatalog: Sendable {
    public let adapters: [String: any OutboundAdapter]

    public init(adapters: [any OutboundAdapter]) {
        self.adapters = Dictionary(adapters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func adapter(named name: String) -> (any OutboundAdapter)? { adapters[name] }

    public var names: [String] { adapters.keys.sorted() }

    public struct LoadResult: Sendable {
        public var catalog: OutboundCatalog
        public var errors: [ConfigError]
        public var warnings: [ConfigWarning]
    }

    /// Reads every adapter file of a folder; files with errors are left out and reported, and
    /// unset secret variables are warnings (those deliveries wait in the outbox until set).
    public static func load(
        directory: String, registry: OutboundRegistry = .standard, environment: [String: String]
    ) -> LoadResult {
        let decoder = ConfigDecoder(environment: environment)
        let loaded = AdapterFile.loadFolder(
            directory: directory, decoder: decoder, kinds: Array(registry.kinds.keys),
            kindLabel: "outbound adapter kind"
        ) { file throws(ConfigError) -> any OutboundAdapter in
            try registry.kinds[file.kind]!.makeAdapter(from: file, decoder: decoder)
        }
        let warnings = loaded.adapters.flatMap { adapter, path in
            adapter.missingSecrets.map { variable in
                ConfigWarning(
                    file: path,
                    message:
                        "environment variable \(variable) is not set: deliveries through '\(adapter.name)' wait in the outbox until it is"
                )
            }
        }
        let adapters = loaded.adapters.map(\.adapter)
        let errors = loaded.errors
        return LoadResult(catalog: OutboundCatalog(adapters: adapters), errors: errors, warnings: warnings)
    }
}
