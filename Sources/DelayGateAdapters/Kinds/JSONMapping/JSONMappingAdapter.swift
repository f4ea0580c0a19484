import DelayGateModel
import Foundation

/// An adapter of the ``JSONMappingKind`` kind: its behaviour is its compiled ``Mapping``.
public struct JSONMappingAdapter: InboundAdapter {
    public let name: String
    public var kind: String { JSONMappingKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }
    public var missingSecrets: [String] { verifier.missingSecrets }

    let verifier: any RequestVerifier
    let mapping: Mapping

    /// Where each canonical field is, and how to read it.
    struct Mapping: Sendable {
        var events: JSONPath
        var trackingNumber: JSONPath
        var fixedCarrier: String?
        var carrier: JSONPath?
        var time: JSONPath
        var timeFormat: TimePattern
        var timeZone: TimeZone
        var status: JSONPath
        var statusText: JSONPath?
        var eventID: JSONPath?
        var facilityCode: JSONPath?
        var facilityName: JSONPath?
        var city: JSONPath?
        var region: JSONPath?
        var country: JSONPath?
        var latitude: JSONPath?
        var longitude: JSONPath?
        var direction: JSONPath?
        var returnValues: Set<String>
        var missingDocuments: JSONPath?
        var statuses: [String: Milestone]
        var stallStatuses: Set<String>
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        try verifier.verify(request, now: now)
    }

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        let root: DynamicJSON
        do {
            root = try JSONDecoder().decode(DynamicJSON.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
        let items = mapping.events.values(root: root, item: root)
        guard !items.isEmpty else {
            throw PayloadRejection("no events at \(mapping.events)")
        }
        var payload = NormalizedPayload()
        for (index, item) in items.enumerated() {
            do throws(ItemError) {
                payload.events.append(try event(from: item, root: root, receivedAt: receivedAt))
            } catch {
                payload.rejectedItems.append(RejectedItem(index: index, reason: "event \(index): \(error.reason)"))
            }
        }
        if payload.events.isEmpty {
            throw PayloadRejection("no usable event in the body", items: payload.rejectedItems)
        }
        return payload
    }

    private func event(from item: DynamicJSON, root: DynamicJSON, receivedAt: Date) throws(ItemError) -> TrackingEvent {
        func text(_ path: JSONPath?) -> String? {
            path.flatMap { $0.first(root: root, item: item)?.text }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let number = text(mapping.trackingNumber)?.trimmingWhitespace(), !number.isEmpty else {
            throw ItemError("no tracking number at \(mapping.trackingNumber)")
        }
        guard let carrier = mapping.carrier.flatMap(text) ?? mapping.fixedCarrier else {
            throw ItemError("no carrier at \(mapping.carrier?.description ?? "carrier")")
        }
        guard let timeValue = mapping.time.first(root: root, item: item),
            let timestamp = mapping.timeFormat.parse(timeValue)
        else {
            throw ItemError("no time in the configured format at \(mapping.time)")
        }
        guard let code = text(mapping.status) else {
            throw ItemError("no status code at \(mapping.status)")
        }
        let milestone = mapping.statuses[code] ?? .unknown
        let country = text(mapping.country).map(TimeZoneInference.normalizedCountryCode)
        let latitude = mapping.latitude.flatMap { $0.first(root: root, item: item)?.double }
        let longitude = mapping.longitude.flatMap { $0.first(root: root, item: item)?.double }
        let documents = mapping.missingDocuments.map { $0.values(root: root, item: item).compactMap(\.text) } ?? []
        let returning = text(mapping.direction).map(mapping.returnValues.contains) ?? false
        return TrackingEvent(
            carrier: carrier, trackingNumber: String(number),
            time: timestamp.resolve(
                inferredZone: TimeZoneInference.zone(forCountry: country), assumedZone: mapping.timeZone),
            receivedAt: receivedAt, milestone: milestone,
            carrierStatus: CarrierStatus(code: code, text: text(mapping.statusText)),
            node: TrackingNode(
                facilityCode: text(mapping.facilityCode), facilityName: text(mapping.facilityName),
                city: text(mapping.city),
                region: text(mapping.region), country: country,
                coordinates: latitude.flatMap { lat in longitude.map { Coordinates(latitude: lat, longitude: $0) } }),
            direction: returning || milestone == .returning || milestone == .returned ? .return : .forward,
            carrierEventID: text(mapping.eventID),
            details: EventDetails(
                missingDocuments: documents, carrierReportedStall: mapping.stallStatuses.contains(code)))
    }

    struct ItemError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
