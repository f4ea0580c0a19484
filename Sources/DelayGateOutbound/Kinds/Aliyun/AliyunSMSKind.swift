import DelayGateAdapters
import DelayGateConfig
import Foundation
import Mustache

/// Customer SMS through Alibaba Cloud SMS (`SendSms`, API version 2017-05-25, RPC style).
///
/// ```yaml
/// kind: aliyun-sms
/// endpoint: ${ALIYUN_SMS_URL:-https://dysmsapi.aliyuncs.com}
/// access_key_id: ${ALIYUN_ACCESS_KEY_ID}
/// access_key_secret: ${ALIYUN_ACCESS_KEY_SECRET}
/// region_id: cn-hangzhou
/// sign_name: 示例商城
/// template_code: SMS_000000001            # an approved template with ${order} ${days} ${link}
/// template_params:                        # mustache over the message fields
///   order: "{{order_id}}"
///   days: "{{extra_days}}"
///   link: "{{tracking_link}}"
/// ```
///
/// Aliyun SMS has no idempotency header; the outbox key is sent as `OutId`, the caller's serial
/// number that Aliyun reports back with the delivery receipt.
public enum AliyunSMSKind: OutboundAdapterKind {
    public static let kindName = "aliyun-sms"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var endpoint: String?
        var accessKeyID: SecretReference
        var accessKeySecret: SecretReference
        var regionID: String?
        var signName: String
        var templateCode: String
        var templateParams: [String: String]?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, endpoint, concurrency
            case accessKeyID = "access_key_id"
            case accessKeySecret = "access_key_secret"
            case regionID = "region_id"
            case signName = "sign_name"
            case templateCode = "template_code"
            case templateParams = "template_params"
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let endpoint = configuration.endpoint ?? "https://dysmsapi.aliyuncs.com"
        try OutboundSettings.requireHTTPURL(endpoint, file: file, key: "endpoint")
        var missing: [String] = []
        let id = OutboundSettings.secret(configuration.accessKeyID, decoder.environment, missing: &missing)
        let secret = OutboundSettings.secret(configuration.accessKeySecret, decoder.environment, missing: &missing)
        var params: [(String, MustacheTemplate)] = []
        for (name, text) in (configuration.templateParams ?? [:]).sorted(by: { $0.key < $1.key }) {
            do {
                params.append((name, try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)))
            } catch {
                throw ConfigError(
                    file: file.path, key: "template_params.\(name)", message: "not a valid mustache template: \(error)")
            }
        }
        return AliyunSMSAdapter(
            name: file.name, endpoint: endpoint, accessKeyID: id, accessKeySecret: secret,
            regionID: configuration.regionID ?? "cn-hangzhou", signName: configuration.signName,
            templateCode: configuration.templateCode, templateParams: params, missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured Aliyun SMS adapter.
public struct AliyunSMSAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { AliyunSMSKind.kindName }
    let endpoint: String
    let accessKeyID: String?
    let accessKeySecret: String?
    let regionID: String
    let signName: String
    let templateCode: String
    let templateParams: [(String, MustacheTemplate)]
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.customerNotice] }

    /// Mainland numbers without `+86`; others with their country code and no `+`.
    static func phoneNumber(_ e164: String) -> String? {
        guard e164.first == "+", e164.dropFirst().allSatisfy(\.isASCIIDigit), e164.count >= 9 else { return nil }
        return e164.hasPrefix("+86") ? String(e164.dropFirst(3)) : String(e164.dropFirst())
    }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard let phone = message.recipient.phone.flatMap(Self.phoneNumber) else {
            throw RenderError("an SMS needs the customer's phone number in E.164 form")
        }
        var values: [String: String] = [:]
        for (name, template) in templateParams { values[name] = template.render(message.fields) }
        let body = OutboundRequest.formBody([
            ("PhoneNumbers", phone), ("SignName", signName), ("TemplateCode", templateCode),
            ("TemplateParam", OutboundRequest.json(values)), ("OutId", message.idempotencyKey),
        ])
        return OutboundRequest(
            url: endpoint, headers: [.init("Content-Type", "application/x-www-form-urlencoded")], body: body)
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        guard let accessKeyID, let accessKeySecret else { return waitingForSecrets(missingSecrets) }
        guard let business = FormURLEncoded.decode(Data((request.body ?? "").utf8)) else {
            return .permanent(status: nil, error: "the stored SendSms parameters are not a form body", response: nil)
        }
        var parameters = business.map { ($0.key, $0.value) }
        parameters += [
            ("Action", "SendSms"), ("Version", "2017-05-25"), ("AccessKeyId", accessKeyID), ("Format", "JSON"),
            ("RegionId", regionID), ("SignatureMethod", "HMAC-SHA1"), ("SignatureVersion", "1.0"),
            ("SignatureNonce", UUID().uuidString), ("Timestamp", AliyunRPCSignature.timestamp(Date())),
        ]
        parameters.append(("Signature", AliyunRPCSignature.sign(parameters, method: "POST", secret: accessKeySecret)))
        var signed = request
        signed.body = OutboundRequest.formBody(parameters)
        signed.setHeader("Accept", "application/json")
        return await http.deliver(signed, tokens: nil, classify: Self.classify)
    }

    /// Aliyun reports business errors with HTTP 200 and a `Code` other than `OK`.
    @Sendable static func classify(_ answer: OutboundHTTP.Answer) -> DeliveryOutcome {
        let code = JSONPath.string(answer.body, ["Code"])
        let message = JSONPath.string(answer.body, ["Message"]) ?? ""
        switch (answer.status, code) {
        case (200, "OK"):
            return .delivered(status: 200, receipt: JSONPath.string(answer.body, ["BizId"]))
        case (_, let code?)
        where code.hasPrefix("Throttling") || code == "isv.BUSINESS_LIMIT_CONTROL"
            || code == "SignatureNonceUsed" || code == "ServiceUnavailable" || code == "InternalError":
            return .transient(status: answer.status, retryAfter: nil, error: "Aliyun \(code): \(message)")
        case (200, let code?):
            return .permanent(status: 200, error: "Aliyun \(code): \(message)", response: answer.body)
        default:
            return OutboundHTTP.classify(answer)
        }
    }
}
