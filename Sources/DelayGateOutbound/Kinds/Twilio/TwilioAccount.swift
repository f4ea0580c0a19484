import DelayGateConfig
import Foundation

/// The Twilio account settings shared by `twilio-sms` and the Twilio mode of `voice-callback`.
struct TwilioAccountSettings: Decodable {
    var baseURL: String?
    var accountSID: String
    var authToken: SecretReference
    var from: String?
    var statusCallbackURL: String?

    enum CodingKeys: String, CodingKey {
        case from
        case baseURL = "base_url"
        case accountSID = "account_sid"
        case authToken = "auth_token"
        case statusCallbackURL = "status_callback_url"
    }
}

/// A Twilio account: REST resources under `/2010-04-01/Accounts/{AccountSid}`, HTTP Basic with
/// the Account SID and auth token, the outbox key in `I-Twilio-Idempotency-Token`.
struct TwilioAccount: Sendable {
    let baseURL: String
    let accountSID: String
    let authToken: String?
    let statusCallbackURL: String?

    init(_ settings: TwilioAccountSettings, file: AdapterFile, environment: [String: String], missing: inout [String])
        throws(ConfigError)
    {
        let base = settings.baseURL ?? "https://api.twilio.com"
        try OutboundSettings.requireHTTPURL(base, file: file, key: "base_url")
        guard settings.accountSID.hasPrefix("AC"), settings.accountSID.count == 34 else {
            throw ConfigError(
                file: file.path, key: "account_sid", message: "a Twilio Account SID is AC followed by 32 hex digits")
        }
        if let callback = settings.statusCallbackURL {
            try OutboundSettings.requireHTTPURL(callback, file: file, key: "status_callback_url")
        }
        baseURL = OutboundSettings.base(base)
        accountSID = settings.accountSID
        authToken = OutboundSettings.secret(settings.authToken, environment, missing: &missing)
        statusCallbackURL = settings.statusCallbackURL
    }

    func resourceURL(_ resource: String) -> String {
        "\(baseURL)/2010-04-01/Accounts/\(accountSID)/\(resource).json"
    }

    /// A form-encoded create request for `resource` (`Messages`, `Calls`).
    func request(_ resource: String, _ form: [(String, String)], key: String) -> OutboundRequest {
        var form = form
        if let statusCallbackURL { form.append(("StatusCallback", statusCallbackURL)) }
        return OutboundRequest(
            url: resourceURL(resource),
            headers: [
                .init("Content-Type", "application/x-www-form-urlencoded"), .init("Accept", "application/json"),
                .init("I-Twilio-Idempotency-Token", key),
            ],
            body: OutboundRequest.formBody(form))
    }

    func deliver(_ request: OutboundRequest, missing: [String], using http: OutboundHTTP) async -> DeliveryOutcome {
        guard let authToken else { return waitingForSecrets(missing) }
        var request = request
        request.setHeader("Authorization", "Basic \(Data("\(accountSID):\(authToken)".utf8).base64EncodedString())")
        return await http.deliver(request) { answer in JSONPath.string(answer.body, ["sid"]) }
    }

    /// E.164: `+` and 8 to 15 digits.
    static func isE164(_ phone: String) -> Bool {
        phone.first == "+" && (9...16).contains(phone.count) && phone.dropFirst().allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
