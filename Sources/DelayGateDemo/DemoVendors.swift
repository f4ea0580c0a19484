import Crypto
import CryptoExtras
import DelayGateMocks
import DelayGateModel
import Foundation
import Hummingbird

/// The outside world of the demo: the vendors DelayGate delivers to (Zendesk, Twilio, FCM, a
/// voice-callback queue, the ERP), as the mocks in `mocks/` play them on one local server, and
/// the secrets both sides share.
///
/// ```swift
/// let vendors = try DemoVendors(warehouseSKUs: skus)
/// try await MockServer.run(vendors.router()) { base in
///     let environment = vendors.environment(baseURL: base)   // for config/ and adapters/
/// }
/// ```
public struct DemoVendors: Sendable {
    public let zendesk: MockZendesk
    public let twilio: MockTwilio
    public let fcm: MockFCM
    public let voice: MockVoiceQueue
    public let erp: MockERP
    let serviceAccount: String
    /// Webhook and API secrets by environment variable (random for each run).
    public let secrets: [String: String]

    static let twilioAccount = "AC" + String(repeating: "d", count: 32)
    static let serviceAccountEmail = "delaygate-demo@delaygate-shop.iam.gserviceaccount.com"

    /// - Parameter warehouseSKUs: the items the ERP's warehouses hold (every warehouse, plenty).
    public init(warehouseSKUs: Set<String>) throws {
        func random() -> String { Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString() }
        var secrets: [String: String] = [:]
        for variable in [
            "ZENDESK_API_TOKEN", "TWILIO_AUTH_TOKEN", "VOICE_QUEUE_TOKEN", "ERP_CLIENT_SECRET", "DELAYGATE_TOKEN_SECRET",
            "DELAYGATE_INTEGRATOR_SECRET", "KDNIAO_APP_KEY", "AFTERSHIP_WEBHOOK_SECRET", "EASYPOST_WEBHOOK_SECRET",
            "SEVENTEEN_TRACK_SECURITY_KEY", "CUSTOMS_BROKER_SECRET", "DISRUPTION_FEED_SECRET",
            "DELAYGATE_ORDERS_SECRET", "ZENDESK_WEBHOOK_SECRET", "ACME_EXPRESS_WEBHOOK_SECRET",
            "FRESHDESK_WEBHOOK_PASSWORD",
        ] {
            secrets[variable] = random()
        }
        self.secrets = secrets
        zendesk = MockZendesk(email: "delaygate@example.com", apiToken: secrets["ZENDESK_API_TOKEN"]!)
        twilio = MockTwilio(accountSID: Self.twilioAccount, authToken: secrets["TWILIO_AUTH_TOKEN"]!)
        voice = MockVoiceQueue(tokens: [secrets["VOICE_QUEUE_TOKEN"]!])
        erp = MockERP(clientSecret: secrets["ERP_CLIENT_SECRET"]!)
        for warehouse in ["SH01", "GZ01", "CD01", "BJ01"] {
            for sku in warehouseSKUs { erp.setStock(warehouse: warehouse, sku: sku, available: 100_000) }
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        fcm = try MockFCM(
            projectID: "delaygate-shop", clientEmail: Self.serviceAccountEmail,
            publicKeyPEM: key.publicKey.pemRepresentation)
        let account: [String: String] = [
            "type": "service_account", "project_id": "delaygate-shop", "private_key_id": "demo",
            "private_key": key.pkcs8PEMRepresentation, "client_email": Self.serviceAccountEmail,
            // Replaced by the mock's token URL in `environment(baseURL:)`.
            "token_uri": "TOKEN_URI",
        ]
        serviceAccount = String(decoding: try JSONSerialization.data(withJSONObject: account), as: UTF8.self)
    }

    /// Every vendor on one router.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        zendesk.register(on: router)
        twilio.register(on: router)
        fcm.register(on: router)
        voice.register(on: router)
        erp.register(on: router)
        return router
    }

    /// The environment the repository's `config/` and `adapters/` read: the vendors at
    /// `baseURL`, every secret set.
    public func environment(baseURL: String) -> [String: String] {
        secrets.merging(
            [
                "ZENDESK_URL": baseURL, "TWILIO_URL": baseURL, "TWILIO_ACCOUNT_SID": Self.twilioAccount,
                "FCM_URL": baseURL, "FCM_PROJECT_ID": "delaygate-shop",
                "FCM_SERVICE_ACCOUNT": serviceAccount.replacingOccurrences(of: "TOKEN_URI", with: "\(baseURL)/token"),
                "VOICE_QUEUE_URL": "\(baseURL)/v1/callbacks", "ERP_URL": baseURL,
                "ERP_TOKEN_URL": "\(baseURL)/oauth/token", "ERP_ORDERS_URL": "\(baseURL)/api/orders",
            ], uniquingKeysWith: { _, new in new })
    }

    /// What each vendor received.
    public struct Received: Sendable, Hashable {
        public var tickets: Int
        public var sms: Int
        public var pushes: Int
        public var callbacks: Int
        public var fulfilments: Int
        /// Requests that repeated an idempotency key and so created nothing.
        public var duplicateKeyHits: Int
    }

    public var received: Received {
        Received(
            tickets: zendesk.created.count, sms: twilio.messages.count, pushes: fcm.created.count,
            callbacks: voice.created.count, fulfilments: erp.created.count,
            duplicateKeyHits: zendesk.duplicateKeyHits + twilio.duplicateKeyHits + fcm.duplicateKeyHits
                + voice.duplicateKeyHits + erp.duplicateKeyHits)
    }
}
