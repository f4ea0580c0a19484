import DelayGateConfig
import Foundation

/// Customer SMS through Twilio's Messages API (form-encoded `POST …/Messages.json`).
///
/// ```yaml
/// kind: twilio-sms
/// base_url: ${TWILIO_URL:-https://api.twilio.com}
/// account_sid: AC00000000000000000000000000000000
/// auth_token: ${TWILIO_AUTH_TOKEN}
/// from: "+15005550006"                    # or messaging_service_sid: MG…
/// status_callback_url: https://gateway.example/webhooks/twilio-status
/// ```
public enum TwilioSMSKind: OutboundAdapterKind {
    public static let kindName = "twilio-sms"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var account: TwilioAccountSettings
        var messagingServiceSID: String?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, concurrency
            case messagingServiceSID = "messaging_service_sid"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decode(String.self, forKey: .kind)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            description = try container.decodeIfPresent(String.self, forKey: .description)
            messagingServiceSID = try container.decodeIfPresent(String.self, forKey: .messagingServiceSID)
            concurrency = try container.decodeIfPresent(Int.self, forKey: .concurrency)
            account = try TwilioAccountSettings(from: decoder)
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        var missing: [String] = []
        let account = try TwilioAccount(
            configuration.account, file: file, environment: decoder.environment, missing: &missing)
        let sender: (String, String)
        switch (configuration.account.from, configuration.messagingServiceSID) {
        case (let from?, nil): sender = ("From", from)
        case (nil, let service?): sender = ("MessagingServiceSid", service)
        default:
            throw ConfigError(
                file: file.path, key: "from", message: "give exactly one of from or messaging_service_sid")
        }
        return TwilioSMSAdapter(
            name: file.name, account: account, sender: sender, missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured Twilio SMS adapter.
public struct TwilioSMSAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { TwilioSMSKind.kindName }
    let account: TwilioAccount
    let sender: (String, String)
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.customerNotice] }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard let phone = message.recipient.phone, TwilioAccount.isE164(phone) else {
            throw RenderError("an SMS needs the customer's phone number in E.164 form")
        }
        return account.request(
            "Messages", [("To", phone), sender, ("Body", message.body)], key: message.idempotencyKey)
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        await account.deliver(request, missing: missingSecrets, using: http)
    }
}
