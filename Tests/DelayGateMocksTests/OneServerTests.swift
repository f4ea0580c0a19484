import DelayGateMocks
import Foundation
import Hummingbird
import JWTKit
import NIOHTTP1
import Testing

@Suite("Several mocks on one server")
struct OneServerTests {
    @Test("every mock registered on one router answers on one port (Zendesk and Freshdesk under prefixes)")
    func allOnOnePort() async throws {
        let account = "AC" + String(repeating: "c", count: 32)
        let zendesk = MockZendesk(bearerTokens: ["zd"])
        let freshdesk = MockFreshdesk(apiKey: "fd")
        let twilio = MockTwilio(accountSID: account, authToken: "tw")
        let aliyun = MockAliyunSMS(accessKeys: [AliyunRequest.keyID: AliyunRequest.secret])
        let fcm = MockFCM(
            projectID: "demo-project", clientEmail: ServiceAccount.email, publicKey: ServiceAccount.privateKey.publicKey
        )
        let voice = MockVoiceQueue(tokens: ["vq"])
        let erp = MockERP(clientSecret: "erp-secret")
        let receiver = MockHTTPReceiver()

        let router = Router(context: MockRequestContext.self)
        zendesk.register(on: router.group("zendesk"))
        freshdesk.register(on: router.group("freshdesk"))
        twilio.register(on: router)
        aliyun.register(on: router)
        fcm.register(on: router)
        voice.register(on: router)
        erp.register(on: router)
        receiver.register(on: router)

        try await MockServer.run(router) { base in
            let ticket = try await HTTP.postJSON(
                "\(base)/zendesk/api/v2/tickets.json", ["ticket": ["subject": "s", "comment": ["body": "b"]]],
                headers: [HTTP.bearer("zd")])
            #expect(ticket.status == 201)
            let fd = try await HTTP.postJSON(
                "\(base)/freshdesk/api/v2/tickets",
                ["subject": "s", "description": "d", "email": "a@example.com", "priority": 1, "status": 2],
                headers: [HTTP.basic("fd", "X")])
            #expect(fd.status == 201)
            let sms = try await HTTP.postForm(
                "\(base)/2010-04-01/Accounts/\(account)/Messages.json",
                ["To": "+8613800138000", "From": "+15005550006", "Body": "b"], headers: [HTTP.basic(account, "tw")])
            #expect(sms.status == 201)
            #expect(try await AliyunRequest.post(base, AliyunRequest.parameters()).json?["Code"] == "OK")
            let token = try await ServiceAccount.accessToken(base)
            let push = try await HTTP.postJSON(
                "\(base)/v1/projects/demo-project/messages:send", ["message": ["token": "t"]],
                headers: [HTTP.bearer(token)])
            #expect(push.status == 200)
            let call = try await HTTP.postJSON(
                "\(base)/v1/callbacks", ["phone": "+8613800138000", "script": "s"], headers: [HTTP.bearer("vq")])
            #expect(call.status == 202)
            let erpToken = try await ERPSupport.token(base)
            let orders = try await HTTP.send(.GET, "\(base)/api/orders", headers: [HTTP.bearer(erpToken)])
            #expect(orders.status == 200)
            let hook = try await HTTP.postJSON("\(base)/hooks/demo", ["x": 1])
            #expect(hook.status == 200)
        }
        #expect(zendesk.created.count == 1)
        #expect(freshdesk.created.count == 1)
        #expect(twilio.created.count == 1)
        #expect(aliyun.created.count == 1)
        #expect(fcm.created.count == 1)
        #expect(voice.created.count == 1)
        #expect(erp.ordersRequests.count == 1)
        #expect(receiver.created.count == 1)
    }
}
