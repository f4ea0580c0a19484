import DelayGateModel
import Foundation

/// A customs broker's `customs` JSON (docs/customs-json.md): `{"updates": [...]}`, signed like
/// `canonical-json` (`X-DelayGate-Signature`).
///
/// Everything an update holds survives the round trip into the adapter's customs event —
/// milestone, instant (to the second), office with its code, missing documents, declaration, tax
/// due and note — except the office's coordinates, which the format has no place for.
///
/// ```swift
/// let updates = events.compactMap(CustomsUpdate.init(event:))
/// let webhook = CustomsRenderer().request(updates: updates, secret: secret, at: .now)
/// // POST to /webhooks/customs-broker
/// ```
public struct CustomsRenderer: Sendable {
    /// The adapter kind that reads it.
    public var kind: String { "customs" }

    public init() {}

    public func request(updates: [CustomsUpdate], secret: String, at time: Date) -> RenderedWebhook {
        DelayGateSignature.webhook(["updates": .array(updates.map(Self.update))], secret: secret, at: time)
    }

    static func update(_ update: CustomsUpdate) -> JSONValue {
        var fields: [String: JSONValue] = [
            "declaration_id": .string(update.declarationID),
            "carrier": .string(update.carrier),
            "tracking_number": .string(update.trackingNumber),
            "status": .string(update.status.rawValue),
            "time": .string(WireTime.rfc3339(update.time, offset: update.utcOffsetSeconds)),
        ]
        if !update.missingDocuments.isEmpty {
            fields["missing_documents"] = .array(update.missingDocuments.map { .string($0) })
        }
        if let tax = update.taxDue { fields["tax_due"] = MoneyText.json(tax) }
        if let office = update.office {
            var members: [String: JSONValue] = [:]
            if let value = office.facilityCode { members["code"] = .string(value) }
            if let value = office.facilityName { members["name"] = .string(value) }
            if let value = office.city { members["city"] = .string(value) }
            if let value = office.region { members["region"] = .string(value) }
            if let value = office.country { members["country"] = .string(value) }
            fields["office"] = .object(members)
        }
        if let note = update.note { fields["note"] = .string(note) }
        return .object(fields)
    }
}
