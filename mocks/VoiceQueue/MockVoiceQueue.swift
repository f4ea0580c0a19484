import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A stand-in voice-robot callback queue, a generic JSON API: `POST /v1/callbacks` queues an outbound
/// call that reads `script` to `phone`; `GET /v1/callbacks/{id}` shows it.
///
/// Authentication is `Authorization: Bearer` with one of the configured tokens; idempotency is the
/// `Idempotency-Key` header. Errors are RFC 9457 problem documents. (Twilio-shaped calls are
/// `MockTwilio`'s `Calls.json`.)
public final class MockVoiceQueue: Sendable {
    /// A queued callback.
    public struct Callback: Sendable, Hashable {
        /// `cb_…`.
        public var id: String
        public var phone: String
        public var language: String?
        public var script: String
        public var reference: String?
        public var callbackURL: String?
        public var priority: String?
        public var idempotencyKey: String?
        /// `queued`.
        public var status: String
        public var createdAt: Date
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        public var authenticated: Bool
        public var idempotencyKey: String?
        public var body: JSONValue?
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Callback>

    struct Extra: Sendable {
        var keys: [String: String] = [:]
    }

    /// Bearer tokens accepted.
    public let tokens: Set<String>
    private let recorder: MockRecorder<RecordedRequest, Callback, Extra>

    /// - Parameters:
    ///   - tokens: bearer tokens accepted.
    ///   - faults: the initial fault plan of `POST /v1/callbacks`.
    public init(tokens: Set<String>, faults: FaultPlan = .none) {
        self.tokens = tokens
        self.recorder = MockRecorder(extra: Extra(), faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Callback] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }

    /// Replaces the fault plan of `POST /v1/callbacks`.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Sets a callback's status (`queued`, `calling`, `completed`, `failed`), as the robot would.
    public func setStatus(_ status: String, callbackID: String) {
        recorder.update { state in
            if let index = state.snapshot.created.firstIndex(where: { $0.id == callbackID }) {
                state.snapshot.created[index].status = status
            }
        }
    }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Adds `POST /v1/callbacks` and `GET /v1/callbacks/{id}`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("v1/callbacks") { request, context in try await self.create(request, context) }
        router.get("v1/callbacks/:id") { request, context in self.show(request, context) }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    private func create(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let body = JSONValue.parse(bytes.readableBytesView)
        let key = MockHTTP.header(request, "Idempotency-Key")
        let authenticated = MockHTTP.bearerToken(request).map(tokens.contains) ?? false
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    method: "POST", path: request.uri.path, status: status, authenticated: authenticated,
                    idempotencyKey: key, body: body)
            },
            faultAnswer: Self.faultAnswer,
            handle: {
                guard authenticated else { return Self.unauthorized() }
                guard let fields = body?.object else {
                    return MockHTTP.problem(
                        .badRequest, title: "Bad Request", detail: "The body must be a JSON object.")
                }
                var invalid: [JSONValue] = []
                if (fields["phone"]?.string ?? "").isEmpty {
                    invalid.append(["name": "phone", "reason": "is required"])
                } else if !MockFormat.isE164(fields["phone"]!.string!) {
                    invalid.append(["name": "phone", "reason": "must be an E.164 number such as +8613800138000"])
                }
                if (fields["script"]?.string ?? "").isEmpty {
                    invalid.append(["name": "script", "reason": "is required"])
                }
                if let priority = fields["priority"], !priority.isNull,
                    !(priority.string.map(["low", "normal", "high", "urgent"].contains) ?? false)
                {
                    invalid.append(["name": "priority", "reason": "must be one of low, normal, high, urgent"])
                }
                guard invalid.isEmpty else {
                    return MockHTTP.problem(
                        .unprocessableContent, title: "Unprocessable Content",
                        detail: "The callback request is invalid.", extensions: ["invalid_params": .array(invalid)])
                }
                return recorder.update { state -> Response in
                    if let key, let id = state.extra.keys[key],
                        let existing = state.snapshot.created.first(where: { $0.id == id })
                    {
                        state.snapshot.duplicateKeyHits += 1
                        return Self.accepted(existing)
                    }
                    let callback = Callback(
                        id: "cb_" + MockFormat.randomHex(24), phone: fields["phone"]!.string!,
                        language: fields["language"]?.string, script: fields["script"]!.string!,
                        reference: fields["reference"]?.string, callbackURL: fields["callback_url"]?.string,
                        priority: fields["priority"]?.string, idempotencyKey: key, status: "queued",
                        createdAt: Date())
                    if let key { state.extra.keys[key] = callback.id }
                    state.snapshot.created.append(callback)
                    return Self.accepted(callback)
                }
            })
    }

    private func show(_ request: Request, _ context: MockRequestContext) -> Response {
        let authenticated = MockHTTP.bearerToken(request).map(tokens.contains) ?? false
        let id = context.parameters.get("id") ?? ""
        let response: Response
        if !authenticated {
            response = Self.unauthorized()
        } else if let callback = created.first(where: { $0.id == id }) {
            response = MockHTTP.json(.ok, Self.object(callback))
        } else {
            response = MockHTTP.problem(.notFound, title: "Not Found", detail: "No callback \(id).")
        }
        recorder.update { state in
            state.snapshot.requests.append(
                RecordedRequest(
                    method: "GET", path: request.uri.path, status: response.status.code,
                    authenticated: authenticated, idempotencyKey: nil, body: nil))
        }
        return response
    }

    static func object(_ callback: Callback) -> JSONValue {
        [
            "id": .string(callback.id),
            "status": .string(callback.status),
            "phone": .string(callback.phone),
            "language": .optional(callback.language),
            "reference": .optional(callback.reference),
            "priority": .optional(callback.priority),
            "created_at": .string(MockFormat.iso8601(callback.createdAt)),
        ]
    }

    static func accepted(_ callback: Callback) -> Response {
        MockHTTP.json(.accepted, object(callback), headers: [.location: "/v1/callbacks/\(callback.id)"])
    }

    static func unauthorized() -> Response {
        MockHTTP.problem(
            .unauthorized, title: "Unauthorized", detail: "A valid bearer token is required.",
            headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }

    static func faultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return MockHTTP.problem(
                .tooManyRequests, title: "Too Many Requests", detail: "Slow down.",
                headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            let status = HTTPResponse.Status(code: code)
            return MockHTTP.problem(
                status, title: status.reasonPhrase, detail: "Injected fault \(code).",
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return MockHTTP.problem(.internalServerError, title: "Internal Server Error", detail: "Injected fault.")
        }
    }
}
