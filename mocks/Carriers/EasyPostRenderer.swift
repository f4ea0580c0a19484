import Crypto
import DelayGateModel
import Foundation

/// EasyPost's tracker webhook: an `Event` (`tracker.created` for a tracker's first push, else
/// `tracker.updated`) whose `result` is the Tracker with all its `tracking_details`, signed with
/// `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the body>`, keyed — as EasyPost's own
/// clients do — with the NFKD form of the webhook secret.
///
/// Each detail carries the EasyPost `status`/`status_detail` of its milestone and an English
/// carrier message; EasyPost has no customs codes, so customs milestones are told in the message
/// (`Customs clearance …`), which is how the adapter reads them. `datetime` has the offset the
/// event was stamped with, or `Z` where the node gives no place, as EasyPost writes it. A
/// shipment whose first event travels in the return direction becomes an `is_return` tracker,
/// whose `delivered` means returned.
///
/// What the shape cannot carry: facility codes and names (a `TrackingLocation` has only city,
/// state, country and zip, so nodes come back identified by their city), the carrier's own status
/// text (replaced by EasyPost's English message), a carrier-reported stall on anything but an
/// exception, and `returned` on a forward tracker (sent as `return_to_sender`, read back as
/// `returning`).
///
/// ```swift
/// let webhook = try EasyPostRenderer().request(history: sofar, new: [latest], secret: secret, at: .now)
/// // POST to /webhooks/easypost
/// ```
public struct EasyPostRenderer: CarrierWebhookRenderer {
    public var kind: String { "easypost" }
    /// DelayGate carrier id → EasyPost carrier name; other carriers are sent with their id, which
    /// the adapter lowercases back.
    public var carrierNames: [String: String]

    /// The `options.carriers` of `adapters/easypost.yaml`, reversed.
    public static let defaultCarrierNames: [String: String] = [
        "ups": "UPS", "fedex": "FedEx", "dhl-express": "DHLExpress",
    ]

    public init(carrierNames: [String: String] = defaultCarrierNames) {
        self.carrierNames = carrierNames
    }

    public func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
    {
        let events = try history.singleShipment(kind: kind)
        let first = events[0]
        let carrier = carrierNames[first.carrier] ?? first.carrier
        let isReturn = first.direction == .return
        let details = events.map { detail($0, carrier: carrier, isReturn: isReturn) }
        let latest = Self.status(for: events[events.count - 1], isReturn: isReturn)
        let trackerID = "trk_" + WireID.hex(carrier, first.trackingNumber)
        let sent = WireTime.rfc3339(time, offset: 0, zulu: true)
        let tracker: JSONValue = [
            "id": .string(trackerID),
            "object": "Tracker",
            "mode": "production",
            "tracking_code": .string(first.trackingNumber),
            "carrier": .string(carrier),
            "status": .string(latest.status),
            "status_detail": .string(latest.detail),
            "signed_by": .null,
            "weight": .null,
            "est_delivery_date": .null,
            "is_return": .bool(isReturn),
            "finalized": .bool(events[events.count - 1].milestone.isTerminal),
            "created_at": .string(WireTime.rfc3339(first.time.instant, offset: 0, zulu: true)),
            "updated_at": .string(sent),
            "fees": [],
            "tracking_details": .array(details),
        ]
        let isFirstPush = history.count == new.count
        var event: [String: JSONValue] = [
            "id": .string("evt_" + WireID.hex(trackerID, String(events.count), sent)),
            "object": "Event",
            "mode": "production",
            "description": isFirstPush ? "tracker.created" : "tracker.updated",
            "status": "pending",
            "created_at": .string(sent),
            "updated_at": .string(sent),
            "result": tracker,
        ]
        if !isFirstPush, events.count > new.count {
            let before = Self.status(for: events[events.count - new.count - 1], isReturn: isReturn)
            event["previous_attributes"] = ["status": .string(before.status)]
        }
        let body = JSONValue.object(event).encoded()
        // EasyPost's client libraries key the HMAC with the NFKD-normalized secret.
        let key = SymmetricKey(data: Data(secret.decomposedStringWithCompatibilityMapping.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        let hex = Data(mac).map { String(format: "%02x", $0) }.joined()
        return RenderedWebhook(
            headers: RenderedWebhook.headers(
                contentType: "application/json", ("X-Hmac-Signature", "hmac-sha256-hex=" + hex)),
            body: body)
    }

    private func detail(_ event: TrackingEvent, carrier: String, isReturn: Bool) -> JSONValue {
        let status = Self.status(for: event, isReturn: isReturn)
        let node = event.node
        let hasPlace = node.city != nil || node.region != nil || node.country != nil
        return [
            "object": "TrackingDetail",
            "message": .string(status.message),
            "description": "",
            "status": .string(status.status),
            "status_detail": .string(status.detail),
            "datetime": .string(
                WireTime.rfc3339(event.time.instant, offset: hasPlace ? WireTime.offset(of: event.time) : 0, zulu: true)
            ),
            "source": .string(carrier),
            "carrier_code": .string(event.carrierStatus.code),
            "tracking_location": [
                "object": "TrackingLocation",
                "city": .optional(node.city),
                "state": .optional(node.region),
                "country": .optional(node.country),
                "zip": .null,
            ],
        ]
    }

    /// EasyPost's `status`, `status_detail` and a carrier-style message for an event.
    static func status(for event: TrackingEvent, isReturn: Bool) -> (status: String, detail: String, message: String) {
        switch event.milestone {
        case .unknown: return ("unknown", "unknown", "Status update")
        case .labelCreated: return ("pre_transit", "label_created", "Shipping label created")
        case .pickedUp: return ("in_transit", "received_at_origin_facility", "Pickup scan")
        case .hubArrival: return ("in_transit", "arrived_at_facility", "Arrived at facility")
        case .hubDeparture: return ("in_transit", "departed_facility", "Departed from facility")
        case .customsStarted: return ("in_transit", "in_transit", "Customs clearance in progress")
        case .customsDocsRequired:
            return ("in_transit", "awaiting_information", "Customs clearance: documents required from the receiver")
        case .customsHeld: return ("in_transit", "held", "Held by customs pending payment of duties")
        case .customsCleared: return ("in_transit", "in_transit", "Customs clearance complete, package released")
        case .outForDelivery: return ("out_for_delivery", "out_for_delivery", "Out for delivery")
        case .awaitingPickup: return ("available_for_pickup", "arrived_at_pickup_location", "Ready for pickup")
        case .attemptFailed: return ("failure", "delivery_exception", "Delivery attempted, receiver not available")
        case .delivered: return ("delivered", "delivered", "Delivered")
        case .returning: return ("return_to_sender", "return", "Returning to sender")
        case .returned:
            // Only a return tracker can say a parcel arrived back: it is that tracker's delivery.
            return isReturn
                ? ("delivered", "delivered", "Delivered to sender")
                : ("return_to_sender", "return", "Returned to sender")
        case .lostOrDamaged: return ("failure", "lost", "Package lost")
        case .exception:
            return event.details.carrierReportedStall
                ? ("in_transit", "delayed", "Package delayed")
                : ("in_transit", "transit_exception", "Transit exception")
        }
    }
}
