import Foundation

/// One scan or status update of one parcel, in DelayGate's canonical form.
///
/// Adapters build these from carrier payloads; the normalizer stores them (one row per
/// ``dedupKey``) and folds them into the parcel's ``Shipment``.
///
/// ```swift
/// let event = TrackingEvent(
///     carrier: "sf-express", trackingNumber: "SF1400000001",
///     time: EventTime(instant: date, source: .explicitOffset(seconds: 8 * 3600)),
///     receivedAt: .now, milestone: .hubArrival,
///     carrierStatus: CarrierStatus(code: "30", text: "快件到达 杭州转运中心"),
///     node: TrackingNode(facilityName: "杭州转运中心", city: "杭州市", region: "浙江省", country: "CN"))
/// ```
public struct TrackingEvent: Hashable, Sendable {
    /// Carrier identifier as configured (e.g. `sf-express`, `zto`, `ups`).
    public var carrier: String
    public var trackingNumber: String
    public var time: EventTime
    /// When DelayGate received the payload that carried this event.
    public var receivedAt: Date
    public var milestone: Milestone
    /// The carrier's own code and text, kept verbatim whatever the milestone.
    public var carrierStatus: CarrierStatus
    public var node: TrackingNode
    public var direction: Direction
    /// The carrier's own identifier for this event, when it sends one; preferred for de-duplication.
    public var carrierEventID: String?
    /// Facts beyond the milestone: missing customs documents, a carrier-declared stall, …
    public var details: EventDetails

    public init(
        carrier: String,
        trackingNumber: String,
        time: EventTime,
        receivedAt: Date,
        milestone: Milestone,
        carrierStatus: CarrierStatus,
        node: TrackingNode = TrackingNode(),
        direction: Direction = .forward,
        carrierEventID: String? = nil,
        details: EventDetails = EventDetails()
    ) {
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.time = time
        self.receivedAt = receivedAt
        self.milestone = milestone
        self.carrierStatus = carrierStatus
        self.node = node
        self.direction = direction
        self.carrierEventID = carrierEventID
        self.details = details
    }

    /// The shipment this event belongs to.
    public var shipmentKey: ShipmentKey {
        ShipmentKey(carrier: carrier, trackingNumber: trackingNumber)
    }
}

/// The carrier's raw status as it was sent.
public struct CarrierStatus: Hashable, Sendable, Codable {
    /// The carrier's status code (for carriers without codes, the adapter's best stable token).
    public var code: String
    /// The carrier's free-text description, e.g. `快件已到达【杭州转运中心】`.
    public var text: String?

    public init(code: String, text: String? = nil) {
        self.code = code
        self.text = text
    }
}

/// Whether a parcel travels towards the customer or back to the merchant.
public enum Direction: String, Hashable, Sendable, Codable, CaseIterable {
    case forward
    case `return`
}
