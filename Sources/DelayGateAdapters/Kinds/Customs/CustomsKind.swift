import DelayGateConfig
import DelayGateModel
import Foundation

/// The `customs` kind: customs-declaration status updates for cross-border parcels, in
/// DelayGate's JSON (see `docs/customs-json.md`), signed like `canonical-json`. Brokers with their
/// own shapes use a `json-mapping` file with `missing_documents` mapped instead.
///
/// ```yaml
/// kind: customs
/// verification:
///   secret: ${CUSTOMS_BROKER_SECRET}
/// options:
///   default_time_zone: Asia/Shanghai
/// ```
public enum CustomsKind: InboundAdapterKind {
    public static let kindName = "customs"

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        // Each update becomes a customs event on its parcel, with the missing documents,
        // the declaration and any tax due.
        try SignedJSONAdapter.make(kind: kindName, file: file, decoder: decoder) {
            body, receivedAt, zone throws(PayloadRejection) in
            let (events, rejected) = try LenientList.collect(Update.self, key: "updates", from: body) {
                update throws(FieldError) in
                try update.event(zone: zone, receivedAt: receivedAt)
            }
            return NormalizedPayload(events: events, rejectedItems: rejected)
        }
    }

    struct Update: Decodable {
        var declarationID: String
        var carrier: String
        var trackingNumber: String
        var status: String
        var time: String
        var missingDocuments: [String]?
        var taxDue: Amount?
        var office: Office?
        var note: String?

        enum CodingKeys: String, CodingKey {
            case carrier, status, time, office, note
            case declarationID = "declaration_id"
            case trackingNumber = "tracking_number"
            case missingDocuments = "missing_documents"
            case taxDue = "tax_due"
        }

        struct Office: Decodable {
            var code: String?
            var name: String?
            var city: String?
            var region: String?
            var country: String?
        }

        func event(zone: TimeZone, receivedAt: Date) throws(FieldError) -> TrackingEvent {
            let entry = CustomsCrosswalk.table[status]
            if status == "documents_required", (missingDocuments ?? []).isEmpty {
                throw FieldError("missing_documents: required when the status is documents_required")
            }
            return TrackingEvent(
                carrier: carrier, trackingNumber: trackingNumber,
                time: try OwnJSONTime.eventTime(time, field: "time", zone: zone), receivedAt: receivedAt,
                milestone: entry?.milestone ?? .unknown,
                carrierStatus: CarrierStatus(code: status, text: note),
                node: TrackingNode(
                    facilityCode: office?.code, facilityName: office?.name, city: office?.city, region: office?.region,
                    country: office?.country.map(TimeZoneInference.normalizedCountryCode)),
                carrierEventID: "customs:\(declarationID):\(status):\(time)",
                details: EventDetails(
                    missingDocuments: missingDocuments ?? [], carrierReportedStall: entry?.stall ?? false,
                    customsDeclaration: declarationID, taxDue: taxDue?.money))
        }
    }
}

/// `{"amount": "86.40", "currency": "CNY"}`; the amount may be a string or a number.
struct Amount: Decodable {
    var money: Money

    enum CodingKeys: String, CodingKey {
        case amount, currency
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let currency = try container.decode(String.self, forKey: .currency)
        let text: String
        if let string = try? container.decode(String.self, forKey: .amount) {
            text = string
        } else {
            text = String(try container.decode(Double.self, forKey: .amount))
        }
        guard let amount = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")), currency.count == 3 else {
            throw DecodingError.dataCorruptedError(
                forKey: .amount, in: container,
                debugDescription: "expected an amount such as \"86.40\" and a 3-letter currency")
        }
        money = Money(amount: amount, currency: currency.uppercased())
    }
}
