import DelayGateAdapters
import DelayGateConfig
import Foundation

/// Freshdesk tickets (`POST /api/v2/tickets`), HTTP Basic with the API key.
///
/// ```yaml
/// kind: freshdesk
/// base_url: ${FRESHDESK_URL:-https://shop.freshdesk.com}
/// api_key: ${FRESHDESK_API_KEY}
/// ticket:
///   source: 2                     # 1 email, 2 portal, 3 phone, 7 chat, …
///   status: 2                     # 2 open
///   key_field: cf_delaygate_key   # a text custom field holding the outbox key
///   custom_fields: {order_id: cf_order_id, order_value: cf_order_value}
/// ```
///
/// Freshdesk has no idempotency header: the outbox key goes into a custom field, and every
/// attempt first searches for a ticket with that key (`GET /api/v2/search/tickets`), so a retry
/// after a crash finds the first ticket instead of creating a second one.
public enum FreshdeskKind: OutboundAdapterKind {
    public static let kindName = "freshdesk"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var baseURL: String
        var apiKey: SecretReference
        var ticket: Ticket?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, ticket, concurrency
            case baseURL = "base_url"
            case apiKey = "api_key"
        }

        struct Ticket: Decodable {
            var source: Int?
            var status: Int?
            var keyField: String?
            var tags: [String]?
            var redFlagTag: String?
            var customFields: [String: String]?

            enum CodingKeys: String, CodingKey {
                case source, status, tags
                case keyField = "key_field"
                case redFlagTag = "red_flag_tag"
                case customFields = "custom_fields"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        try OutboundSettings.requireHTTPURL(configuration.baseURL, file: file, key: "base_url")
        var missing: [String] = []
        let key = OutboundSettings.secret(configuration.apiKey, decoder.environment, missing: &missing)
        let ticket = configuration.ticket
        let status = ticket?.status ?? 2
        guard (2...5).contains(status) else {
            throw ConfigError(file: file.path, key: "ticket.status", message: "expected 2 to 5, found \(status)")
        }
        let keyField = ticket?.keyField ?? "cf_delaygate_key"
        guard keyField.hasPrefix("cf_") else {
            throw ConfigError(
                file: file.path, key: "ticket.key_field", message: "Freshdesk custom fields start with cf_")
        }
        return FreshdeskAdapter(
            name: file.name, baseURL: OutboundSettings.base(configuration.baseURL), apiKey: key,
            source: ticket?.source ?? 2, status: status, keyField: keyField, tags: ticket?.tags ?? ["delaygate"],
            redFlagTag: ticket?.redFlagTag ?? "delaygate_red_flag", customFields: ticket?.customFields ?? [:],
            missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured Freshdesk adapter.
public struct FreshdeskAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { FreshdeskKind.kindName }
    let baseURL: String
    let apiKey: String?
    let source: Int
    let status: Int
    let keyField: String
    let tags: [String]
    let redFlagTag: String
    let customFields: [String: String]
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.ticket] }

    /// Freshdesk's priority codes.
    static func priority(_ priority: OutboundMessage.Priority) -> Int {
        switch priority {
        case .low: 1
        case .normal: 2
        case .high: 3
        case .urgent: 4
        }
    }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard message.purpose == .ticket else { throw RenderError("freshdesk creates tickets, not \(message.purpose)") }
        let recipient = message.recipient
        guard recipient.email != nil || recipient.phone != nil else {
            throw RenderError("a Freshdesk ticket needs the customer's email or phone")
        }
        var ticket: [String: Any] = [
            "subject": message.subject ?? String(message.body.prefix(80)),
            "description": Self.html(message.body),
            "priority": Self.priority(message.priority),
            "status": status,
            "source": source,
            "tags": tags + message.tags + (message.isRedFlag ? [redFlagTag] : []),
        ]
        if let email = recipient.email { ticket["email"] = email }
        if let phone = recipient.phone { ticket["phone"] = phone }
        // Freshdesk wants a name whenever the requester is known by phone only.
        ticket["name"] = recipient.name ?? recipient.phone ?? recipient.email
        if let group = message.group { ticket["group_id"] = Int64(group) ?? group }
        var custom: [String: Any] = [keyField: message.idempotencyKey]
        for (field, freshdeskField) in customFields {
            if let value = message.fields[field] { custom[freshdeskField] = value }
        }
        ticket["custom_fields"] = custom
        return OutboundRequest(
            url: "\(baseURL)/api/v2/tickets",
            headers: [.init("Content-Type", "application/json"), .init("Accept", "application/json")],
            body: OutboundRequest.json(ticket))
    }

    /// Text as Freshdesk's HTML description: escaped, line breaks kept.
    static func html(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\n", with: "<br>")
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        guard let apiKey else { return waitingForSecrets(missingSecrets) }
        let authorization = "Basic \(Data("\(apiKey):X".utf8).base64EncodedString())"
        // A ticket created by an earlier attempt whose answer was lost: deliver it, do not create it again.
        let query = "\"\(keyField):'\(idempotencyKey)'\""
        var search = OutboundRequest(
            method: "GET", url: "\(baseURL)/api/v2/search/tickets?query=\(FormURLEncoded.percentEncode(query))",
            headers: [.init("Authorization", authorization), .init("Accept", "application/json")])
        search.body = nil
        if let answer = try? await http.send(search), answer.status == 200,
            let data = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let results = data["results"] as? [[String: Any]], let first = results.first
        {
            return .delivered(status: 200, receipt: (first["id"] as? NSNumber)?.stringValue)
        }
        var request = request
        request.setHeader("Authorization", authorization)
        return await http.deliver(request) { answer in JSONPath.string(answer.body, ["id"]) }
    }
}
