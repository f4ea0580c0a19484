import DelayGateModel
import Foundation

/// An adapter of the ``EasyPostKind`` kind.
///
/// Each event carries one Tracker with all its `tracking_details`; each detail becomes an event.
/// EasyPost always sends an offset (the location's zone, or `Z` when it does not know the
/// place). A tracker with `is_return` is a return: its events travel in the return direction and
/// its `delivered` means `returned`.
public struct EasyPostAdapter: VerifiedAdapter {
    public let name: String
    public var kind: String { EasyPostKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public let verifier: HMACHeaderVerifier
    let carriers: [String: String]

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        let event: Event
        do {
            event = try JSONDecoder().decode(Event.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
        // The same endpoint receives batch, refund and other events: only trackers carry scans.
        guard event.description?.hasPrefix("tracker.") == true else { return NormalizedPayload() }
        guard let tracker = event.result, let number = tracker.tracking_code?.trimmingWhitespace(), !number.isEmpty
        else {
            throw PayloadRejection("result.tracking_code: required field is missing")
        }
        let carrierName = tracker.carrier ?? "unknown"
        let carrier = carriers[carrierName] ?? carrierName.lowercased()
        let isReturn = tracker.is_return ?? false
        var payload = NormalizedPayload()
        for (index, item) in (tracker.tracking_details ?? []).enumerated() {
            guard case .success(let detail) = item.result, let time = detail.datetime,
                let timestamp = CarrierTimestamp.parse(time)
            else {
                payload.rejectedItems.append(
                    RejectedItem(index: index, reason: "result.tracking_details[\(index)]: missing or invalid datetime")
                )
                continue
            }
            let entry = EasyPostCrosswalk.entry(detail: detail.status_detail, status: detail.status)
            var milestone =
                EasyPostCrosswalk.customsMilestone(message: detail.message, detail: detail.status_detail)
                ?? entry?.milestone ?? .unknown
            if isReturn, milestone == .delivered { milestone = .returned }
            let location = detail.tracking_location
            payload.events.append(
                TrackingEvent(
                    carrier: carrier, trackingNumber: String(number),
                    // Without a location EasyPost stamps UTC: still an explicit offset, as sent.
                    time: timestamp.resolve(
                        inferredZone: TimeZoneInference.zone(forCountry: location?.country),
                        assumedZone: TimeZone(identifier: "UTC")!),
                    receivedAt: receivedAt, milestone: milestone,
                    carrierStatus: CarrierStatus(
                        code: detail.status_detail ?? detail.status ?? "unknown", text: detail.message),
                    node: TrackingNode(
                        city: location?.city, region: location?.state,
                        country: location?.country.map(TimeZoneInference.normalizedCountryCode)),
                    direction: isReturn || milestone == .returning ? .return : .forward,
                    carrierEventID: ScanIdentity.make(
                        tracker.id ?? String(number), time, detail.carrier_code, detail.message, location?.city,
                        location?.zip),
                    details: EventDetails(carrierReportedStall: entry?.stall ?? false)))
        }
        if payload.events.isEmpty, !payload.rejectedItems.isEmpty {
            throw PayloadRejection("no usable tracking detail in the event", items: payload.rejectedItems)
        }
        return payload
    }

    // MARK: Wire format (EasyPost's field names)

    struct Event: Decodable {
        var id: String?
        var description: String?
        var result: Tracker?
    }

    struct Tracker: Decodable {
        var id: String?
        var tracking_code: String?
        var carrier: String?
        var is_return: Bool?
        var tracking_details: [Lenient<Detail>]?
    }

    struct Detail: Decodable {
        var message: String?
        var status: String?
        var status_detail: String?
        var datetime: String?
        var carrier_code: String?
        var tracking_location: Location?
    }

    struct Location: Decodable {
        var city: String?
        var state: String?
        var country: String?
        var zip: String?
    }
}
