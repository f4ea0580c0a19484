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
        try SignedJSONAdapter.make(kind: kindName, file: file, decoder: decoder) {
            body, _, zone throws(PayloadRejection) in
            try OrderJSON.parseList(body, zone: zone)
        }
    }
}
