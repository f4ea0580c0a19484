import DelayGateConfig
import DelayGateModel
import Foundation

/// An adapter of one of DelayGate's own signed JSON kinds (`customs`, `disruption`, `orders`):
/// the kinds differ only in how a verified body becomes records.
public struct SignedJSONAdapter: VerifiedAdapter {
    public let name: String
    public let kind: String
    public var acceptedMediaTypes: Set<String> { ["application/json"] }

    public let verifier: TimestampedHMACVerifier
    let parseBody: @Sendable (Data, Date) throws(PayloadRejection) -> NormalizedPayload

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        try parseBody(body, receivedAt)
    }

    /// Reads the adapter file (`verification`, `options.default_time_zone`) and builds the adapter.
    static func make(
        kind: String,
        file: AdapterFile,
        decoder: ConfigDecoder,
        parse: @escaping @Sendable (Data, Date, TimeZone) throws(PayloadRejection) -> NormalizedPayload
    ) throws(ConfigError) -> SignedJSONAdapter {
        let (verifier, zone) = try SignedJSONFile.read(file, decoder: decoder)
        return SignedJSONAdapter(name: file.name, kind: kind, verifier: verifier) {
            body, receivedAt throws(PayloadRejection) in
            try parse(body, receivedAt, zone)
        }
    }
}

/// The adapter file of DelayGate's own signed JSON kinds that have only a `verification`
/// section and a default zone (`customs`, `disruption`, `orders`).
struct SignedJSONFile: Decodable {
    var kind: String
    var name: String?
    var description: String?
    var verification: SignedJSONVerification
    var options: Options?

    struct Options: Decodable {
        var defaultTimeZone: String?

        enum CodingKeys: String, CodingKey {
            case defaultTimeZone = "default_time_zone"
        }
    }

    static func read(_ file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError) -> (
        TimestampedHMACVerifier, TimeZone
    ) {
        let configuration = try decoder.decode(SignedJSONFile.self, from: file.node, file: file.path)
        return (
            try configuration.verification.verifier(file: file, environment: decoder.environment),
            try ZoneOption.zone(
                configuration.options?.defaultTimeZone, default: "Asia/Shanghai", file: file,
                key: "options.default_time_zone")
        )
    }
}

/// Decodes a `{"<list>": [...]}` body item by item: good items are kept, bad ones reported.
enum LenientList {
    static func decode<Item: Decodable>(
        _ type: Item.Type,
        key: String,
        from body: Data
    ) throws(PayloadRejection) -> [(index: Int, result: Result<Item, any Error>)] {
        let decoder = JSONDecoder()
        decoder.userInfo[.listKey] = key
        do {
            return try decoder.decode(ListEnvelope<Item>.self, from: body).items.enumerated().map {
                ($0.offset, $0.element.result)
            }
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
    }
}

extension LenientList {
    /// Decodes `{"<key>": [...]}` and transforms each item: usable items become records, the
    /// others are reported by index (`<key>[i].field: reason`). A body without any usable item
    /// is refused as a whole.
    static func collect<Item: Decodable, Record>(
        _ type: Item.Type,
        key: String,
        from body: Data,
        transform: (Item) throws(FieldError) -> Record
    ) throws(PayloadRejection) -> (records: [Record], rejected: [RejectedItem]) {
        var records: [Record] = []
        var rejected: [RejectedItem] = []
        for (index, result) in try decode(type, key: key, from: body) {
            switch result {
            case .success(let item):
                do throws(FieldError) {
                    records.append(try transform(item))
                } catch {
                    rejected.append(RejectedItem(index: index, reason: "\(key)[\(index)].\(error.reason)"))
                }
            case .failure(let error):
                rejected.append(RejectedItem(index: index, reason: JSONPayloadError.describe(error)))
            }
        }
        if records.isEmpty, !rejected.isEmpty {
            throw PayloadRejection("no usable item in \(key)", items: rejected)
        }
        return (records, rejected)
    }
}

/// `{"<key>": [items]}` where the key comes from the decoder's user info.
struct ListEnvelope<Item: Decodable>: Decodable {
    var items: [Lenient<Item>]

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: StringCodingKey.self)
        let key = decoder.userInfo[.listKey] as? String ?? "items"
        items = try container.decode([Lenient<Item>].self, forKey: StringCodingKey(key))
    }
}

extension CodingUserInfoKey {
    static let listKey = CodingUserInfoKey(rawValue: "delaygate.listKey")!
}

/// Reads `time`-like fields of our own JSON: RFC 3339, or wall-clock time in the adapter's zone.
enum OwnJSONTime {
    static func instant(_ text: String?, field: String, zone: TimeZone) throws(FieldError) -> Date? {
        guard let text else { return nil }
        // A bare date means the start of that day in the adapter's zone.
        let full = text.count == 10 ? text + "T00:00:00" : text
        guard let timestamp = CarrierTimestamp.parse(full) else {
            throw FieldError("\(field): expected an RFC 3339 time or a date such as 2026-11-14, found '\(text)'")
        }
        return timestamp.resolve(inferredZone: nil, assumedZone: zone).instant
    }

    static func eventTime(_ text: String, field: String, zone: TimeZone) throws(FieldError) -> EventTime {
        guard let timestamp = CarrierTimestamp.parse(text) else {
            throw FieldError("\(field): expected an RFC 3339 time such as 2026-11-11T08:30:00+08:00, found '\(text)'")
        }
        return timestamp.resolve(inferredZone: nil, assumedZone: zone)
    }
}

/// A field of one item that cannot be used.
struct FieldError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
