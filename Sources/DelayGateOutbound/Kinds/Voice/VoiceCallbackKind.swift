import DelayGateAdapters
import DelayGateConfig
import Foundation

/// Voice-robot callbacks for urgent cases: a call through Twilio's Calls API (the script spoken
/// with TwiML `<Say>`), or a request to a generic callback queue.
///
/// ```yaml
/// kind: voice-callback
/// queue:                                    # either queue …
///   url: ${VOICE_QUEUE_URL:-https://voice.example/v1/callbacks}
///   bearer_token: ${VOICE_QUEUE_TOKEN}      # or oauth: {token_url, client_id, client_secret, scope}
/// # twilio:                                 # … or twilio
/// #   account_sid: AC…
/// #   auth_token: ${TWILIO_AUTH_TOKEN}
/// #   from: "+15005550006"
/// ```
///
/// The queue gets the outbox key in `Idempotency-Key`; Twilio in `I-Twilio-Idempotency-Token`.
public enum VoiceCallbackKind: OutboundAdapterKind {
    public static let kindName = "voice-callback"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var queue: Queue?
        var twilio: TwilioAccountSettings?
        var concurrency: Int?

        struct Queue: Decodable {
            var url: String
            var bearerToken: SecretReference?
            var oauth: OAuthClientSettings?

            enum CodingKeys: String, CodingKey {
                case url, oauth
                case bearerToken = "bearer_token"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        var missing: [String] = []
        let route: VoiceCallbackAdapter.Route
        switch (configuration.queue, configuration.twilio) {
        case (let queue?, nil):
            try OutboundSettings.requireHTTPURL(queue.url, file: file, key: "queue.url")
            guard
                let bearer = try BearerCredential.read(
                    bearerToken: queue.bearerToken, oauth: queue.oauth, file: file, key: "queue",
                    environment: decoder.environment, missing: &missing)
            else {
                throw ConfigError(file: file.path, key: "queue", message: "give exactly one of bearer_token or oauth")
            }
            route = .queue(url: queue.url, bearer)
        case (nil, let twilio?):
            guard let from = twilio.from else {
                throw ConfigError(file: file.path, key: "twilio.from", message: "required: the number calls come from")
            }
            route = .twilio(
                try TwilioAccount(twilio, file: file, environment: decoder.environment, missing: &missing), from: from)
        default:
            throw ConfigError(file: file.path, key: "queue", message: "give exactly one of queue or twilio")
        }
        return VoiceCallbackAdapter(
            name: file.name, route: route, missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured voice-callback adapter.
public struct VoiceCallbackAdapter: OutboundAdapter {
    enum Route: Sendable {
        case queue(url: String, BearerCredential)
        case twilio(TwilioAccount, from: String)
    }

    public let name: String
    public var kind: String { VoiceCallbackKind.kindName }
    let route: Route
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.voiceCallback] }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard let phone = message.recipient.phone, TwilioAccount.isE164(phone) else {
            throw RenderError("a callback needs the customer's phone number in E.164 form")
        }
        switch route {
        case .queue(let url, _):
            var body: [String: Any] = [
                "phone": phone, "language": message.recipient.locale, "script": message.body,
                "reference": message.idempotencyKey, "priority": message.priority.rawValue,
            ]
            body["order_id"] = message.fields["order_id"]
            return OutboundRequest(
                url: url,
                headers: [
                    .init("Content-Type", "application/json"), .init("Accept", "application/json"),
                    .init("Idempotency-Key", message.idempotencyKey),
                ],
                body: OutboundRequest.json(body))
        case .twilio(let account, let from):
            let language = message.recipient.locale.hasPrefix("zh") ? "zh-CN" : "en-US"
            let twiml = "<Response><Say language=\"\(language)\">\(Self.xmlEscape(message.body))</Say></Response>"
            return account.request(
                "Calls", [("To", phone), ("From", from), ("Twiml", twiml)], key: message.idempotencyKey)
        }
    }

    static func xmlEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        switch route {
        case .queue(_, let bearer):
            var request = request
            let (ready, tokens) = bearer.apply(to: &request)
            guard ready else { return waitingForSecrets(missingSecrets) }
            return await http.deliver(request, tokens: tokens) { answer in JSONPath.string(answer.body, ["id"]) }
        case .twilio(let account, _):
            return await account.deliver(request, missing: missingSecrets, using: http)
        }
    }
}
