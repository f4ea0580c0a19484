import CryptoExtras
import DelayGateMocks
import DelayGateOutbound
import Foundation
import Hummingbird
import JWTKit
import Testing

/// The kinds the stall-to-ticket tests do not reach, each sending to its vendor's mock over real
/// HTTP: what arrives is in the vendor's shape, a repeated key creates nothing new, and the
/// vendor's own failure answers are classified as the dispatcher needs them.
@Suite("Outbound kinds against their vendors' mocks")
struct OutboundKindTests {
    static let key = "episode:42:warning:notify_customer"

    static func message(
        purpose: OutboundMessage.Purpose = .customerNotice, priority: OutboundMessage.Priority = .normal
    )
        -> OutboundMessage
    {
        OutboundMessage(
            purpose: purpose, idempotencyKey: key,
            recipient: .init(
                name: "王芳", phone: "+8613800138000", email: "wang.fang@example.com", appUserID: "device-7"),
            subject: "您的包裹可能延误", body: "ZTO500 可能延误 1–2 天，查看物流：https://track.example.com/zto/ZTO500",
            level: "warning", scenario: "dwell", priority: priority, tags: ["delaygate"],
            fields: ["order_id": "SO-500", "tracking_number": "ZTO500", "extra_days": "1–2"])
    }

    /// One adapter built from its YAML, as `adapters/outbound/` would hold it.
    static func adapter(_ name: String, _ yaml: String, environment: [String: String]) throws -> any OutboundAdapter {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let catalog = try outboundCatalog([name: yaml], environment: environment, in: folder)
        return try #require(catalog.adapter(named: name))
    }

    static func deliver(_ adapter: any OutboundAdapter, _ message: OutboundMessage) async throws -> DeliveryOutcome {
        await adapter.deliver(
            try adapter.render(message), idempotencyKey: message.idempotencyKey, using: OutboundHTTP())
    }

    // MARK: FCM

    static let clientEmail = "delaygate@shop-app.iam.gserviceaccount.com"

    /// A service-account key file as the Google Cloud console hands it out.
    static func serviceAccountJSON(_ key: _RSA.Signing.PrivateKey) throws -> String {
        let file: [String: String] = [
            "type": "service_account", "project_id": "shop-app", "private_key_id": "0a1b2c3d",
            "private_key": key.pkcs8PEMRepresentation, "client_email": clientEmail,
            "token_uri": "https://oauth2.googleapis.com/token",
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: file), as: UTF8.self)
    }

    @Test("fcm-push: a key longer than APNs' 64-byte collapse id is sent as its SHA-256")
    func fcmLongKey() throws {
        let push = try Self.adapter(
            "fcm-push", "kind: fcm-push\nproject_id: shop-app\nservice_account: ${FCM_SERVICE_ACCOUNT}\n",
            environment: [:])
        var message = Self.message()
        message.idempotencyKey = "episode:" + String(repeating: "9", count: 70) + ":warning:notify_customer"
        let body = try #require(try push.render(message).body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let apns = (json["message"] as? [String: Any])?["apns"] as? [String: Any]
        let collapseID = try #require((apns?["headers"] as? [String: String])?["apns-collapse-id"])
        #expect(collapseID.count == 64 && collapseID.allSatisfy(\.isHexDigit))
        let tag = ((json["message"] as? [String: Any])?["android"] as? [String: Any])?["notification"]
        #expect((tag as? [String: String])?["tag"] == collapseID)
    }

    @Test("fcm-push: HTTP v1 message with a service-account token, fetched once, refreshed once after a 401")
    func fcmPush() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let account = try Self.serviceAccountJSON(key)
        let fcm = try MockFCM(
            projectID: "shop-app", clientEmail: Self.clientEmail,
            publicKeyPEM: key.publicKey.pemRepresentation, unregisteredTokens: ["gone-device"])
        let router = Router(context: MockRequestContext.self)
        fcm.register(on: router)
        try await MockServer.run(router) { base in
            let push = try Self.adapter(
                "fcm-push",
                """
                kind: fcm-push
                service_account: ${FCM_SERVICE_ACCOUNT}
                base_url: \(base)
                token_url: \(base)/token
                """, environment: ["FCM_SERVICE_ACCOUNT": account])

            let outcome = try await Self.deliver(push, Self.message())
            guard case .delivered(200, let name?) = outcome else {
                Issue.record("expected a delivery, got \(outcome)")
                return
            }
            #expect(name.hasPrefix("projects/shop-app/messages/"))
            let sent = try #require(fcm.created.first)
            #expect(sent.token == "device-7")
            #expect(sent.title == "您的包裹可能延误")
            #expect(sent.body?.contains("https://track.example.com/zto/ZTO500") == true)
            #expect(sent.data["delaygate_key"] == Self.key)
            // A re-sent push replaces the first on the device instead of showing twice.
            #expect(sent.android?["notification"]?["tag"]?.string == Self.key)
            #expect(sent.apns?["headers"]?["apns-collapse-id"]?.string == Self.key)

            // The same key again: FCM has no idempotency header, the key in `data` lets the
            // receiving side drop it; the cached token is reused.
            _ = try await Self.deliver(push, Self.message())
            #expect(fcm.created.count == 1 && fcm.duplicateKeyHits == 1)
            #expect(fcm.tokenRequests == 1)

            // Tokens revoked mid-run: one 401, one new token, the push still goes out.
            fcm.revokeAccessTokens()
            var next = Self.message()
            next.idempotencyKey = "episode:43:warning:notify_customer"
            guard case .delivered = try await Self.deliver(push, next) else {
                Issue.record("the push after a revoked token was not delivered")
                return
            }
            #expect(fcm.tokenRequests == 2)
            #expect(fcm.created.count == 2)

            // A device that uninstalled the app is a permanent failure, kept with FCM's answer.
            var gone = Self.message()
            gone.recipient.appUserID = "gone-device"
            gone.idempotencyKey = "episode:44:warning:notify_customer"
            guard case .permanent(404, _, let response?) = try await Self.deliver(push, gone) else {
                Issue.record("an unregistered device should be a dead letter")
                return
            }
            #expect(response.contains("UNREGISTERED"))
        }
    }

    // MARK: Aliyun SMS

    static let aliyunFile = """
        kind: aliyun-sms
        endpoint: ${ALIYUN_URL}
        access_key_id: ${ALIYUN_KEY_ID}
        access_key_secret: ${ALIYUN_KEY_SECRET}
        sign_name: 迟达网
        template_code: SMS_470550001
        template_params:
          order: "{{order_id}}"
          days: "{{extra_days}}"
        """

    @Test("aliyun-sms: SendSms signed with the access key, template parameters filled, flow control retried")
    func aliyunSMS() async throws {
        let aliyun = MockAliyunSMS(
            accessKeys: ["LTAI5tDelayGate": "aliyun-secret"], signNames: ["迟达网"], templateCodes: ["SMS_470550001"])
        let router = Router(context: MockRequestContext.self)
        aliyun.register(on: router)
        try await MockServer.run(router) { base in
            let environment = ["ALIYUN_URL": base, "ALIYUN_KEY_ID": "LTAI5tDelayGate"]
            let sms = try Self.adapter(
                "aliyun-sms", Self.aliyunFile,
                environment: environment.merging(["ALIYUN_KEY_SECRET": "aliyun-secret"]) { a, _ in a })

            guard case .delivered(200, let bizID?) = try await Self.deliver(sms, Self.message()) else {
                Issue.record("SendSms was not accepted: \(aliyun.requests.last?.code ?? "no answer")")
                return
            }
            let sent = try #require(aliyun.created.first)
            #expect(sent.bizID == bizID)
            #expect(sent.phoneNumbers == ["13800138000"])
            #expect(sent.signName == "迟达网" && sent.templateCode == "SMS_470550001")
            #expect(sent.templateParam == ["order": "SO-500", "days": "1–2"])
            #expect(sent.idempotencyKey == Self.key)

            // Flow control is Aliyun's HTTP 200 with isv.BUSINESS_LIMIT_CONTROL: try again later.
            aliyun.setFaults(.scripted(.rateLimited()))
            guard case .transient(200, _, let error) = try await Self.deliver(sms, Self.message()) else {
                Issue.record("flow control should be retried")
                return
            }
            #expect(error.contains("isv.BUSINESS_LIMIT_CONTROL"))

            // A wrong secret is refused for good; the error names Aliyun's code.
            let wrong = try Self.adapter(
                "aliyun-sms", Self.aliyunFile,
                environment: environment.merging(["ALIYUN_KEY_SECRET": "stale"]) { a, _ in a })
            guard case .permanent(_, let refusal, _) = try await Self.deliver(wrong, Self.message()) else {
                Issue.record("a bad signature should be a dead letter")
                return
            }
            #expect(refusal.contains("SignatureDoesNotMatch"))
            #expect(aliyun.created.count == 1)
        }
    }

    // MARK: Freshdesk

    @Test("freshdesk: ticket with Freshdesk's priority and status codes; a repeated key finds the ticket instead")
    func freshdesk() async throws {
        let freshdesk = MockFreshdesk(apiKey: "fd-key")
        let router = Router(context: MockRequestContext.self)
        freshdesk.register(on: router)
        try await MockServer.run(router) { base in
            let helpdesk = try Self.adapter(
                "freshdesk",
                """
                kind: freshdesk
                base_url: \(base)
                api_key: ${FRESHDESK_KEY}
                ticket:
                  custom_fields: {order_id: cf_order_id}
                """, environment: ["FRESHDESK_KEY": "fd-key"])
            var ticket = Self.message(purpose: .ticket, priority: .urgent)
            ticket.level = "urgent"
            ticket.group = "7001"
            guard case .delivered(_, let id?) = try await Self.deliver(helpdesk, ticket) else {
                Issue.record("the ticket was not created")
                return
            }
            let created = try #require(freshdesk.created.first)
            #expect(String(created.id) == id)
            #expect(created.priority == 4 && created.status == 2 && created.source == 2)
            #expect(created.groupID == 7001)
            #expect(created.email == "wang.fang@example.com" && created.phone == "+8613800138000")
            #expect(created.tags.contains("delaygate_red_flag"))
            #expect(created.customFields["cf_delaygate_key"]?.string == Self.key)
            #expect(created.customFields["cf_order_id"]?.string == "SO-500")

            // The answer to the first attempt was lost: the retry finds the ticket by its key.
            guard case .delivered(_, id) = try await Self.deliver(helpdesk, ticket) else {
                Issue.record("the retry should deliver the same ticket")
                return
            }
            #expect(freshdesk.created.count == 1)
        }
    }
}
