import DelayGateModel
import Foundation

/// An adapter of the ``AfterShipKind`` kind.
///
/// Each webhook carries one tracking with all its checkpoints; each checkpoint becomes an
/// event. `checkpoint_time` is the carrier's local time and may lack an offset: the zone is then
/// taken from the checkpoint's country when it has a single zone, else the adapter's default
/// zone is assumed, and the event records which.
public struct AfterShipAdapter: VerifiedAdapter {
    public let name: String
    public var kind: String { AfterShipKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public let verifier: HMACHeaderVerifier
    let defaultTimeZone: TimeZone
    let carriers: [String: String]

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        let webhook: Webhook
        do {
            webhook = try JSONDecoder().decode(Webhook.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
        // Estimated-delivery revisions and pending reminders carry no checkpoint news.
        guard webhook.event == "tracking_update" else { return NormalizedPayload() }
        guard let tracking = webhook.msg, let number = tracking.tracking_number?.trimmingWhitespace(), !number.isEmpty
        else {
            throw PayloadRejection("msg.tracking_number: required field is missing")
        }
        let slug = tracking.slug ?? "unknown"
        let carrier = carriers[slug] ?? slug
        var payload = NormalizedPayload()
        for (index, item) in (tracking.checkpoints ?? []).enumerated() {
            guard case .success(let checkpoint) = item.result else {
                payload.rejectedItems.append(
                    RejectedItem(index: index, reason: "msg.checkpoints[\(index)]: not a checkpoint object"))
                continue
            }
            guard let time = checkpoint.checkpoint_time, let timestamp = CarrierTimestamp.parse(time) else {
                payload.rejectedItems.append(
                    RejectedItem(
                        index: index,
                        reason:
                            "msg.checkpoints[\(index)].checkpoint_time '\(checkpoint.checkpoint_time ?? "")' is not a date-time"
                    ))
                continue
            }
            let entry = AfterShipCrosswalk.entry(subtag: checkpoint.subtag, tag: checkpoint.tag)
            let milestone = entry?.milestone ?? .unknown
            let country = checkpoint.country_iso3.map(TimeZoneInference.normalizedCountryCode)
            payload.events.append(
                TrackingEvent(
                    carrier: carrier, trackingNumber: String(number),
                    time: timestamp.resolve(
                        inferredZone: TimeZoneInference.zone(forCountry: country), assumedZone: defaultTimeZone),
                    receivedAt: receivedAt, milestone: milestone,
                    carrierStatus: CarrierStatus(
                        code: checkpoint.subtag ?? checkpoint.tag ?? "unknown", text: checkpoint.message),
                    node: TrackingNode(
                        facilityName: checkpoint.location, city: checkpoint.city, region: checkpoint.state,
                        country: country,
                        coordinates: checkpoint.coordinate.flatMap { point in
                            point.latitude.flatMap { lat in
                                point.longitude.map { Coordinates(latitude: lat, longitude: $0) }
                            }
                        }),
                    direction: milestone == .returning || milestone == .returned ? .return : .forward,
                    carrierEventID: ScanIdentity.make(
                        checkpoint.slug ?? slug, time, checkpoint.message, checkpoint.location),
                    details: EventDetails(carrierReportedStall: entry?.stall ?? false)))
        }
        if payload.events.isEmpty, !payload.rejectedItems.isEmpty {
            throw PayloadRejection("no usable checkpoint in the webhook", items: payload.rejectedItems)
        }
        return payload
    }

    // MARK: Wire format (AfterShip's field names)

    struct Webhook: Decodable {
        var event: String?
        var event_id: String?
        var msg: Tracking?
    }

    struct Tracking: Decodable {
        var tracking_number: String?
        var slug: String?
        var tag: String?
        var checkpoints: [Lenient<Checkpoint>]?
    }

    struct Checkpoint: Decodable {
        var slug: String?
        var checkpoint_time: String?
        var location: String?
        var city: String?
        var state: String?
        var country_iso3: String?
        var message: String?
        var tag: String?
        var subtag: String?
        var coordinate: Coordinate?
    }

    struct Coordinate: Decodable {
        var latitude: Double?
        var longitude: Double?
    }
}
