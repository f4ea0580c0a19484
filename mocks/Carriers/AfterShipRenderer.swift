import Crypto
import DelayGateModel
import Foundation

/// AfterShip's `tracking_update` webhook: the tracking (`msg`) with all its checkpoints, as
/// AfterShip resends them on every update, signed with `aftership-hmac-sha256` (Base64
/// HMAC-SHA256 of the raw body under the webhook secret).
///
/// Each checkpoint's `subtag` is the AfterShip subtag of its milestone (a stall reported by the
/// carrier picks the stall subtag: `Exception_005` delayed, `Exception_008` uncollected);
/// `checkpoint_time` is the local time with the offset the event was stamped with. The
/// checkpoint's `location` is the facility name, `city`/`state` the city and region, and
/// `country_iso3` the country.
///
/// What the shape cannot carry: facility codes (the node comes back identified by its facility
/// name, else its city), and the direction of a return parcel's ordinary scans (AfterShip marks
/// only `returning`/`returned` checkpoints).
///
/// ```swift
/// let webhook = try AfterShipRenderer().request(history: sofar, new: [latest], secret: secret, at: .now)
/// // POST to /webhooks/aftership
/// ```
public struct AfterShipRenderer: CarrierWebhookRenderer {
    public var kind: String { "aftership" }
    /// DelayGate carrier id → AfterShip slug; other carriers are sent with their id as slug.
    public var slugs: [String: String]

    /// The `options.carriers` of `adapters/aftership.yaml`, reversed.
    public static let defaultSlugs: [String: String] = ["ems": "china-ems", "zto": "zto-express", "yunda": "yundaex"]

    public init(slugs: [String: String] = defaultSlugs) {
        self.slugs = slugs
    }

    public func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
    {
        let events = try history.singleShipment(kind: kind)
        let first = events[0]
        let last = events[events.count - 1]
        let slug = slugs[first.carrier] ?? first.carrier
        let latest = Self.subtag(for: last)
        let sentAt = Int(time.timeIntervalSince1970.rounded(.down))
        let pickup = events.first { $0.milestone == .pickedUp }
        let delivery = events.last { $0.milestone == .delivered }
        let tracking: JSONValue = [
            "id": .string(WireID.hex(slug, first.trackingNumber)),
            "tracking_number": .string(first.trackingNumber),
            "slug": .string(slug),
            "active": .bool(!last.milestone.isTerminal),
            "tag": .string(Self.tag(of: latest)),
            "subtag": .string(latest),
            "subtag_message": .string(Self.subtagMessage(latest)),
            "title": .string(first.trackingNumber),
            "created_at": .string(WireTime.rfc3339(first.time.instant, offset: 0, zulu: true)),
            "updated_at": .string(WireTime.rfc3339(time, offset: 0, zulu: true)),
            "origin_country_region": .optional(CountryCodes.alpha3(first.node.country)),
            "destination_country_region": .optional(CountryCodes.alpha3(last.node.country)),
            "shipment_pickup_date": .optional(pickup.map { Self.localTime($0.time) }),
            "shipment_delivery_date": .optional(delivery.map { Self.localTime($0.time) }),
            "return_to_sender": .bool(events.contains { $0.milestone == .returning || $0.milestone == .returned }),
            "checkpoints": .array(events.map { checkpoint($0, slug: slug) }),
        ]
        let webhook: JSONValue = [
            "event": "tracking_update",
            "event_id": .string(WireID.uuid(slug, first.trackingNumber, String(events.count), String(sentAt))),
            // Whether this update moved the tracking to a tag it did not have before.
            "is_tracking_first_tag": .bool(
                !events.dropLast().contains { Self.tag(of: Self.subtag(for: $0)) == Self.tag(of: latest) }),
            "ts": .int(sentAt),
            "msg": tracking,
        ]
        let body = webhook.encoded()
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return RenderedWebhook(
            headers: RenderedWebhook.headers(
                contentType: "application/json", ("aftership-hmac-sha256", Data(mac).base64EncodedString())),
            body: body)
    }

    private func checkpoint(_ event: TrackingEvent, slug: String) -> JSONValue {
        let subtag = Self.subtag(for: event)
        var fields: [String: JSONValue] = [
            "slug": .string(slug),
            "created_at": .string(WireTime.rfc3339(event.time.instant, offset: 0, zulu: true)),
            "checkpoint_time": .string(Self.localTime(event.time)),
            "location": .optional(event.node.facilityName),
            "city": .optional(event.node.city),
            "state": .optional(event.node.region),
            "zip": .null,
            "country_iso3": .optional(CountryCodes.alpha3(event.node.country)),
            "message": .string(event.carrierStatus.text ?? Self.subtagMessage(subtag)),
            "tag": .string(Self.tag(of: subtag)),
            "subtag": .string(subtag),
            "subtag_message": .string(Self.subtagMessage(subtag)),
            "raw_tag": .string(event.carrierStatus.code),
        ]
        if let point = event.node.coordinates {
            fields["coordinate"] = ["latitude": .double(point.latitude), "longitude": .double(point.longitude)]
        }
        return .object(fields)
    }

    static func localTime(_ time: EventTime) -> String {
        WireTime.rfc3339(time.instant, offset: WireTime.offset(of: time))
    }

    /// The AfterShip subtag of an event's milestone.
    static func subtag(for event: TrackingEvent) -> String {
        let stall = event.details.carrierReportedStall
        switch event.milestone {
        case .unknown: return "Pending_001"
        case .labelCreated: return "InfoReceived_001"
        case .pickedUp: return "InTransit_002"
        case .hubArrival: return "InTransit_003"
        case .hubDeparture: return "InTransit_007"
        case .customsStarted: return "InTransit_006"
        case .customsDocsRequired: return "Exception_018"
        case .customsHeld: return event.details.taxDue == nil ? "Exception_004" : "Exception_006"
        case .customsCleared: return "InTransit_005"
        case .outForDelivery: return "OutForDelivery_001"
        case .awaitingPickup: return stall ? "Exception_008" : "AvailableForPickup_001"
        case .attemptFailed: return "AttemptFail_001"
        case .delivered: return "Delivered_001"
        case .returning: return "Exception_010"
        case .returned: return "Exception_011"
        case .lostOrDamaged: return "Exception_013"
        case .exception: return stall ? "Exception_005" : "Exception_001"
        }
    }

    /// `InTransit_003` → `InTransit`.
    static func tag(of subtag: String) -> String {
        String(subtag.split(separator: "_").first ?? Substring(subtag))
    }

    static func subtagMessage(_ subtag: String) -> String {
        messages[subtag] ?? tag(of: subtag)
    }

    private static let messages: [String: String] = [
        "Pending_001": "No information yet",
        "InfoReceived_001": "Info received",
        "InTransit_002": "Acceptance scan",
        "InTransit_003": "Arrival scan",
        "InTransit_005": "Customs clearance completed",
        "InTransit_006": "Customs clearance started",
        "InTransit_007": "Departure scan",
        "OutForDelivery_001": "Out for delivery",
        "AvailableForPickup_001": "Available for pickup",
        "AttemptFail_001": "Failed delivery attempt",
        "Delivered_001": "Delivered",
        "Exception_001": "Delivery exception",
        "Exception_004": "Delayed (customs clearance)",
        "Exception_005": "Delayed (external factors)",
        "Exception_006": "Held for payment",
        "Exception_008": "Pickup missed",
        "Exception_010": "Returning to sender",
        "Exception_011": "Returned to sender",
        "Exception_013": "Shipment lost",
        "Exception_018": "Customs documents required",
    ]
}
