import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A stand-in Alibaba Cloud SMS (dysmsapi, `Version=2017-05-25`): the RPC-style `SendSms` action at `/`,
/// as `POST` with a form body or `GET` with a query string.
///
/// Every request is checked as Aliyun's gateway does: a known `AccessKeyId`, a `Timestamp` within 15 minutes,
/// `HMAC-SHA1` signature version 1.0 over all parameters (`AliyunRPCSignature`), a `SignatureNonce` never
/// seen before. Gateway errors come with an HTTP error status; business errors (`isv.*`) come with HTTP 200
/// and a non-`OK` `Code`, as the real service answers them. Idempotency: a repeated `OutId` answers the
/// original `BizId` and sends nothing.
public final class MockAliyunSMS: Sendable {
    /// One `SendSms` accepted.
    public struct Message: Sendable, Hashable {
        public var bizID: String
        /// The numbers, split at commas.
        public var phoneNumbers: [String]
        public var signName: String
        public var templateCode: String
        /// The `TemplateParam` JSON object.
        public var templateParam: [String: String]
        /// `OutId`, the idempotency key.
        public var idempotencyKey: String?
        public var accessKeyID: String
        public var createdAt: Date
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        /// Query and body parameters together.
        public var parameters: [String: String]
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        /// The `Code` answered (`OK`, `SignatureDoesNotMatch`, `isv.…`); `nil` for a dropped connection.
        public var code: String?
        public var idempotencyKey: String?
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Message>

    struct Extra: Sendable {
        var nonces: Set<String> = []
        var nextBizID = 900_619_746_936_498_440
    }

    /// Access key ID → secret.
    public let accessKeys: [String: String]
    /// Sign names accepted; `nil` accepts any.
    public let signNames: Set<String>?
    /// Template codes accepted; `nil` accepts any.
    public let templateCodes: Set<String>?
    private let clock: @Sendable () -> Date
    private let recorder: MockRecorder<RecordedRequest, Message, Extra>

    /// - Parameters:
    ///   - accessKeys: access key IDs and their secrets.
    ///   - signNames, templateCodes: the approved sign names and templates (`nil`: any).
    ///   - clock: the mock's time, for the 15-minute `Timestamp` window.
    ///   - faults: the initial fault plan of `SendSms`.
    public init(
        accessKeys: [String: String], signNames: Set<String>? = nil, templateCodes: Set<String>? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }, faults: FaultPlan = .none
    ) {
        self.accessKeys = accessKeys
        self.signNames = signNames
        self.templateCodes = templateCodes
        self.clock = clock
        self.recorder = MockRecorder(extra: Extra(), faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Message] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }

    /// Replaces the fault plan. `.rateLimited` answers HTTP 200 `isv.BUSINESS_LIMIT_CONTROL`;
    /// `.status(429)` answers HTTP 429 `Throttling.User`.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Adds `POST /` and `GET /`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("/") { request, context in try await self.handle(request, context) }
        router.get("/") { request, context in try await self.handle(request, context) }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    // MARK: - Handler

    private func handle(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let method = request.method.rawValue
        var parameters = FormFields(parsing: request.uri.query ?? "").dictionary
        if request.method == .post {
            let body = try await MockHTTP.body(request)
            for (name, value) in FormFields(parsing: String(buffer: body)).dictionary { parameters[name] = value }
        }
        let outID = parameters["OutId"].flatMap { $0.isEmpty ? nil : $0 }
        let requestID = UUID().uuidString
        var code: String?
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    method: method, parameters: parameters, status: status, code: code, idempotencyKey: outID)
            },
            faultAnswer: { fault in
                let (response, answered) = Self.faultAnswer(fault, requestID: requestID)
                code = answered
                return response
            },
            handle: {
                let (response, answered) = send(method: method, parameters: parameters, requestID: requestID)
                code = answered
                return response
            })
    }

    private func send(method: String, parameters: [String: String], requestID: String) -> (Response, String) {
        func gateway(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> (Response, String) {
            (Self.answer(status, code: code, message: message, requestID: requestID, gatewayError: true), code)
        }
        func business(_ code: String, _ message: String) -> (Response, String) {
            (Self.answer(.ok, code: code, message: message, requestID: requestID, gatewayError: false), code)
        }

        // Gateway: credentials, time, signature, nonce.
        guard let accessKeyID = parameters["AccessKeyId"], !accessKeyID.isEmpty else {
            return gateway(.badRequest, "MissingAccessKeyId", "AccessKeyId is mandatory for this action.")
        }
        guard let secret = accessKeys[accessKeyID] else {
            return gateway(.notFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        }
        guard let timestamp = parameters["Timestamp"] else {
            return gateway(.badRequest, "MissingTimestamp", "Timestamp is mandatory for this action.")
        }
        guard let time = MockFormat.parseISO8601(timestamp) else {
            return gateway(
                .badRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
        }
        guard abs(time.timeIntervalSince(clock())) <= 15 * 60 else {
            return gateway(.badRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        }
        guard parameters["SignatureMethod"] == "HMAC-SHA1" else {
            return gateway(.badRequest, "InvalidSignatureMethod", "Specified signature method is not valid.")
        }
        guard parameters["SignatureVersion"] == "1.0" else {
            return gateway(.badRequest, "InvalidSignatureVersion", "Specified signature version is not valid.")
        }
        guard let nonce = parameters["SignatureNonce"], !nonce.isEmpty else {
            return gateway(.badRequest, "MissingSignatureNonce", "SignatureNonce is mandatory for this action.")
        }
        let expected = AliyunRPCSignature.signature(method: method, parameters: parameters, accessKeySecret: secret)
        guard parameters["Signature"] == expected else {
            let stringToSign = AliyunRPCSignature.stringToSign(method: method, parameters: parameters)
            return gateway(
                .badRequest, "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:\(stringToSign)")
        }
        let fresh = recorder.update { $0.extra.nonces.insert(nonce).inserted }
        guard fresh else {
            return gateway(.badRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
        }

        // The API: action, version, mandatory parameters.
        guard parameters["Action"] == "SendSms" else {
            return gateway(
                .notFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        }
        guard parameters["Version"] == "2017-05-25" else {
            return gateway(.badRequest, "InvalidVersion", "Specified parameter Version is not valid.")
        }
        for name in ["PhoneNumbers", "SignName", "TemplateCode"] where (parameters[name] ?? "").isEmpty {
            return gateway(.badRequest, "Missing\(name)", "\(name) is mandatory for this action.")
        }

        // Business checks: HTTP 200 with a non-OK Code.
        let numbers = parameters["PhoneNumbers"]!.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard numbers.count <= 1000 else { return business("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制") }
        guard numbers.allSatisfy(Self.isMobileNumber) else { return business("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号") }
        let signName = parameters["SignName"]!
        guard signNames?.contains(signName) ?? true else {
            return business("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        }
        let templateCode = parameters["TemplateCode"]!
        guard templateCodes?.contains(templateCode) ?? true else {
            return business("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        }
        var templateParam: [String: String] = [:]
        if let text = parameters["TemplateParam"], !text.isEmpty {
            guard let object = JSONValue.parse(Data(text.utf8))?.object,
                object.values.allSatisfy({ $0.string != nil })
            else { return business("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值") }
            templateParam = object.compactMapValues(\.string)
        }
        let outID = parameters["OutId"].flatMap { $0.isEmpty ? nil : $0 }
        let now = clock()
        return recorder.update { state -> (Response, String) in
            if let outID, let existing = state.snapshot.created.first(where: { $0.idempotencyKey == outID }) {
                state.snapshot.duplicateKeyHits += 1
                return (Self.ok(bizID: existing.bizID, requestID: requestID), "OK")
            }
            let bizID = "\(state.extra.nextBizID)^0"
            state.extra.nextBizID += 1
            state.snapshot.created.append(
                Message(
                    bizID: bizID, phoneNumbers: numbers, signName: signName, templateCode: templateCode,
                    templateParam: templateParam, idempotencyKey: outID, accessKeyID: accessKeyID, createdAt: now))
            return (Self.ok(bizID: bizID, requestID: requestID), "OK")
        }
    }

    /// A mainland China mobile number, optionally with `+86`, `86` or `0086`; or an international
    /// number written `00<country><number>`.
    static func isMobileNumber(_ number: String) -> Bool {
        var digits = Substring(number)
        if digits.hasPrefix("+86") {
            digits = digits.dropFirst(3)
        } else if digits.hasPrefix("0086") {
            digits = digits.dropFirst(4)
        } else if digits.hasPrefix("86") && digits.count == 13 {
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("00") {
            return (8...17).contains(digits.count) && digits.allSatisfy { $0.isASCII && $0.isNumber }
        }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.first == "1" else {
            return false
        }
        return digits.dropFirst().first.map { "3456789".contains($0) } ?? false
    }

    // MARK: - Shapes

    static func ok(bizID: String, requestID: String) -> Response {
        MockHTTP.json(.ok, ["Code": "OK", "Message": "OK", "BizId": .string(bizID), "RequestId": .string(requestID)])
    }

    static func answer(
        _ status: HTTPResponse.Status, code: String, message: String, requestID: String, gatewayError: Bool
    ) -> Response {
        var body: [String: JSONValue] = [
            "Code": .string(code), "Message": .string(message), "RequestId": .string(requestID),
        ]
        if gatewayError {
            body["HostId"] = "dysmsapi.aliyuncs.com"
            body["Recommend"] = .string("https://api.aliyun.com/troubleshoot?q=\(code)&product=Dysmsapi")
        }
        return MockHTTP.json(status, .object(body))
    }

    static func faultAnswer(_ fault: FaultPlan.Fault, requestID: String) -> (Response, String) {
        switch fault {
        case .rateLimited(let retryAfter):
            let code = "isv.BUSINESS_LIMIT_CONTROL"
            var response = answer(
                .ok, code: code, message: "触发分钟级流控Permits:1", requestID: requestID, gatewayError: false)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return (response, code)
        case .status(let status, let retryAfter):
            let (code, message) =
                switch status {
                case 429: ("Throttling.User", "Request was denied due to user flow control.")
                case 503: ("ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
                default:
                    (
                        "InternalError",
                        "The request processing has failed due to some unknown error, exception or failure."
                    )
                }
            var response = answer(
                HTTPResponse.Status(code: status), code: code, message: message, requestID: requestID,
                gatewayError: true)
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return (response, code)
        case .delay, .drop:
            let response = answer(
                .internalServerError, code: "InternalError", message: "Injected fault", requestID: requestID,
                gatewayError: true)
            return (response, "InternalError")
        }
    }
}
