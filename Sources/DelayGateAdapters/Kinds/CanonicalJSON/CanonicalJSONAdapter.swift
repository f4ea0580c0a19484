import Crypto
import DelayGateModel
import Foundation
import HTTPTypes

/// An adapter of the ``CanonicalJSONKind`` kind.
///
/// Body (`application/json`):
/// ```json
/// {"events": [{
///     "event_id": "evt-0001",
///     "carrier": "sf-express",
///     "tracking_number": "SF1400000001",
///     "time": "2026-11-11T08:30:00+08:00",
///     "milestone": "hub_arrival",
///     "raw_code": "30",
///     "raw_text": "快件到达【杭州转运中心】",
///     "direction": "forward",
///     "node": {"facility_code": "571WA", "facility_name": "杭州转运中心", "city": "杭州市",
///              "region": "浙江省", "country": "CN", "latitude": 30.27, "longitude": 120.15}
/// }]}
/// ```
/// Only `tracking_number`, `time` and `milestone` are required (and `carrier` unless the adapter
/// fixes it). A time without an offset is placed in `time_zone` when given, else in the zone of
/// the node's country when that country has one zone, else in the adapter's default zone, and
/// the event records which. A milestone outside the taxonomy is kept as `unknown` with the
/// sent value as its raw code.
public struct CanonicalJSONAdapter: VerifiedAdapter {
    public let name: String
    public var kind: String { CanonicalJSONKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public let verifier: TimestampedHMACVerifier
    let format: CanonicalJSONFormat

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        try format.parse(body, receivedAt: receivedAt)
    }
}

/// The body of DelayGate's canonical JSON (see ``CanonicalJSONAdapter``), read with an adapter's
/// defaults. Shared by the `canonical-json` kind and `POST /v1/events`.
public struct CanonicalJSONFormat: Sendable {
    /// The zone of times without an offset whose place gives no zone.
    let defaultTimeZone: TimeZone
    /// The carrier of events that name none.
    let fixedCarrier: String?

    public init(defaultTimeZone: TimeZone, fixedCarrier: String? = nil) {
        self.defaultTimeZone = defaultTimeZone
        self.fixedCarrier = fixedCarrier
    }

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        let batch: Batch
        do {
            batch = try JSONDecoder().decode(Batch.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
        var payload = NormalizedPayload()
        for (index, item) in batch.events.enumerated() {
            do {
                payload.events.append(try item.result.get().trackingEvent(format: self, receivedAt: receivedAt))
            } catch let error as ItemError {
                payload.rejectedItems.append(RejectedItem(index: index, reason: "events[\(index)].\(error.reason)"))
            } catch {
                payload.rejectedItems.append(RejectedItem(index: index, reason: JSONPayloadError.describe(error)))
            }
        }
        if payload.events.isEmpty, !payload.rejectedItems.isEmpty {
            throw PayloadRejection("no usable event in the batch", items: payload.rejectedItems)
        }
        return payload
    }

    // MARK: Wire format

    struct Batch: Decodable {
        var events: [Lenient<Event>]
    }

    struct Event: Decodable {
        var eventID: String?
        var carrier: String?
        var trackingNumber: String
        var time: String
        var timeZone: String?
        var milestone: String
        var rawCode: String?
        var rawText: String?
        var direction: String?
        var node: CanonicalNode?

        enum CodingKeys: String, CodingKey {
            case carrier, time, milestone, direction, node
            case eventID = "event_id"
            case trackingNumber = "tracking_number"
            case timeZone = "time_zone"
            case rawCode = "raw_code"
            case rawText = "raw_text"
        }

        func trackingEvent(format adapter: CanonicalJSONFormat, receivedAt: Date) throws(ItemError) -> TrackingEvent {
            guard let carrier = (carrier ?? adapter.fixedCarrier).flatMap(Self.identifier) else {
                throw ItemError(
                    carrier == nil ? "carrier: required field is missing" : "carrier: expected 1–64 visible characters")
            }
            guard let trackingNumber = Self.identifier(trackingNumber) else {
                throw ItemError("tracking_number: expected 1–64 visible characters")
            }
            guard let timestamp = CarrierTimestamp.parse(time) else {
                throw ItemError("time: expected an RFC 3339 time such as 2026-11-11T08:30:00+08:00, found '\(time)'")
            }
            let eventTime: EventTime
            switch timestamp {
            case .instant:
                eventTime = timestamp.resolve(inferredZone: nil, assumedZone: adapter.defaultTimeZone)
            case .wallClock(let wall):
                if let zoneName = timeZone {
                    guard let zone = TimeZone(identifier: zoneName) else {
                        throw ItemError("time_zone: '\(zoneName)' is not an IANA time zone such as Asia/Shanghai")
                    }
                    // The sender named the zone, so the offset is known exactly.
                    let instant = wall.instant(in: zone)
                    eventTime = EventTime(
                        instant: instant, source: .explicitOffset(seconds: zone.secondsFromGMT(for: instant)))
                } else {
                    eventTime = timestamp.resolve(
                        inferredZone: TimeZoneInference.zone(forCountry: node?.country),
                        assumedZone: adapter.defaultTimeZone)
                }
            }
            let direction: Direction
            switch self.direction {
            case nil: direction = .forward
            case let value?:
                guard let parsed = Direction(rawValue: value) else {
                    throw ItemError("direction: expected 'forward' or 'return', found '\(value)'")
                }
                direction = parsed
            }
            let canonical = Milestone(rawValue: milestone) ?? .unknown
            let rawCode = rawCode ?? milestone
            guard !rawCode.isEmpty else { throw ItemError("milestone: must not be empty") }
            var coordinates: Coordinates?
            if let latitude = node?.latitude, let longitude = node?.longitude {
                guard (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                    throw ItemError("node: latitude/longitude out of range")
                }
                coordinates = Coordinates(latitude: latitude, longitude: longitude)
            }
            return TrackingEvent(
                carrier: carrier,
                trackingNumber: trackingNumber,
                time: eventTime,
                receivedAt: receivedAt,
                milestone: canonical,
                carrierStatus: CarrierStatus(code: rawCode, text: rawText),
                node: TrackingNode(
                    facilityCode: node?.facilityCode, facilityName: node?.facilityName, city: node?.city,
                    region: node?.region,
                    country: node?.country.map(TimeZoneInference.normalizedCountryCode),
                    coordinates: coordinates),
                direction: direction,
                carrierEventID: eventID)
        }

        /// Trimmed identifier of 1–64 characters without control characters.
        static func identifier(_ text: String) -> String? {
            let trimmed = String(text.trimmingWhitespace())
            guard !trimmed.isEmpty, trimmed.count <= 64,
                !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { return nil }
            return trimmed
        }
    }

    struct ItemError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// Decodes an element without failing its whole array: one bad item of a batch is reported,
/// the others are kept.
struct Lenient<Wrapped: Decodable>: Decodable {
    let result: Result<Wrapped, any Error>

    init(from decoder: any Decoder) throws {
        do {
            result = .success(try Wrapped(from: decoder))
        } catch {
            result = .failure(error)
        }
    }
}
