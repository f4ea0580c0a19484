import DelayGateAdapters
import DelayGateConfig
import Foundation

/// Zendesk Support tickets (`POST /api/v2/tickets.json`).
///
/// ```yaml
/// kind: zendesk
/// base_url: ${ZENDESK_URL:-https://shop.zendesk.com}
/// auth:
///   email: delaygate@shop.example      # API token auth: {email}/token:{api_token}
///   api_token: ${ZENDESK_API_TOKEN}
///   # or bearer_token: ${ZENDESK_OAUTH_TOKEN}, or oauth: {token_url, client_id, client_secret, scope}
/// ticket:
///   type: incident
///   red_flag_tag: delaygate_red_flag   # added for urgent and extreme alerts
///   tags: [delaygate]
///   custom_fields: {order_id: 360001, order_value: 360002}   # message field → Zendesk field id
/// ```
///
/// Retries carry the outbox key in Zendesk's `Idempotency-Key` header and as the ticket's
/// `external_id`, so a retry after a crash returns the first ticket instead of a second one.
public enum ZendeskKind: OutboundAdapterKind {
    public static let kindName = "zendesk"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var baseURL: String
        var auth: Auth
        var ticket: Ticket?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, auth, ticket, concurrency
            case baseURL = "base_url"
        }

        struct Auth: Decodable {
            var email: String?
            var apiToken: SecretReference?
            var bearerToken: SecretReference?
            var oauth: OAuthClientSettings?

            enum CodingKeys: String, CodingKey {
                case email, oauth
                case apiToken = "api_token"
                case bearerToken = "bearer_token"
            }
        }

        struct Ticket: Decodable {
            var type: String?
            var redFlagTag: String?
            var tags: [String]?
            var customFields: [String: Int64]?

            enum CodingKeys: String, CodingKey {
                case type, tags
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
        let auth = configuration.auth
        let credential: ZendeskAdapter.Credential
        let bearer = try BearerCredential.read(
            bearerToken: auth.bearerToken, oauth: auth.oauth, file: file, key: "auth", environment: decoder.environment,
            missing: &missing)
        switch (auth.apiToken, bearer) {
        case (let token?, nil):
            guard let email = auth.email, !email.isEmpty else {
                throw ConfigError(file: file.path, key: "auth.email", message: "API token auth needs the agent's email")
            }
            credential =
                OutboundSettings.secret(token, decoder.environment, missing: &missing).map {
                    .basic("\(email)/token:\($0)")
                } ?? .none
        case (nil, let bearer?):
            credential = .bearer(bearer)
        default:
            throw ConfigError(
                file: file.path, key: "auth",
                message: "give exactly one of api_token (with email), bearer_token or oauth")
        }
        let ticket = configuration.ticket
        return ZendeskAdapter(
            name: file.name, baseURL: OutboundSettings.base(configuration.baseURL), credential: credential,
            ticketType: ticket?.type ?? "incident", redFlagTag: ticket?.redFlagTag ?? "delaygate_red_flag",
            tags: ticket?.tags ?? ["delaygate"], customFields: ticket?.customFields ?? [:], missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured Zendesk adapter.
public struct ZendeskAdapter: OutboundAdapter {
    enum Credential: Sendable {
        case none
        case basic(String)
        case bearer(BearerCredential)
    }

    public let name: String
    public var kind: String { ZendeskKind.kindName }
    let baseURL: String
    let credential: Credential
    let ticketType: String
    let redFlagTag: String
    let tags: [String]
    let customFields: [String: Int64]
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.ticket] }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard message.purpose == .ticket else { throw RenderError("zendesk creates tickets, not \(message.purpose)") }
        var ticket: [String: Any] = [
            "subject": message.subject ?? message.body.prefix(80).description,
            "comment": ["body": message.body, "public": false],
            "priority": message.priority.rawValue,
            "type": ticketType,
            "tags": (tags + message.tags + (message.isRedFlag ? [redFlagTag] : [])).map(Self.tag),
            "external_id": message.idempotencyKey,
        ]
        if let group = message.group { ticket["group_id"] = Int64(group) ?? group }
        var requester: [String: String] = [:]
        requester["name"] = message.recipient.name ?? message.recipient.phone ?? message.recipient.email
        requester["email"] = message.recipient.email
        if requester["email"] != nil || message.recipient.phone != nil {
            ticket["requester"] = requester
        }
        let custom = customFields.keys.sorted().compactMap { field -> [String: Any]? in
            guard let id = customFields[field], let value = message.fields[field] else { return nil }
            return ["id": id, "value": value]
        }
        if !custom.isEmpty { ticket["custom_fields"] = custom }
        return OutboundRequest(
            url: "\(baseURL)/api/v2/tickets.json",
            headers: [
                .init("Content-Type", "application/json"), .init("Accept", "application/json"),
                .init("Idempotency-Key", message.idempotencyKey),
            ],
            body: OutboundRequest.json(["ticket": ticket]))
    }

    /// Zendesk tags are lowercase words without spaces.
    static func tag(_ text: String) -> String {
        text.lowercased().map { $0 == " " ? "_" : $0 }.reduce(into: "") { $0.append($1) }
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        var request = request
        let tokens: (any AccessTokenSource)?
        switch credential {
        case .none: return waitingForSecrets(missingSecrets)
        case .basic(let userAndToken):
            request.setHeader("Authorization", "Basic \(Data(userAndToken.utf8).base64EncodedString())")
            tokens = nil
        case .bearer(let bearer):
            let (ready, source) = bearer.apply(to: &request)
            guard ready else { return waitingForSecrets(missingSecrets) }
            tokens = source
        }
        return await http.deliver(request, tokens: tokens) { answer in
            JSONPath.string(answer.body, ["ticket", "id"])
        }
    }
}

/// Reads a value from a JSON answer by key path, as text.
enum JSONPath {
    static func string(_ body: String, _ path: [String]) -> String? {
        guard var value = try? JSONSerialization.jsonObject(with: Data(body.utf8)) else { return nil }
        for key in path {
            guard let object = value as? [String: Any], let next = object[key] else { return nil }
            value = next
        }
        switch value {
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }
}
