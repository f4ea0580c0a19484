import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A stand-in Zendesk Support: ticket creation (`POST /api/v2/tickets.json`) and lookup
/// (`GET /api/v2/tickets/{id}.json`) in Zendesk's request and answer shapes.
///
/// Authentication is Zendesk's: HTTP Basic `{email}/token:{api_token}` or an OAuth `Bearer` token.
/// Idempotency is Zendesk's `Idempotency-Key` header: a repeated key answers the original ticket with
/// `x-idempotency-lookup: hit` and creates nothing; the same key with a different body is refused.
public final class MockZendesk: Sendable {
    /// The requester of a ticket as sent.
    public struct Requester: Sendable, Hashable {
        public var name: String?
        public var email: String?
        public var phone: String?

        public init(name: String? = nil, email: String? = nil, phone: String? = nil) {
            self.name = name
            self.email = email
            self.phone = phone
        }
    }

    /// One custom field value as sent.
    public struct CustomField: Sendable, Hashable {
        public var id: Int
        public var value: JSONValue

        public init(id: Int, value: JSONValue) {
            self.id = id
            self.value = value
        }
    }

    /// A ticket the mock created.
    public struct Ticket: Sendable, Hashable {
        public var id: Int
        /// The `Idempotency-Key` of the creating request.
        public var idempotencyKey: String?
        public var subject: String
        /// `comment.body` or `comment.html_body`.
        public var comment: String
        public var commentIsHTML: Bool
        public var commentIsPublic: Bool
        public var priority: String?
        public var type: String?
        public var tags: [String]
        public var groupID: Int?
        public var requester: Requester?
        public var requesterID: Int?
        public var externalID: String?
        public var customFields: [CustomField]
        /// `new` on creation; change it with `setStatus(_:ticketID:)`.
        public var status: String
        public var createdAt: Date
    }

    /// One request received at a ticket endpoint.
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        /// `basic`, `bearer` or `nil` (no usable `Authorization`).
        public var authScheme: String?
        public var idempotencyKey: String?
        /// The parsed JSON body, if it was JSON.
        public var body: JSONValue?
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Ticket>

    struct Extra: Sendable {
        var nextID = 1
        var nextUserID = 10_001
        var users: [String: Int] = [:]
        /// Idempotency key → (ticket id, the body it came with).
        var keys: [String: (id: Int, body: JSONValue)] = [:]
    }

    /// The agent email of API-token authentication, if that is accepted.
    public let email: String?
    /// The API token of API-token authentication, if that is accepted.
    public let apiToken: String?
    /// OAuth access tokens accepted as `Authorization: Bearer`.
    public let bearerTokens: Set<String>
    private let recorder: MockRecorder<RecordedRequest, Ticket, Extra>

    /// - Parameters:
    ///   - email, apiToken: accept HTTP Basic `{email}/token:{apiToken}`.
    ///   - bearerTokens: accept `Authorization: Bearer` with any of these.
    ///   - faults: the initial fault plan of `POST /api/v2/tickets`.
    public init(
        email: String? = nil, apiToken: String? = nil, bearerTokens: Set<String> = [], faults: FaultPlan = .none
    ) {
        self.email = email
        self.apiToken = apiToken
        self.bearerTokens = bearerTokens
        self.recorder = MockRecorder(extra: Extra(), faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Ticket] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }

    /// Replaces the fault plan of ticket creation.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Tickets of `groupID` that are not solved or closed.
    public func openTickets(groupID: Int) -> Int {
        created.filter { $0.groupID == groupID && !["solved", "closed"].contains($0.status) }.count
    }

    /// Sets a ticket's status (`new`, `open`, `pending`, `hold`, `solved`, `closed`), as an agent would.
    public func setStatus(_ status: String, ticketID: Int) {
        recorder.update { state in
            if let index = state.snapshot.created.firstIndex(where: { $0.id == ticketID }) {
                state.snapshot.created[index].status = status
            }
        }
    }

    /// Adds `POST /api/v2/tickets.json` (also without `.json`) and `GET /api/v2/tickets/{id}.json`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("api/v2/tickets.json") { request, context in try await self.create(request, context) }
        router.post("api/v2/tickets") { request, context in try await self.create(request, context) }
        router.get("api/v2/tickets/{id}.json") { request, context in try await self.show(request, context) }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    // MARK: - Handlers

    private func create(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let body = JSONValue.parse(bytes.readableBytesView)
        let key = MockHTTP.header(request, "Idempotency-Key")
        let scheme = authScheme(request)
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    method: "POST", path: request.uri.path, status: status, authScheme: scheme, idempotencyKey: key,
                    body: body)
            },
            faultAnswer: Self.faultAnswer,
            handle: {
                guard authenticated(request) else { return Self.unauthorized() }
                guard let ticket = body?["ticket"]?.object else {
                    return MockHTTP.json(
                        .badRequest,
                        ["error": "BadRequest", "description": "The request body must be JSON with a ticket object"])
                }
                if let invalid = Self.validate(ticket) { return invalid }
                let origin = MockHTTP.origin(request) + Self.basePath(request.uri.path)
                return recorder.update { state -> Response in
                    if let key, let existing = state.extra.keys[key] {
                        guard existing.body == body else {
                            return MockHTTP.json(
                                .badRequest,
                                [
                                    "error": "IdempotentRequestError",
                                    "description": "Request parameters don't match the original request",
                                ])
                        }
                        state.snapshot.duplicateKeyHits += 1
                        let original = state.snapshot.created.first { $0.id == existing.id }!
                        return Self.ticketResponse(.created, original, origin: origin, lookup: "hit")
                    }
                    let created = Self.ticket(from: ticket, id: state.extra.nextID, key: key, extra: &state.extra)
                    state.extra.nextID += 1
                    if let key, let body { state.extra.keys[key] = (created.id, body) }
                    state.snapshot.created.append(created)
                    return Self.ticketResponse(.created, created, origin: origin, lookup: key == nil ? nil : "miss")
                }
            })
    }

    private func show(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let response: Response
        if !authenticated(request) {
            response = Self.unauthorized()
        } else if let id = context.parameters.get("id", as: Int.self),
            let ticket = created.first(where: { $0.id == id })
        {
            let origin = MockHTTP.origin(request) + Self.basePath(request.uri.path)
            response = Self.ticketResponse(.ok, ticket, origin: origin, lookup: nil)
        } else {
            response = MockHTTP.json(
                .notFound, ["error": "RecordNotFound", "description": "Not found"])
        }
        let scheme = authScheme(request)
        recorder.update { state in
            state.snapshot.requests.append(
                RecordedRequest(
                    method: "GET", path: request.uri.path, status: response.status.code, authScheme: scheme,
                    idempotencyKey: nil, body: nil))
        }
        return response
    }

    // MARK: - Authentication

    private func authScheme(_ request: Request) -> String? {
        if MockHTTP.basicCredentials(request) != nil { return "basic" }
        if MockHTTP.bearerToken(request) != nil { return "bearer" }
        return nil
    }

    private func authenticated(_ request: Request) -> Bool {
        if let (user, password) = MockHTTP.basicCredentials(request), let email, let apiToken {
            return user == "\(email)/token" && password == apiToken
        }
        if let token = MockHTTP.bearerToken(request) {
            return bearerTokens.contains(token)
        }
        return false
    }

    static func unauthorized() -> Response {
        MockHTTP.json(
            .unauthorized, ["error": "Couldn't authenticate you"],
            headers: [.wwwAuthenticate: #"Basic realm="Web Password""#])
    }

    // MARK: - Shapes

    static let priorities: Set<String> = ["urgent", "high", "normal", "low"]
    static let types: Set<String> = ["problem", "incident", "question", "task"]

    /// A 422 `RecordInvalid` listing every invalid field, or `nil`.
    static func validate(_ ticket: [String: JSONValue]) -> Response? {
        var details: [String: JSONValue] = [:]
        func invalid(_ field: String, _ description: String, _ error: String) {
            details[field] = [["description": .string(description), "error": .string(error)]]
        }
        if (ticket["subject"]?.string ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            invalid("subject", "Subject: cannot be blank", "BlankValue")
        }
        let comment = ticket["comment"]
        let text = comment?["body"]?.string ?? comment?["html_body"]?.string ?? ""
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            invalid("description", "Description: cannot be blank", "BlankValue")
        }
        if let priority = ticket["priority"], !priority.isNull,
            !(priority.string.map(priorities.contains) ?? false)
        {
            invalid("priority", "Priority: is not valid", "InvalidValue")
        }
        if let type = ticket["type"], !type.isNull, !(type.string.map(types.contains) ?? false) {
            invalid("type", "Type: is not valid", "InvalidValue")
        }
        if let group = ticket["group_id"], !group.isNull, group.int == nil {
            invalid("group_id", "Group: is invalid", "InvalidValue")
        }
        if let fields = ticket["custom_fields"], !fields.isNull {
            let valid = fields.array?.allSatisfy { $0["id"]?.int != nil } ?? false
            if !valid { invalid("custom_fields", "Custom fields: each needs an integer id", "InvalidValue") }
        }
        guard !details.isEmpty else { return nil }
        return MockHTTP.json(
            .unprocessableContent,
            ["error": "RecordInvalid", "description": "Record validation errors", "details": .object(details)])
    }

    static func ticket(from body: [String: JSONValue], id: Int, key: String?, extra: inout Extra) -> Ticket {
        let comment = body["comment"]
        let html = comment?["body"]?.string == nil && comment?["html_body"]?.string != nil
        let requester = body["requester"]?.object.map {
            Requester(name: $0["name"]?.string, email: $0["email"]?.string, phone: $0["phone"]?.string)
        }
        var requesterID: Int?
        if let requester {
            let identity = requester.email ?? requester.phone ?? requester.name ?? ""
            if let known = extra.users[identity] {
                requesterID = known
            } else {
                requesterID = extra.nextUserID
                extra.users[identity] = extra.nextUserID
                extra.nextUserID += 1
            }
        }
        return Ticket(
            id: id, idempotencyKey: key, subject: body["subject"]?.string ?? "",
            comment: comment?["body"]?.string ?? comment?["html_body"]?.string ?? "", commentIsHTML: html,
            commentIsPublic: comment?["public"]?.bool ?? true, priority: body["priority"]?.string,
            type: body["type"]?.string, tags: body["tags"]?.array?.compactMap(\.string) ?? [],
            groupID: body["group_id"]?.int, requester: requester, requesterID: requesterID,
            externalID: body["external_id"]?.string,
            customFields: body["custom_fields"]?.array?.compactMap { field in
                field["id"]?.int.map { CustomField(id: $0, value: field["value"] ?? .null) }
            } ?? [],
            status: "new", createdAt: Date())
    }

    static func ticketResponse(
        _ status: HTTPResponse.Status, _ ticket: Ticket, origin: String, lookup: String?
    ) -> Response {
        let created = MockFormat.iso8601(ticket.createdAt)
        let fields: JSONValue = .array(ticket.customFields.map { ["id": .int($0.id), "value": $0.value] })
        let description: String =
            ticket.commentIsHTML
            ? ticket.comment.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            : ticket.comment
        let object: JSONValue = [
            "id": .int(ticket.id),
            "url": .string("\(origin)/api/v2/tickets/\(ticket.id).json"),
            "external_id": .optional(ticket.externalID),
            "via": ["channel": "api", "source": ["from": [:], "to": [:], "rel": nil]],
            "created_at": .string(created),
            "updated_at": .string(created),
            "type": .optional(ticket.type),
            "subject": .string(ticket.subject),
            "raw_subject": .string(ticket.subject),
            "description": .string(description),
            "priority": .optional(ticket.priority),
            "status": .string(ticket.status),
            "recipient": nil,
            "requester_id": .optional(ticket.requesterID),
            "submitter_id": .optional(ticket.requesterID),
            "assignee_id": nil,
            "organization_id": nil,
            "group_id": .optional(ticket.groupID),
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": nil,
            "problem_id": nil,
            "has_incidents": false,
            "is_public": .bool(ticket.commentIsPublic),
            "due_at": nil,
            "tags": .array(ticket.tags.map { .string($0) }),
            "custom_fields": fields,
            "fields": fields,
            "satisfaction_rating": nil,
            "sharing_agreement_ids": [],
            "followup_ids": [],
            "brand_id": 1,
            "allow_channelback": false,
            "allow_attachments": true,
        ]
        var headers: HTTPFields = [:]
        if let lookup { headers[HTTPField.Name("x-idempotency-lookup")!] = lookup }
        if status == .created { headers[.location] = "\(origin)/api/v2/tickets/\(ticket.id).json" }
        return MockHTTP.json(status, ["ticket": object], headers: headers)
    }

    /// The part of `path` before `/api/v2/tickets`: empty unless the mock is mounted under a prefix.
    static func basePath(_ path: String) -> String {
        guard let range = path.range(of: "/api/v2/tickets") else { return "" }
        return String(path[..<range.lowerBound])
    }

    static func faultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return MockHTTP.json(
                .tooManyRequests,
                ["error": "APIRateLimitExceeded", "description": "Number of allowed API requests per minute exceeded"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            let status = HTTPResponse.Status(code: code)
            return MockHTTP.json(
                status, ["error": .string(status.reasonPhrase), "description": "Injected fault \(code)"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return MockHTTP.json(.internalServerError, ["error": "InternalServerError"])
        }
    }
}
