import Crypto
import DelayGateAdapters
import DelayGateConfig
import Foundation

/// App push through Firebase Cloud Messaging's HTTP v1 API
/// (`POST /v1/projects/{project}/messages:send`), with access tokens from the service account's
/// JWT bearer grant, cached until shortly before they expire and refreshed once after a 401.
///
/// ```yaml
/// kind: fcm-push
/// service_account: ${FCM_SERVICE_ACCOUNT}   # the whole service-account key JSON
/// project_id: shop-app                       # default: the key file's project_id
/// base_url: https://fcm.googleapis.com       # default
/// ```
///
/// FCM has no idempotency header: the outbox key travels as `data.delaygate_key`, so the app can
/// drop a repeated notification.
public enum FCMPushKind: OutboundAdapterKind {
    public static let kindName = "fcm-push"
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var serviceAccount: SecretReference
        var projectID: String?
        var baseURL: String?
        var tokenURL: String?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, concurrency
            case serviceAccount = "service_account"
            case projectID = "project_id"
            case baseURL = "base_url"
            case tokenURL = "token_url"
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let base = configuration.baseURL ?? "https://fcm.googleapis.com"
        try OutboundSettings.requireHTTPURL(base, file: file, key: "base_url")
        if let tokenURL = configuration.tokenURL {
            try OutboundSettings.requireHTTPURL(tokenURL, file: file, key: "token_url")
        }
        var missing: [String] = []
        var tokens: ClientCredentialsTokenProvider?
        var projectID = configuration.projectID
        if let json = OutboundSettings.secret(configuration.serviceAccount, decoder.environment, missing: &missing) {
            let account: ServiceAccount
            do {
                account = try ServiceAccount(json: json)
                tokens = try account.tokenProvider(scope: scope, tokenURL: configuration.tokenURL)
            } catch {
                throw ConfigError(
                    file: file.path, key: "service_account",
                    message:
                        "\(configuration.serviceAccount): \(error is RenderError ? "\(error)" : "the private key is not a PEM RSA key")"
                )
            }
            projectID = projectID ?? account.projectID
        }
        guard missing.isEmpty || configuration.projectID != nil || tokens != nil else {
            throw ConfigError(
                file: file.path, key: "project_id", message: "required while the service account is not set")
        }
        guard let project = projectID else {
            throw ConfigError(
                file: file.path, key: "project_id", message: "the key file names no project; give project_id")
        }
        return FCMPushAdapter(
            name: file.name,
            sendURL: "\(OutboundSettings.base(base))/v1/projects/\(project)/messages:send", tokens: tokens,
            missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured FCM adapter.
public struct FCMPushAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { FCMPushKind.kindName }
    let sendURL: String
    let tokens: ClientCredentialsTokenProvider?
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.customerNotice] }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard let target = message.recipient.appUserID, !target.isEmpty else {
            throw RenderError("a push needs the customer's app registration token")
        }
        var data = ["delaygate_key": message.idempotencyKey, "level": message.level, "scenario": message.scenario]
        for field in ["order_id", "tracking_number", "tracking_link"] {
            data[field] = message.fields[field]
        }
        // FCM has no idempotency key: a push re-sent after a crash reaches the device again. The
        // key as Android's notification tag and as APNs' collapse id makes the second one replace
        // the first on screen instead of showing twice.
        let collapseID = Self.collapseID(message.idempotencyKey)
        let body: [String: Any] = [
            "message": [
                "token": target,
                "notification": ["title": message.subject ?? "", "body": message.body],
                "data": data,
                "android": ["priority": message.isRedFlag ? "high" : "normal", "notification": ["tag": collapseID]],
                "apns": ["headers": ["apns-collapse-id": collapseID]],
            ]
        ]
        return OutboundRequest(
            url: sendURL, headers: [.init("Content-Type", "application/json; charset=UTF-8")],
            body: OutboundRequest.json(body))
    }

    /// The idempotency key when it fits APNs' 64-byte limit on `apns-collapse-id`, else the hex
    /// SHA-256 of it (64 characters).
    static func collapseID(_ key: String) -> String {
        guard key.utf8.count > 64 else { return key }
        return Hex.encode(Data(SHA256.hash(data: Data(key.utf8))))
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        guard let tokens else { return waitingForSecrets(missingSecrets) }
        return await http.deliver(request, tokens: tokens) { answer in JSONPath.string(answer.body, ["name"]) }
    }
}
