import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A stand-in Twilio Programmable Messaging and Voice API (`2010-04-01`): sending a message
/// (`POST …/Accounts/{AccountSid}/Messages.json`) and placing a call (`POST …/Calls.json`), with form-encoded
/// requests and Twilio's JSON resources and error shape (`code`, `message`, `more_info`, `status`).
///
/// Authentication is HTTP Basic `AccountSid:AuthToken` (or an API key `SK…:secret`), and the account in the
/// path must be the configured one. Idempotency is the `I-Twilio-Idempotency-Token` request header: a
/// repeated token answers the original resource and creates nothing.
public final class MockTwilio: Sendable {
    /// What a request creates.
    public enum Kind: String, Sendable, Hashable {
        case message, call
    }

    /// A message or call the mock created.
    public struct Resource: Sendable, Hashable {
        public var kind: Kind
        /// `SM…` or `CA…`, 34 characters.
        public var sid: String
        public var accountSID: String
        public var to: String
        public var from: String?
        public var messagingServiceSID: String?
        /// The message text (messages).
        public var body: String?
        /// The TwiML URL (calls).
        public var url: String?
        /// Inline TwiML (calls).
        public var twiml: String?
        public var statusCallback: String?
        /// The `I-Twilio-Idempotency-Token` of the creating request.
        public var idempotencyKey: String?
        /// `queued` (`accepted` for a message sent through a messaging service without `From`).
        public var status: String
        public var dateCreated: Date
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        public var kind: Kind?
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        public var authenticated: Bool
        public var idempotencyKey: String?
        /// The form fields (first value of each name).
        public var form: [String: String]
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Resource>

    struct Extra: Sendable {
        var keys: [String: String] = [:]
    }

    public let accountSID: String
    public let authToken: String
    /// API keys accepted instead of the auth token: key SID (`SK…`) → secret.
    public let apiKeys: [String: String]
    private let recorder: MockRecorder<RecordedRequest, Resource, Extra>

    /// - Parameters:
    ///   - accountSID: the account (`AC…`) expected in the path and as the Basic user name.
    ///   - authToken: its auth token.
    ///   - apiKeys: API key SIDs and secrets also accepted as Basic credentials.
    ///   - faults: the initial fault plan of the two create endpoints.
    public init(accountSID: String, authToken: String, apiKeys: [String: String] = [:], faults: FaultPlan = .none) {
        self.accountSID = accountSID
        self.authToken = authToken
        self.apiKeys = apiKeys
        self.recorder = MockRecorder(extra: Extra(), faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Resource] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }
    /// The messages created.
    public var messages: [Resource] { created.filter { $0.kind == .message } }
    /// The calls created.
    public var calls: [Resource] { created.filter { $0.kind == .call } }

    /// Replaces the fault plan of the create endpoints.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Adds `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, `…/Calls.json`, and `GET` of one of each
    /// (`…/Messages/{Sid}.json`, `…/Calls/{Sid}.json`).
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("2010-04-01/Accounts/:account/Messages.json") { request, context in
            try await self.create(.message, request, context)
        }
        router.post("2010-04-01/Accounts/:account/Calls.json") { request, context in
            try await self.create(.call, request, context)
        }
        router.get("2010-04-01/Accounts/:account/Messages/{sid}.json") { request, context in
            self.fetch(.message, request, context)
        }
        router.get("2010-04-01/Accounts/:account/Calls/{sid}.json") { request, context in
            self.fetch(.call, request, context)
        }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    // MARK: - Handlers

    private func create(_ kind: Kind, _ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let form = FormFields(parsing: String(buffer: bytes))
        let key = MockHTTP.header(request, "I-Twilio-Idempotency-Token")
        let authenticated = authenticated(request)
        let account = context.parameters.get("account") ?? ""
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    method: "POST", path: request.uri.path, kind: kind, status: status, authenticated: authenticated,
                    idempotencyKey: key, form: form.dictionary)
            },
            faultAnswer: Self.faultAnswer,
            handle: {
                guard authenticated, account == accountSID else { return Self.unauthorized() }
                if let invalid = kind == .message ? Self.validateMessage(form) : Self.validateCall(form) {
                    return invalid
                }
                return recorder.update { state -> Response in
                    let scopedKey = key.map { "\(kind.rawValue):\($0)" }
                    if let scopedKey, let sid = state.extra.keys[scopedKey],
                        let existing = state.snapshot.created.first(where: { $0.sid == sid })
                    {
                        state.snapshot.duplicateKeyHits += 1
                        return MockHTTP.json(.created, Self.object(existing))
                    }
                    let resource = Resource(
                        kind: kind, sid: (kind == .message ? "SM" : "CA") + MockFormat.randomHex(32),
                        accountSID: accountSID, to: form["To"] ?? "", from: form["From"],
                        messagingServiceSID: form["MessagingServiceSid"], body: form["Body"], url: form["Url"],
                        twiml: form["Twiml"], statusCallback: form["StatusCallback"], idempotencyKey: key,
                        status: kind == .message && form["From"] == nil ? "accepted" : "queued", dateCreated: Date())
                    if let scopedKey { state.extra.keys[scopedKey] = resource.sid }
                    state.snapshot.created.append(resource)
                    return MockHTTP.json(.created, Self.object(resource))
                }
            })
    }

    private func fetch(_ kind: Kind, _ request: Request, _ context: MockRequestContext) -> Response {
        let authenticated = authenticated(request)
        let account = context.parameters.get("account") ?? ""
        let sid = context.parameters.get("sid") ?? ""
        let response: Response
        if !authenticated || account != accountSID {
            response = Self.unauthorized()
        } else if let resource = created.first(where: { $0.sid == sid && $0.kind == kind }) {
            response = MockHTTP.json(.ok, Self.object(resource))
        } else {
            response = Self.error(
                .notFound, code: 20404, message: "The requested resource \(request.uri.path) was not found")
        }
        recorder.update { state in
            state.snapshot.requests.append(
                RecordedRequest(
                    method: "GET", path: request.uri.path, kind: kind, status: response.status.code,
                    authenticated: authenticated, idempotencyKey: nil, form: [:]))
        }
        return response
    }

    private func authenticated(_ request: Request) -> Bool {
        guard let (user, password) = MockHTTP.basicCredentials(request) else { return false }
        if user == accountSID { return password == authToken }
        return apiKeys[user].map { $0 == password } ?? false
    }

    // MARK: - Validation

    static func validateMessage(_ form: FormFields) -> Response? {
        guard let to = form["To"], !to.isEmpty else {
            return error(.badRequest, code: 21604, message: "A 'To' phone number is required.")
        }
        guard MockFormat.isE164(to) else {
            return error(.badRequest, code: 21211, message: "The 'To' number \(to) is not a valid phone number.")
        }
        let service = form["MessagingServiceSid"]
        if let service, !(service.hasPrefix("MG") && service.count == 34) {
            return error(.badRequest, code: 21701, message: "The Messaging Service Sid \(service) is invalid.")
        }
        if let from = form["From"] {
            guard MockFormat.isE164(from) || isShortCode(from) || isAlphanumericSenderID(from) else {
                return error(
                    .badRequest, code: 21212,
                    message:
                        "The 'From' number \(from) is not a valid phone number, shortcode, or alphanumeric sender ID."
                )
            }
        } else if service == nil {
            return error(.badRequest, code: 21603, message: "A 'From' phone number is required.")
        }
        guard let body = form["Body"], !body.isEmpty else {
            return error(.badRequest, code: 21602, message: "Message body is required.")
        }
        guard body.count <= 1600 else {
            return error(
                .badRequest, code: 21617, message: "The concatenated message body exceeds the 1600 character limit.")
        }
        return nil
    }

    static func validateCall(_ form: FormFields) -> Response? {
        guard let to = form["To"], !to.isEmpty else {
            return error(.badRequest, code: 21201, message: "No 'To' number is specified")
        }
        guard MockFormat.isE164(to) else {
            return error(.badRequest, code: 21211, message: "The 'To' number \(to) is not a valid phone number.")
        }
        guard let from = form["From"], !from.isEmpty else {
            return error(.badRequest, code: 21213, message: "No 'From' number is specified")
        }
        guard MockFormat.isE164(from) else {
            return error(.badRequest, code: 21212, message: "The 'From' number \(from) is not a valid phone number.")
        }
        guard form["Url"] != nil || form["Twiml"] != nil || form["ApplicationSid"] != nil else {
            return error(.badRequest, code: 21205, message: "Either Url, Twiml or ApplicationSid is required.")
        }
        return nil
    }

    static func isShortCode(_ text: String) -> Bool {
        (5...6).contains(text.count) && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func isAlphanumericSenderID(_ text: String) -> Bool {
        (1...11).contains(text.count)
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }
            && text.contains(where: \.isLetter)
    }

    // MARK: - Shapes

    /// Twilio's error document.
    static func error(
        _ status: HTTPResponse.Status, code: Int, message: String, headers: HTTPFields = [:]
    ) -> Response {
        MockHTTP.json(
            status,
            [
                "code": .int(code), "message": .string(message),
                "more_info": .string("https://www.twilio.com/docs/errors/\(code)"), "status": .int(status.code),
            ], headers: headers)
    }

    static func unauthorized() -> Response {
        error(
            .unauthorized, code: 20003, message: "Authenticate",
            headers: [.wwwAuthenticate: #"Basic realm="Twilio API""#])
    }

    static func faultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return error(
                .tooManyRequests, code: 20429, message: "Too Many Requests", headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            let message = code == 503 ? "Service Unavailable" : "An internal server error has occurred"
            return error(
                HTTPResponse.Status(code: code), code: 20000 + code, message: message,
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return error(.internalServerError, code: 20500, message: "An internal server error has occurred")
        }
    }

    /// Segments of an SMS: 160/153 GSM characters, 70/67 for other text.
    static func segments(_ body: String) -> Int {
        let ascii = body.allSatisfy(\.isASCII)
        let count = ascii ? body.count : body.utf16.count
        let (single, multi) = ascii ? (160, 153) : (70, 67)
        return count <= single ? 1 : (count + multi - 1) / multi
    }

    static func object(_ resource: Resource) -> JSONValue {
        let date = JSONValue.string(MockFormat.rfc2822(resource.dateCreated))
        let collection = resource.kind == .message ? "Messages" : "Calls"
        let uri = "/2010-04-01/Accounts/\(resource.accountSID)/\(collection)/\(resource.sid)"
        switch resource.kind {
        case .message:
            return [
                "sid": .string(resource.sid),
                "account_sid": .string(resource.accountSID),
                "api_version": "2010-04-01",
                "to": .string(resource.to),
                "from": .optional(resource.from),
                "messaging_service_sid": .optional(resource.messagingServiceSID),
                "body": .optional(resource.body),
                "status": .string(resource.status),
                "direction": "outbound-api",
                "num_media": "0",
                "num_segments": .string(String(segments(resource.body ?? ""))),
                "price": nil,
                "price_unit": "USD",
                "error_code": nil,
                "error_message": nil,
                "date_created": date,
                "date_updated": date,
                "date_sent": nil,
                "uri": .string("\(uri).json"),
                "subresource_uris": ["media": .string("\(uri)/Media.json")],
            ]
        case .call:
            return [
                "sid": .string(resource.sid),
                "account_sid": .string(resource.accountSID),
                "api_version": "2010-04-01",
                "to": .string(resource.to),
                "to_formatted": .string(resource.to),
                "from": .optional(resource.from),
                "from_formatted": .optional(resource.from),
                "status": .string(resource.status),
                "direction": "outbound-api",
                "parent_call_sid": nil,
                "phone_number_sid": nil,
                "start_time": nil,
                "end_time": nil,
                "duration": nil,
                "price": nil,
                "price_unit": "USD",
                "answered_by": nil,
                "forwarded_from": nil,
                "caller_name": nil,
                "group_sid": nil,
                "queue_time": "0",
                "trunk_sid": nil,
                "date_created": date,
                "date_updated": date,
                "uri": .string("\(uri).json"),
                "subresource_uris": [
                    "notifications": .string("\(uri)/Notifications.json"),
                    "recordings": .string("\(uri)/Recordings.json"),
                    "events": .string("\(uri)/Events.json"),
                ],
            ]
        }
    }
}
