import DelayGateMocks
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("MockAliyunSMS")
struct MockAliyunSMSTests {
    static func mock(clock: TestClock? = nil, faults: FaultPlan = .none) -> MockAliyunSMS {
        var now: @Sendable () -> Date = { Date() }
        if let clock { now = clock.function }
        return MockAliyunSMS(
            accessKeys: [AliyunRequest.keyID: AliyunRequest.secret], signNames: ["阿里云短信测试"],
            templateCodes: ["SMS_154950909"], clock: now, faults: faults)
    }

    @Test("the signature matches an independently computed vector (RFC 3986 encoding, sorted, HMAC-SHA1)")
    func signatureVector() {
        let parameters = [
            "AccessKeyId": "testid", "Action": "SendSms", "SignatureNonce": "n-1",
            "TemplateParam": #"{"code":"a b*c~d/e+f=中"}"#, "Timestamp": "2025-01-01T00:00:00Z", "Format": "JSON",
            "Signature": "ignored",
        ]
        #expect(
            AliyunRPCSignature.canonicalQuery(parameters)
                == "AccessKeyId=testid&Action=SendSms&Format=JSON&SignatureNonce=n-1&TemplateParam=%7B%22code%22%3A%22a%20b%2Ac~d%2Fe%2Bf%3D%E4%B8%AD%22%7D&Timestamp=2025-01-01T00%3A00%3A00Z"
        )
        #expect(
            AliyunRPCSignature.stringToSign(method: "GET", parameters: parameters).hasPrefix(
                "GET&%2F&AccessKeyId%3Dtestid%26"))
        #expect(
            AliyunRPCSignature.signature(method: "GET", parameters: parameters, accessKeySecret: "testsecret")
                == "Ybw4ArwL6HT4KWb3OjRt59NMKsc=")
    }

    @Test("a correctly signed POST sends once and answers Code OK with a BizId")
    func sends() async throws {
        let sms = Self.mock()
        try await MockServer.run(sms.router()) { base in
            let answer = try await AliyunRequest.post(base, AliyunRequest.parameters(outID: "alert-1"))
            #expect(answer.status == 200)
            let body = try #require(answer.json)
            #expect(body["Code"] == "OK")
            #expect(body["Message"] == "OK")
            #expect(body["BizId"]?.string?.hasSuffix("^0") == true)
            #expect(body["RequestId"]?.string?.isEmpty == false)
            let message = try #require(sms.created.first)
            #expect(message.phoneNumbers == ["13800138000"])
            #expect(message.templateParam == ["code": "1234", "shipment": "SF 1234*5 ~ok"])
            #expect(message.idempotencyKey == "alert-1")
            #expect(message.bizID == body["BizId"]?.string)
            #expect(sms.requests.first?.code == "OK")
        }
    }

    @Test("a correctly signed GET with a query string works too")
    func sendsWithGET() async throws {
        let sms = Self.mock()
        try await MockServer.run(sms.router()) { base in
            let signed = AliyunRPCSignature.signed(
                method: "GET", parameters: AliyunRequest.parameters(), accessKeySecret: AliyunRequest.secret)
            let answer = try await HTTP.send(.GET, "\(base)/?\(AliyunRPCSignature.formEncode(signed))")
            #expect(answer.json?["Code"] == "OK", "\(answer.body)")
            #expect(sms.created.count == 1)
        }
    }

    @Test("a tampered request gets SignatureDoesNotMatch (400) and sends nothing")
    func tampered() async throws {
        let sms = Self.mock()
        try await MockServer.run(sms.router()) { base in
            var signed = AliyunRPCSignature.signed(
                method: "POST", parameters: AliyunRequest.parameters(), accessKeySecret: AliyunRequest.secret)
            signed["PhoneNumbers"] = "13900139000"
            let answer = try await HTTP.postForm("\(base)/", signed)
            #expect(answer.status == 400)
            let body = try #require(answer.json)
            #expect(body["Code"] == "SignatureDoesNotMatch")
            #expect(
                body["Message"]?.string?.hasPrefix("Specified signature is not matched with our calculation.") == true)
            #expect(body["HostId"] == "dysmsapi.aliyuncs.com")
            #expect(body["Recommend"]?.string != nil)
            #expect(body["RequestId"]?.string != nil)

            let wrongSecret = try await AliyunRequest.post(base, AliyunRequest.parameters(), secret: "other")
            #expect(wrongSecret.json?["Code"] == "SignatureDoesNotMatch")
            #expect(sms.created.isEmpty)
        }
    }

    @Test("gateway checks: unknown key 404, reused nonce, stale timestamp")
    func gateway() async throws {
        let clock = TestClock()
        let sms = Self.mock(clock: clock)
        try await MockServer.run(sms.router()) { base in
            let unknown = try await AliyunRequest.post(base, AliyunRequest.parameters(keyID: "LTAIunknown"))
            #expect(unknown.status == 404)
            #expect(unknown.json?["Code"] == "InvalidAccessKeyId.NotFound")

            let parameters = AliyunRequest.parameters(timestamp: clock.now, nonce: "nonce-1")
            #expect(try await AliyunRequest.post(base, parameters).json?["Code"] == "OK")
            let replay = try await AliyunRequest.post(base, parameters)
            #expect(replay.status == 400)
            #expect(replay.json?["Code"] == "SignatureNonceUsed")

            let stale = try await AliyunRequest.post(
                base, AliyunRequest.parameters(timestamp: clock.now.addingTimeInterval(-16 * 60)))
            #expect(stale.status == 400)
            #expect(stale.json?["Code"] == "InvalidTimeStamp.Expired")
            clock.advance(by: 14 * 60)
            let withinWindow = try await AliyunRequest.post(base, AliyunRequest.parameters(timestamp: Date()))
            #expect(withinWindow.json?["Code"] == "OK")
            #expect(sms.created.count == 2)
        }
    }

    @Test("business errors come with HTTP 200: an illegal number, flow control from the fault plan")
    func businessErrors() async throws {
        let sms = Self.mock(faults: .scripted(.rateLimited(retryAfter: nil)))
        try await MockServer.run(sms.router()) { base in
            let limited = try await AliyunRequest.post(base, AliyunRequest.parameters(outID: "a"))
            #expect(limited.status == 200)
            #expect(limited.json?["Code"] == "isv.BUSINESS_LIMIT_CONTROL")
            let illegal = try await AliyunRequest.post(base, AliyunRequest.parameters(phone: "12345"))
            #expect(illegal.status == 200)
            #expect(illegal.json?["Code"] == "isv.MOBILE_NUMBER_ILLEGAL")
            #expect(sms.created.isEmpty)
            #expect(sms.requests.map(\.code) == ["isv.BUSINESS_LIMIT_CONTROL", "isv.MOBILE_NUMBER_ILLEGAL"])
        }
    }
}

/// An Aliyun `SendSms` request signed as the SDKs sign it.
enum AliyunRequest {
    static let keyID = "LTAI5tDelayGateTest"
    static let secret = "testSecret/with+odd=chars"

    static func parameters(
        phone: String = "13800138000", outID: String? = nil, timestamp: Date = Date(), keyID: String = keyID,
        nonce: String = UUID().uuidString
    ) -> [String: String] {
        var parameters = [
            "Action": "SendSms", "Version": "2017-05-25", "PhoneNumbers": phone, "SignName": "阿里云短信测试",
            "TemplateCode": "SMS_154950909", "TemplateParam": #"{"code":"1234","shipment":"SF 1234*5 ~ok"}"#,
            "AccessKeyId": keyID, "Format": "JSON", "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce, "SignatureVersion": "1.0",
            "Timestamp": AliyunRPCSignature.timestamp(timestamp),
        ]
        if let outID { parameters["OutId"] = outID }
        return parameters
    }

    static func post(
        _ base: String, _ parameters: [String: String], secret: String = secret, timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        let signed = AliyunRPCSignature.signed(method: "POST", parameters: parameters, accessKeySecret: secret)
        return try await HTTP.postForm("\(base)/", signed, timeout: timeout)
    }
}
