import DelayGateConfig

/// Code for one family of inbound adapters (`canonical-json`, `kdniao`, …), registered by name.
///
/// A kind reads an adapter file with its own strict configuration type and builds the adapter.
/// Files in `adapters/` pick a kind with their `kind:` key.
public protocol InboundAdapterKind: Sendable {
    /// The value of `kind:` in adapter files.
    static var kindName: String { get }

    /// Builds an adapter from its file; configuration errors name the file and the key.
    static func makeAdapter(
        from file: AdapterFile,
        decoder: ConfigDecoder
    ) throws(ConfigError) -> any InboundAdapter
}

/// The adapter kinds the gateway knows, by name.
public struct AdapterRegistry: Sendable {
    public private(set) var kinds: [String: any InboundAdapterKind.Type]

    public init(kinds: [any InboundAdapterKind.Type]) {
        self.kinds = Dictionary(kinds.map { ($0.kindName, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Every kind that ships with DelayGate.
    public static let standard = AdapterRegistry(kinds: [
        CanonicalJSONKind.self,
        KdniaoKind.self,
        AfterShipKind.self,
        EasyPostKind.self,
        SeventeenTrackKind.self,
        JSONMappingKind.self,
        CustomsKind.self,
        DisruptionKind.self,
        OrdersKind.self,
        ERPPollKind.self,
        ZendeskTicketEventKind.self,
        FreshdeskTicketEventKind.self,
    ])

    public mutating func register(_ kind: any InboundAdapterKind.Type) {
        kinds[kind.kindName] = kind
    }
}
