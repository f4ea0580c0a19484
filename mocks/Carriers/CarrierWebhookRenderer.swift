import DelayGateModel
import Foundation

/// Renders canonical tracking events as the webhook a carrier aggregator (or DelayGate's own
/// JSON sender) would post: the vendor's request shape, signed the vendor's way. The inverse of
/// the inbound adapter of the same ``kind``.
///
/// Vendors that resend a tracking's whole history on every update (Kdniao, AfterShip, EasyPost,
/// 17TRACK) render `history`; senders of DelayGate's own JSON render only `new`.
///
/// ```swift
/// let renderer: any CarrierWebhookRenderer = AfterShipRenderer()
/// let webhook = try renderer.request(history: sofar, new: [latest], secret: "whsec", at: .now)
/// // POST webhook.body to /webhooks/aftership with webhook.headers
/// ```
public protocol CarrierWebhookRenderer: Sendable {
    /// The adapter kind that reads what this renders (`kdniao`, `aftership`, …).
    var kind: String { get }

    /// The request announcing `new` for a shipment whose events so far are `history` (oldest
    /// first, `new` included).
    ///
    /// - Parameters:
    ///   - secret: the key the vendor signs with (the adapter's secret, AppKey or security key).
    ///   - time: when the vendor sends; with the same events and `time` the bytes are the same.
    func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
}
