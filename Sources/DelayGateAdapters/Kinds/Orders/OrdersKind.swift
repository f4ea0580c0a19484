import DelayGateConfig
import Foundation

/// The `orders` kind: orders pushed by an ERP in DelayGate's JSON, signed like `canonical-json`.
/// The adapter named `orders` also serves `POST /v1/orders`.
///
/// ```yaml
/// kind: orders
/// verification:
///   secret: ${DELAYGATE_ORDERS_SECRET}
/// options:
///   default_time_zone: Asia/Shanghai   # for dates and times without an offset
/// ```
public enum OrdersKind: InboundAdapterKind {
    public static let kindName = "orders"

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let (verifier, zone) = try SignedJSONFile.read(file, decoder: decoder)
        return OrdersAdapter(name: file.name, verifier: verifier, defaultTimeZone: zone)
    }
}

/// An adapter of the ``OrdersKind`` kind.
public struct OrdersAdapter: InboundAdapter {
    public let name: String
    public var kind: String { OrdersKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }
    public var missingSecrets: [String] { verifier.missingSecrets }

    let verifier: TimestampedHMACVerifier
    let defaultTimeZone: TimeZone

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        try verifier.verify(request, now: now)
    }

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        try OrderJSON.parseList(body, zone: defaultTimeZone)
    }
}
