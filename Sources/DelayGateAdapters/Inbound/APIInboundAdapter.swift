import DelayGateModel
import Foundation

/// The inbound side of DelayGate's own API: `POST /v1/events` (canonical JSON) and
/// `POST /v1/orders` (orders JSON). Their requests are authenticated by an OAuth bearer token
/// before they reach the adapter, so the adapter's own check passes everything; the inbox keeps
/// their bodies under these names, and `inbox reprocess` reads them again like any other.
public struct APIInboundAdapter: InboundAdapter {
    /// The adapter behind `POST /v1/events`.
    public static let eventsName = "api-events"
    /// The adapter behind `POST /v1/orders`.
    public static let ordersName = "api-orders"
    public static let reservedNames: Set<String> = [eventsName, ordersName]

    public let name: String
    public let kind: String
    /// The route that feeds it, for error messages.
    public let route: String
    public var acceptedMediaTypes: Set<String> { ["application/json"] }
    public var missingSecrets: [String] { [] }
    /// Only its API route feeds it; `/webhooks/{name}` does not.
    public var acceptsWebhooks: Bool { false }
    private let parseBody: @Sendable (Data, Date) throws(PayloadRejection) -> NormalizedPayload

    /// The bearer token was checked by the route.
    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {}

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        try parseBody(body, receivedAt)
    }

    /// `POST /v1/events`: canonical events; times without an offset or a zone of their own are
    /// placed in `defaultTimeZone`.
    public static func events(defaultTimeZone: TimeZone) -> APIInboundAdapter {
        let format = CanonicalJSONFormat(defaultTimeZone: defaultTimeZone)
        return APIInboundAdapter(name: eventsName, kind: CanonicalJSONKind.kindName, route: "POST /v1/events") {
            body, receivedAt throws(PayloadRejection) in
            try format.parse(body, receivedAt: receivedAt)
        }
    }

    /// `POST /v1/orders`: orders in DelayGate's JSON; dates without an offset are in `defaultTimeZone`.
    public static func orders(defaultTimeZone: TimeZone) -> APIInboundAdapter {
        APIInboundAdapter(name: ordersName, kind: OrdersKind.kindName, route: "POST /v1/orders") {
            body, _ throws(PayloadRejection) in
            try OrderJSON.parseList(body, zone: defaultTimeZone)
        }
    }

    /// Both API adapters, with China's zone as the default.
    public static func all(defaultTimeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) -> [APIInboundAdapter] {
        [events(defaultTimeZone: defaultTimeZone), orders(defaultTimeZone: defaultTimeZone)]
    }
}

extension AdapterCatalog {
    /// The catalog with DelayGate's API adapters added.
    public func addingAPIAdapters() -> AdapterCatalog {
        AdapterCatalog(adapters: Array(adapters.values) + APIInboundAdapter.all(), files: files)
    }
}
