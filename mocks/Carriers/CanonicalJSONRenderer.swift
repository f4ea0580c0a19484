import DelayGateModel
import Foundation

/// DelayGate's own `canonical-json` batch (docs/canonical-json.md), as an integrator or a
/// carrier's direct integration posts it: `{"events": [...]}` signed with
/// `X-DelayGate-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
///
/// Only `new` is sent (integrators post what is new; a resent event is de-duplicated by its
/// `event_id`), and events of several shipments may share a batch. Every field of the event
/// survives the round trip — carrier, number, instant (to the second, with its offset, and the
/// zone name in `time_zone` when the event has one), milestone, raw code and text, direction,
/// the whole node with facility code and coordinates, and the carrier's event id — except
/// ``TrackingEvent/details``, which the format does not carry (customs facts travel as
/// ``CustomsUpdate``s).
///
/// ```swift
/// let webhook = try CanonicalJSONRenderer().request(history: sofar, new: [latest], secret: secret, at: .now)
/// // POST to /webhooks/integrator
/// ```
public struct CanonicalJSONRenderer: CarrierWebhookRenderer {
    public var kind: String { "canonical-json" }
    /// The signature header (the adapter's `verification.header`).
    public var header: String

    public init(header: String = "X-DelayGate-Signature") {
        self.header = header
    }

    public func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
    {
        guard !new.isEmpty else { throw .noEvents(kind: kind) }
        return DelayGateSignature.webhook(
            ["events": .array(new.map(Self.event))], secret: secret, at: time, header: header)
    }

    static func event(_ event: TrackingEvent) -> JSONValue {
        var fields: [String: JSONValue] = [
            "event_id": .string(event.carrierEventID ?? Self.eventID(event)),
            "carrier": .string(event.carrier),
            "tracking_number": .string(event.trackingNumber),
            "time": .string(WireTime.rfc3339(event.time.instant, offset: WireTime.offset(of: event.time))),
            "milestone": .string(event.milestone.rawValue),
            "raw_code": .string(event.carrierStatus.code),
            "direction": .string(event.direction.rawValue),
        ]
        if let zone = WireTime.zoneName(of: event.time) { fields["time_zone"] = .string(zone) }
        if let text = event.carrierStatus.text { fields["raw_text"] = .string(text) }
        if !event.node.isEmpty { fields["node"] = node(event.node) }
        return .object(fields)
    }

    /// `{"facility_code": …, "facility_name": …, "city": …, "region": …, "country": …, "latitude": …, "longitude": …}`,
    /// members the node lacks left out.
    static func node(_ node: TrackingNode) -> JSONValue {
        var fields: [String: JSONValue] = [:]
        if let value = node.facilityCode { fields["facility_code"] = .string(value) }
        if let value = node.facilityName { fields["facility_name"] = .string(value) }
        if let value = node.city { fields["city"] = .string(value) }
        if let value = node.region { fields["region"] = .string(value) }
        if let value = node.country { fields["country"] = .string(value) }
        if let point = node.coordinates {
            fields["latitude"] = .double(point.latitude)
            fields["longitude"] = .double(point.longitude)
        }
        return .object(fields)
    }

    /// A stable id for an event without one, so that resending it is de-duplicated exactly.
    static func eventID(_ event: TrackingEvent) -> String {
        event.trackingNumber + "-"
            + WireID.hex(
                event.carrier, event.trackingNumber,
                String(Int64(event.time.instant.timeIntervalSince1970.rounded(.down))),
                event.milestone.rawValue, event.carrierStatus.code, event.node.identifier ?? "", count: 12)
    }
}
