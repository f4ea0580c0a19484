import DelayGateModel
import Foundation

/// An adapter of the ``SeventeenTrackKind`` kind.
///
/// A push carries one number with the events of every carrier leg
/// (`track_info.tracking.providers[].events[]`). `time_iso` may lack an offset: the zone then
/// comes from the event's country when it has a single zone, else the adapter's default is
/// assumed. `TRACKING_STOPPED` and the dashboard's test push carry no events and are accepted
/// as such.
public struct SeventeenTrackAdapter: VerifiedAdapter {
    public let name: String
    public var kind: String { SeventeenTrackKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public let verifier: SuffixedSHA256Verifier
    let defaultTimeZone: TimeZone
    let carriers: [String: String]

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        let push: Push
        do {
            push = try JSONDecoder().decode(Push.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
        guard let data = push.data, let number = data.number?.trimmingWhitespace(), !number.isEmpty else {
            throw PayloadRejection("data.number: required field is missing")
        }
        let carrierKey = data.carrier.map(String.init) ?? "unknown"
        let carrier = carriers[carrierKey] ?? "17track-\(carrierKey)"
        var payload = NormalizedPayload()
        var index = 0
        for provider in data.track_info?.tracking?.providers ?? [] {
            let providerKey = provider.provider?.key.map(String.init) ?? carrierKey
            for item in provider.events ?? [] {
                defer { index += 1 }
                guard case .success(let event) = item.result, let time = event.time_iso,
                    let timestamp = CarrierTimestamp.parse(time)
                else {
                    payload.rejectedItems.append(
                        RejectedItem(index: index, reason: "tracking event \(index): missing or invalid time_iso"))
                    continue
                }
                let entry = SeventeenTrackCrosswalk.entry(subStatus: event.sub_status, stage: event.stage)
                let milestone = entry?.milestone ?? .unknown
                let country = event.address?.country.map(TimeZoneInference.normalizedCountryCode)
                payload.events.append(
                    TrackingEvent(
                        carrier: carrier, trackingNumber: String(number),
                        time: timestamp.resolve(
                            inferredZone: TimeZoneInference.zone(forCountry: country), assumedZone: defaultTimeZone),
                        receivedAt: receivedAt, milestone: milestone,
                        carrierStatus: CarrierStatus(
                            code: event.sub_status ?? event.stage ?? "unknown", text: event.description),
                        node: TrackingNode(
                            facilityName: event.location, city: event.address?.city, region: event.address?.state,
                            country: country),
                        direction: milestone == .returning || milestone == .returned ? .return : .forward,
                        carrierEventID: ScanIdentity.make(providerKey, time, event.description),
                        details: EventDetails(carrierReportedStall: entry?.stall ?? false)))
            }
        }
        if payload.events.isEmpty, !payload.rejectedItems.isEmpty {
            throw PayloadRejection("no usable event in the push", items: payload.rejectedItems)
        }
        return payload
    }

    // MARK: Wire format (17TRACK's field names)

    struct Push: Decodable {
        var event: String?
        var data: PushData?
    }

    struct PushData: Decodable {
        var number: String?
        var carrier: Int?
        var tag: String?
        var track_info: TrackInfo?
    }

    struct TrackInfo: Decodable {
        var tracking: Tracking?
    }

    struct Tracking: Decodable {
        var providers: [Provider]?
    }

    struct Provider: Decodable {
        var provider: ProviderInfo?
        var events: [Lenient<Event>]?
    }

    struct ProviderInfo: Decodable {
        var key: Int?
    }

    struct Event: Decodable {
        var time_iso: String?
        var description: String?
        var location: String?
        var stage: String?
        var sub_status: String?
        var address: Address?
    }

    struct Address: Decodable {
        var country: String?
        var state: String?
        var city: String?
    }
}
