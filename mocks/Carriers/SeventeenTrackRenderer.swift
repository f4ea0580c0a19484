import Crypto
import DelayGateModel
import Foundation

/// 17TRACK's API v2 `TRACKING_UPDATED` push: the number's whole `track_info` (latest status and
/// event, key-stage milestones, and every event of the carrier's provider, newest first), signed
/// with a `sign` header holding the hex SHA-256 of `body + "/" + security key` (a plain hash, not
/// an HMAC).
///
/// Each event carries the 17TRACK sub-status of its milestone (`InTransit_Arrival`, …; a
/// carrier-reported stall picks `Exception_Delayed`) and, for key stages, its `stage`;
/// `time_iso` has the offset the event was stamped with, next to `time_utc` and `time_raw`.
/// `location` is the facility name and `address` the city, region and country. 17TRACK names
/// carriers by number: the renderer's ``carrierKeys`` table, or a carrier id of the form
/// `17track-<key>` (what the adapter makes of keys it has no mapping for).
///
/// What the shape cannot carry: facility codes (nodes come back identified by their facility
/// name, else their city) and the direction of a return parcel's ordinary scans. The adapter
/// reads events in 17TRACK's order, newest first.
///
/// ```swift
/// let webhook = try SeventeenTrackRenderer().request(history: sofar, new: [latest], secret: key, at: .now)
/// // POST to /webhooks/seventeen-track
/// ```
public struct SeventeenTrackRenderer: CarrierWebhookRenderer {
    public var kind: String { "seventeen-track" }
    /// DelayGate carrier id → 17TRACK carrier key.
    public var carrierKeys: [String: Int]

    /// The `options.carriers` of `adapters/seventeen-track.yaml`, reversed.
    public static let defaultCarrierKeys: [String: Int] = ["yunexpress": 190008, "china-post": 3011]

    /// How 17TRACK names the providers of the default keys.
    static let providerNames: [Int: String] = [190008: "YunExpress", 3011: "China Post"]

    public init(carrierKeys: [String: Int] = defaultCarrierKeys) {
        self.carrierKeys = carrierKeys
    }

    public func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
    {
        let events = try history.singleShipment(kind: kind)
        let first = events[0]
        guard let key = carrierKey(first.carrier) else {
            throw .unmappedCarrier(kind: kind, carrier: first.carrier)
        }
        let newestFirst = events.reversed().map(event)
        let latest = events[events.count - 1]
        let latestStatus = Self.subStatus(for: latest)
        let sent = WireTime.rfc3339(time, offset: 0, zulu: true)
        let provider: JSONValue = [
            "provider": [
                "key": .int(key), "name": .string(Self.providerNames[key] ?? first.carrier),
                "alias": .string(Self.providerNames[key] ?? first.carrier), "tel": .null, "homepage": .null,
                "country": .optional(first.node.country),
            ],
            "service_type": .null,
            "latest_sync_status": "Success",
            "latest_sync_time": .string(sent),
            "events_hash": .int(WireID.int32(first.trackingNumber, String(events.count), "events")),
            "events": .array(newestFirst),
        ]
        let trackInfo: JSONValue = [
            "shipping_info": [
                "shipper_address": Self.address(first.node),
                "recipient_address": Self.address(latest.node),
            ],
            "latest_status": [
                "status": .string(Self.mainStatus(of: latestStatus)), "sub_status": .string(latestStatus),
                "sub_status_descr": .null,
            ],
            "latest_event": newestFirst[0],
            "milestone": .array(Self.milestones(events)),
            "tracking": [
                "providers_hash": .int(WireID.int32(first.trackingNumber, String(events.count), "providers")),
                "providers": [provider],
            ],
        ]
        let push: JSONValue = [
            "event": "TRACKING_UPDATED",
            "data": [
                "number": .string(first.trackingNumber), "carrier": .int(key), "param": .null, "tag": .null,
                "track_info": trackInfo,
            ],
        ]
        let body = push.encoded()
        var hasher = SHA256()
        hasher.update(data: body)
        hasher.update(data: Data(("/" + secret).utf8))
        let sign = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return RenderedWebhook(
            headers: RenderedWebhook.headers(contentType: "application/json", ("sign", sign)), body: body)
    }

    private func carrierKey(_ carrier: String) -> Int? {
        if let key = carrierKeys[carrier] { return key }
        guard carrier.hasPrefix("17track-") else { return nil }
        return Int(carrier.dropFirst("17track-".count))
    }

    private func event(_ event: TrackingEvent) -> JSONValue {
        let offset = WireTime.offset(of: event.time)
        let local = WireTime.components(event.time.instant, offset: offset)
        return [
            "time_iso": .string(WireTime.rfc3339(event.time.instant, offset: offset)),
            "time_utc": .string(WireTime.rfc3339(event.time.instant, offset: 0, zulu: true)),
            "time_raw": [
                "date": .string(local.date), "time": .string(local.time),
                "timezone": .string(WireTime.offsetText(offset)),
            ],
            "description": .string(event.carrierStatus.text ?? Self.subStatus(for: event)),
            "location": .optional(event.node.facilityName),
            "stage": .optional(Self.stage(for: event.milestone)),
            "sub_status": .string(Self.subStatus(for: event)),
            "address": Self.address(event.node),
        ]
    }

    static func address(_ node: TrackingNode) -> JSONValue {
        [
            "country": .optional(node.country), "state": .optional(node.region), "city": .optional(node.city),
            "street": .null, "postal_code": .null,
            "coordinates": [
                "longitude": node.coordinates.map { JSONValue.double($0.longitude) } ?? .null,
                "latitude": node.coordinates.map { JSONValue.double($0.latitude) } ?? .null,
            ],
        ]
    }

    /// The key stages 17TRACK summarizes, each with the time of its first event (null when not reached).
    static func milestones(_ events: [TrackingEvent]) -> [JSONValue] {
        let stages = [
            "InfoReceived", "PickedUp", "Departure", "Arrival", "AvailableForPickup", "OutForDelivery", "Delivered",
            "Returning", "Returned",
        ]
        return stages.map { stage in
            guard let reached = events.first(where: { self.stage(for: $0.milestone) == stage }) else {
                return [
                    "key_stage": .string(stage), "time_iso": .null, "time_utc": .null,
                    "time_raw": ["date": .null, "time": .null, "timezone": .null],
                ]
            }
            let offset = WireTime.offset(of: reached.time)
            let local = WireTime.components(reached.time.instant, offset: offset)
            return [
                "key_stage": .string(stage),
                "time_iso": .string(WireTime.rfc3339(reached.time.instant, offset: offset)),
                "time_utc": .string(WireTime.rfc3339(reached.time.instant, offset: 0, zulu: true)),
                "time_raw": [
                    "date": .string(local.date), "time": .string(local.time),
                    "timezone": .string(WireTime.offsetText(offset)),
                ],
            ]
        }
    }

    /// The 17TRACK key stage a milestone is, if it is one.
    static func stage(for milestone: Milestone) -> String? {
        switch milestone {
        case .labelCreated: "InfoReceived"
        case .pickedUp: "PickedUp"
        case .hubDeparture: "Departure"
        case .hubArrival: "Arrival"
        case .awaitingPickup: "AvailableForPickup"
        case .outForDelivery: "OutForDelivery"
        case .delivered: "Delivered"
        case .returning: "Returning"
        case .returned: "Returned"
        default: nil
        }
    }

    /// The 17TRACK sub-status of an event's milestone.
    static func subStatus(for event: TrackingEvent) -> String {
        switch event.milestone {
        case .unknown: "NotFound_Other"
        case .labelCreated: "InfoReceived"
        case .pickedUp: "InTransit_PickedUp"
        case .hubArrival: "InTransit_Arrival"
        case .hubDeparture: "InTransit_Departure"
        case .customsStarted: "InTransit_CustomsProcessing"
        case .customsDocsRequired: "InTransit_CustomsRequiringInformation"
        case .customsHeld: "Exception_Security"
        case .customsCleared: "InTransit_CustomsReleased"
        case .outForDelivery: "OutForDelivery_Other"
        case .awaitingPickup: "AvailableForPickup_Other"
        case .attemptFailed: "DeliveryFailure_Other"
        case .delivered: "Delivered_Other"
        case .returning: "Exception_Returning"
        case .returned: "Exception_Returned"
        case .lostOrDamaged: "Exception_Lost"
        case .exception: event.details.carrierReportedStall ? "Exception_Delayed" : "Exception_Other"
        }
    }

    /// `InTransit_Arrival` → `InTransit`.
    static func mainStatus(of subStatus: String) -> String {
        String(subStatus.split(separator: "_").first ?? Substring(subStatus))
    }
}
