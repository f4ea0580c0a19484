import DelayGateAdapters
import DelayGateConfig
import Foundation
import Mustache

/// A templated HTTP request for any other receiver.
///
/// ```yaml
/// kind: generic-http
/// url: https://hooks.example/delaygate
/// purposes: [ticket]                 # customer_notice, ticket, voice_callback, alternative_fulfilment (default: all)
/// headers: {X-Source: delaygate}
/// body: |                            # mustache; {{x}} is JSON-escaped (default: the whole message as JSON)
///   {"key": "{{idempotency_key}}", "level": "{{level}}", "text": "{{body}}"}
/// auth:
///   bearer_token: ${HOOK_TOKEN}      # or oauth: {…}; none when left out
/// ```
///
/// The outbox key goes in the `Idempotency-Key` header.
public enum GenericHTTPKind: OutboundAdapterKind {
    public static let kindName = "generic-http"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var url: String
        var method: String?
        var purposes: [OutboundMessage.Purpose]?
        var headers: [String: String]?
        var contentType: String?
        var body: String?
        var auth: Auth?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, url, method, purposes, headers, body, auth, concurrency
            case contentType = "content_type"
        }

        struct Auth: Decodable {
            var bearerToken: SecretReference?
            var oauth: OAuthClientSettings?

            enum CodingKeys: String, CodingKey {
                case oauth
                case bearerToken = "bearer_token"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        try OutboundSettings.requireHTTPURL(configuration.url, file: file, key: "url")
        let method = (configuration.method ?? "POST").uppercased()
        guard ["POST", "PUT", "PATCH"].contains(method) else {
            throw ConfigError(file: file.path, key: "method", message: "expected POST, PUT or PATCH, found \(method)")
        }
        JSONContentType.registerOnce()
        var template: MustacheTemplate?
        if let body = configuration.body {
            do {
                template = try MustacheTemplate(string: "{{% CONTENT_TYPE: JSON}}" + body)
            } catch {
                throw ConfigError(file: file.path, key: "body", message: "not a valid mustache template: \(error)")
            }
        }
        var missing: [String] = []
        let bearer = try BearerCredential.read(
            bearerToken: configuration.auth?.bearerToken, oauth: configuration.auth?.oauth, file: file, key: "auth",
            environment: decoder.environment, missing: &missing)
        return GenericHTTPAdapter(
            name: file.name, url: configuration.url, method: method,
            purposes: Set(
                configuration.purposes ?? [.customerNotice, .ticket, .voiceCallback, .alternativeFulfilment]),
            headers: (configuration.headers ?? [:]).sorted { $0.key < $1.key }.map { .init($0.key, $0.value) },
            contentType: configuration.contentType ?? "application/json", template: template, bearer: bearer,
            missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured generic HTTP adapter.
public struct GenericHTTPAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { GenericHTTPKind.kindName }
    let url: String
    let method: String
    public let purposes: Set<OutboundMessage.Purpose>
    let headers: [OutboundRequest.Header]
    let contentType: String
    let template: MustacheTemplate?
    /// Nil: the receiver takes no credentials.
    let bearer: BearerCredential?
    public let missingSecrets: [String]
    public let concurrency: Int

    /// The message as template values (and the default JSON body).
    static func values(_ message: OutboundMessage) -> [String: Any] {
        var values: [String: Any] = message.fields
        values["idempotency_key"] = message.idempotencyKey
        values["purpose"] = message.purpose.rawValue
        values["level"] = message.level
        values["scenario"] = message.scenario
        values["priority"] = message.priority.rawValue
        values["subject"] = message.subject
        values["body"] = message.body
        values["group"] = message.group
        values["tags"] = message.tags
        values["recipient_name"] = message.recipient.name
        values["recipient_phone"] = message.recipient.phone
        values["recipient_email"] = message.recipient.email
        values["locale"] = message.recipient.locale
        return values
    }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard purposes.contains(message.purpose) else {
            throw RenderError("adapter '\(name)' is not configured for \(message.purpose.rawValue)")
        }
        let values = Self.values(message)
        let body = template?.render(values) ?? OutboundRequest.json(values)
        return OutboundRequest(
            method: method, url: url,
            headers: headers + [.init("Content-Type", contentType), .init("Idempotency-Key", message.idempotencyKey)],
            body: body)
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        if !missingSecrets.isEmpty { return waitingForSecrets(missingSecrets) }
        var request = request
        request.setHeader("Idempotency-Key", idempotencyKey)
        let (ready, tokens) = bearer?.apply(to: &request) ?? (true, nil)
        guard ready else { return waitingForSecrets(missingSecrets) }
        return await http.deliver(request, tokens: tokens)
    }
}

/// `{{% CONTENT_TYPE: JSON}}`: values escaped for the inside of a JSON string.
struct JSONContentType: MustacheContentType {
    func escapeText(_ text: String) -> String {
        let quoted = OutboundRequest.json([text])
        return String(quoted.dropFirst(2).dropLast(2))
    }

    private static let registration: Void = MustacheContentTypes.register(JSONContentType(), named: "JSON")

    static func registerOnce() { _ = registration }
}
