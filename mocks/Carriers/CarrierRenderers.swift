/// The standard renderer of each tracking kind, for routing by kind (see ``CarrierRouting``).
///
/// ```swift
/// let renderer = CarrierRenderers.renderer(kind: "kdniao")   // KdniaoRenderer()
/// ```
public enum CarrierRenderers {
    /// Every tracking-event renderer with its default vendor tables.
    public static let all: [any CarrierWebhookRenderer] = [
        CanonicalJSONRenderer(), KdniaoRenderer(), AfterShipRenderer(), EasyPostRenderer(), SeventeenTrackRenderer(),
    ]

    /// The default renderer for an adapter kind; nil for kinds that do not carry tracking events.
    public static func renderer(kind: String) -> (any CarrierWebhookRenderer)? {
        all.first { $0.kind == kind }
    }
}
