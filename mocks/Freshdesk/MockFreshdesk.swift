import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A stand-in Freshdesk: ticket creation (`POST /api/v2/tickets`), lookup (`GET /api/v2/tickets/{id}`) and
/// the ticket search API (`GET /api/v2/search/tickets?query="…"`) in Freshdesk's v2 shapes.
///
/// Authentication is Freshdesk's HTTP Basic with the API key as user name (the password is ignored, by
/// convention `X`). Freshdesk has no idempotency header: DelayGate puts its key in a custom field
/// (`cf_delaygate_key` by default) and the mock treats a repeated value as a repeated request, answering
/// the original ticket instead of creating another. A client is expected to search before re-creating.
public final class MockFreshdesk: Sendable {
    /// A ticket the mock created.
    public struct Ticket: Sendable, Hashable {
        public var id: Int
        /// The value of the idempotency custom field.
        public var idempotencyKey: String?
        public var subject: String
        /// The HTML description as sent.
        public var description: String
        public var email: String?
        public var phone: String?
        public var name: String?
        /// 1 low, 2 medium, 3 high, 4 urgent.
        public var priority: Int
        /// 2 open, 3 pending, 4 resolved, 5 closed.
        public var status: Int
        public var source: Int
        public var type: String?
        public var tags: [String]
        public var groupID: Int?
        public var requesterID: Int
        public var customFields: [String: JSONValue]
        public var createdAt: Date
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        /// The decoded `query` parameter of a search.
        public var query: String?
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        /// Whether the API key was right.
        public var authenticated: Bool
        /// The idempotency custom field of a create request.
        public var idempotencyKey: String?
        public var body: JSONValue?
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Ticket>

    struct Extra: Sendable {
        var nextID = 1
        var nextUserID = 50_001
        var users: [String: Int] = [:]
    }

    public let apiKey: String
    /// The custom field that carries the idempotency key.
    public let idempotencyField: String
    private let recorder: MockRecorder<RecordedRequest, Ticket, Extra>

    /// - Parameters:
    ///   - apiKey: the API key expected as the Basic user name.
    ///   - idempotencyField: the custom field deduplicated on.
    ///   - faults: the initial fault plan of `POST /api/v2/tickets`.
    public init(apiKey: String, idempotencyField: String = "cf_delaygate_key", faults: FaultPlan = .none) {
        self.apiKey = apiKey
        self.idempotencyField = idempotencyField
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

    /// Tickets of `groupID` with status open (2) or pending (3).
    public func openTickets(groupID: Int) -> Int {
        created.filter { $0.groupID == groupID && [2, 3].contains($0.status) }.count
    }

    /// Sets a ticket's status (2 open, 3 pending, 4 resolved, 5 closed), as an agent would.
    public func setStatus(_ status: Int, ticketID: Int) {
        recorder.update { state in
            if let index = state.snapshot.created.firstIndex(where: { $0.id == ticketID }) {
                state.snapshot.created[index].status = status
            }
        }
    }

    /// Adds `POST /api/v2/tickets`, `GET /api/v2/tickets/{id}` and `GET /api/v2/search/tickets`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("api/v2/tickets") { request, context in try await self.create(request, context) }
        router.get("api/v2/tickets/:id") { request, context in self.show(request, context) }
        router.get("api/v2/search/tickets") { request, _ in self.search(request) }
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
        let key = body?["custom_fields"]?[idempotencyField].flatMap { $0.string ?? $0.int.map(String.init) }
        let authenticated = authenticated(request)
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(
                    method: "POST", path: request.uri.path, query: nil, status: status,
                    authenticated: authenticated, idempotencyKey: key, body: body)
            },
            faultAnswer: Self.faultAnswer,
            handle: {
                guard authenticated else { return Self.unauthorized() }
                guard let fields = body?.object else {
                    return Self.validationFailed([("body", "Request body has invalid json format", "invalid_json")])
                }
                if let invalid = Self.validate(fields) { return invalid }
                let location = MockHTTP.origin(request) + request.uri.path
                return recorder.update { state -> Response in
                    if let key, let existing = state.snapshot.created.first(where: { $0.idempotencyKey == key }) {
                        state.snapshot.duplicateKeyHits += 1
                        return Self.ticketResponse(.created, existing, location: "\(location)/\(existing.id)")
                    }
                    let ticket = Self.ticket(from: fields, id: state.extra.nextID, key: key, extra: &state.extra)
                    state.extra.nextID += 1
                    state.snapshot.created.append(ticket)
                    return Self.ticketResponse(.created, ticket, location: "\(location)/\(ticket.id)")
                }
            })
    }

    private func show(_ request: Request, _ context: MockRequestContext) -> Response {
        let authenticated = authenticated(request)
        let response: Response
        if !authenticated {
            response = Self.unauthorized()
        } else if let id = context.parameters.get("id", as: Int.self),
            let ticket = created.first(where: { $0.id == id })
        {
            response = Self.ticketResponse(.ok, ticket, location: nil)
        } else {
            response = MockHTTP.json(.notFound, ["code": "not_found", "message": "Record not found"])
        }
        record(request, query: nil, status: response.status.code, authenticated: authenticated)
        return response
    }

    private func search(_ request: Request) -> Response {
        let authenticated = authenticated(request)
        let parameters = FormFields(parsing: request.uri.query ?? "")
        let query = parameters["query"]
        let response: Response
        if !authenticated {
            response = Self.unauthorized()
        } else if let query, let clauses = Self.parseQuery(query) {
            let page = Int(parameters["page"] ?? "1") ?? 1
            if !(1...10).contains(page) {
                response = Self.validationFailed([
                    ("page", "It should be a Positive Integer less than or equal to 10", "invalid_value")
                ])
            } else {
                let matches = created.filter { ticket in
                    clauses.contains { conjunction in conjunction.allSatisfy { Self.matches(ticket, $0) } }
                }
                let results = matches.dropFirst((page - 1) * 30).prefix(30).map(Self.ticketObject)
                response = MockHTTP.json(.ok, ["results": .array(Array(results)), "total": .int(matches.count)])
            }
        } else {
            response = Self.validationFailed([
                ("query", "It should be a String wrapped in double quotes, like \"field:'value'\"", "invalid_value")
            ])
        }
        record(request, query: query, status: response.status.code, authenticated: authenticated)
        return response
    }

    private func record(_ request: Request, query: String?, status: Int, authenticated: Bool) {
        recorder.update { state in
            state.snapshot.requests.append(
                RecordedRequest(
                    method: "GET", path: request.uri.path, query: query, status: status,
                    authenticated: authenticated, idempotencyKey: nil, body: nil))
        }
    }

    private func authenticated(_ request: Request) -> Bool {
        MockHTTP.basicCredentials(request)?.user == apiKey
    }

    static func unauthorized() -> Response {
        MockHTTP.json(
            .unauthorized,
            ["code": "invalid_credentials", "message": "You have to be logged in to perform this action."])
    }

    // MARK: - Validation

    static let knownFields: Set<String> = [
        "name", "requester_id", "email", "facebook_id", "phone", "twitter_id", "unique_external_id", "subject",
        "type", "status", "priority", "description", "responder_id", "attachments", "cc_emails", "custom_fields",
        "due_by", "email_config_id", "fr_due_by", "group_id", "parent_id", "product_id", "source", "tags",
        "company_id", "internal_agent_id", "internal_group_id", "lookup_parameter",
    ]

    static func validationFailed(_ errors: [(field: String, message: String, code: String)]) -> Response {
        MockHTTP.json(
            .badRequest,
            [
                "description": "Validation failed",
                "errors": .array(
                    errors.map {
                        ["field": .string($0.field), "message": .string($0.message), "code": .string($0.code)]
                    }
                ),
            ])
    }

    /// A 400 `Validation failed` listing every problem, or `nil`.
    static func validate(_ body: [String: JSONValue]) -> Response? {
        var errors: [(String, String, String)] = []
        for field in body.keys.sorted() where !knownFields.contains(field) {
            errors.append((field, "Unexpected/invalid field in request", "invalid_field"))
        }
        for field in ["subject", "description"] where (body[field]?.string ?? "").isEmpty {
            errors.append((field, "It should be a/an String", "missing_field"))
        }
        let requesterFields = ["requester_id", "email", "phone", "twitter_id", "facebook_id", "unique_external_id"]
        if !requesterFields.contains(where: { body[$0] != nil && body[$0] != .null }) {
            errors.append(
                (
                    "requester_id",
                    "Please fill at least 1 of email, phone, requester_id, twitter_id, facebook_id, unique_external_id fields",
                    "missing_field"
                ))
        } else if body["email"] == nil, body["phone"] != nil, (body["name"]?.string ?? "").isEmpty {
            errors.append(("name", "It should be a/an String", "missing_field"))
        }
        if let email = body["email"], !(email.string?.contains("@") ?? false) {
            errors.append(("email", "It is not in a valid email address format", "invalid_value"))
        }
        if let priority = body["priority"], !(priority.int.map { (1...4).contains($0) } ?? false) {
            errors.append(("priority", "It should be one of these values: '1,2,3,4'", "invalid_value"))
        }
        if let status = body["status"], !(status.int.map { (2...5).contains($0) } ?? false) {
            errors.append(("status", "It should be one of these values: '2,3,4,5'", "invalid_value"))
        }
        if let source = body["source"], source.int == nil {
            errors.append(("source", "It should be a/an Integer", "datatype_mismatch"))
        }
        if let group = body["group_id"], !group.isNull, group.int == nil {
            errors.append(("group_id", "It should be a/an Positive Integer", "datatype_mismatch"))
        }
        if let tags = body["tags"], !(tags.array?.allSatisfy { $0.string != nil } ?? false) {
            errors.append(("tags", "It should be a/an Array of Strings", "datatype_mismatch"))
        }
        if let custom = body["custom_fields"] {
            if let members = custom.object {
                for name in members.keys.sorted() where !name.hasPrefix("cf_") {
                    errors.append((name, "Unexpected/invalid field in request", "invalid_field"))
                }
            } else {
                errors.append(("custom_fields", "It should be a/an key/value pair", "datatype_mismatch"))
            }
        }
        return errors.isEmpty ? nil : validationFailed(errors)
    }

    // MARK: - Shapes

    static func ticket(from body: [String: JSONValue], id: Int, key: String?, extra: inout Extra) -> Ticket {
        let identity =
            body["email"]?.string ?? body["phone"]?.string ?? body["requester_id"]?.int.map(String.init) ?? ""
        let requesterID: Int
        if let requester = body["requester_id"]?.int {
            requesterID = requester
        } else if let known = extra.users[identity] {
            requesterID = known
        } else {
            requesterID = extra.nextUserID
            extra.users[identity] = requesterID
            extra.nextUserID += 1
        }
        return Ticket(
            id: id, idempotencyKey: key, subject: body["subject"]?.string ?? "",
            description: body["description"]?.string ?? "", email: body["email"]?.string,
            phone: body["phone"]?.string, name: body["name"]?.string, priority: body["priority"]?.int ?? 1,
            status: body["status"]?.int ?? 2, source: body["source"]?.int ?? 2, type: body["type"]?.string,
            tags: body["tags"]?.array?.compactMap(\.string) ?? [], groupID: body["group_id"]?.int,
            requesterID: requesterID, customFields: body["custom_fields"]?.object ?? [:], createdAt: Date())
    }

    static func ticketObject(_ ticket: Ticket) -> JSONValue {
        let created = MockFormat.iso8601(ticket.createdAt)
        let due = MockFormat.iso8601(ticket.createdAt.addingTimeInterval(3 * 86_400))
        let firstResponseDue = MockFormat.iso8601(ticket.createdAt.addingTimeInterval(86_400))
        let text = ticket.description.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
        return [
            "id": .int(ticket.id),
            "subject": .string(ticket.subject),
            "description": .string(ticket.description),
            "description_text": .string(text),
            "priority": .int(ticket.priority),
            "status": .int(ticket.status),
            "source": .int(ticket.source),
            "type": .optional(ticket.type),
            "group_id": .optional(ticket.groupID),
            "requester_id": .int(ticket.requesterID),
            "responder_id": nil,
            "company_id": nil,
            "product_id": nil,
            "email_config_id": nil,
            "tags": .array(ticket.tags.map { .string($0) }),
            "custom_fields": .object(ticket.customFields),
            "cc_emails": [],
            "fwd_emails": [],
            "reply_cc_emails": [],
            "ticket_cc_emails": [],
            "to_emails": nil,
            "attachments": [],
            "spam": false,
            "fr_escalated": false,
            "is_escalated": false,
            "due_by": .string(due),
            "fr_due_by": .string(firstResponseDue),
            "created_at": .string(created),
            "updated_at": .string(created),
        ]
    }

    static func ticketResponse(_ status: HTTPResponse.Status, _ ticket: Ticket, location: String?) -> Response {
        var headers: HTTPFields = [:]
        if let location { headers[.location] = location }
        return MockHTTP.json(status, ticketObject(ticket), headers: headers)
    }

    // MARK: - Search

    /// One `field:value` term of a search query.
    struct Term: Sendable {
        var field: String
        var value: String
    }

    /// Parses `"a:'x' AND b:2 OR c:null"` (with its double quotes) into disjuncts of conjunctions.
    /// AND binds tighter than OR; parentheses are not supported.
    static func parseQuery(_ query: String) -> [[Term]]? {
        guard query.count >= 2, query.hasPrefix("\""), query.hasSuffix("\"") else { return nil }
        let inner = query.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        guard !inner.isEmpty else { return nil }
        var disjuncts: [[Term]] = []
        for disjunct in inner.components(separatedBy: " OR ") {
            var conjunction: [Term] = []
            for text in disjunct.components(separatedBy: " AND ") {
                let term = text.trimmingCharacters(in: .whitespaces)
                guard let colon = term.firstIndex(of: ":") else { return nil }
                let field = String(term[..<colon])
                var value = String(term[term.index(after: colon)...])
                if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                    value = String(value.dropFirst().dropLast())
                }
                guard !field.isEmpty else { return nil }
                conjunction.append(Term(field: field, value: value))
            }
            disjuncts.append(conjunction)
        }
        return disjuncts
    }

    static func matches(_ ticket: Ticket, _ term: Term) -> Bool {
        func equal(_ value: JSONValue?) -> Bool {
            guard let value, !value.isNull else { return term.value == "null" }
            switch value {
            case .string(let string): return string.lowercased() == term.value.lowercased()
            case .int(let int): return String(int) == term.value
            case .bool(let bool): return String(bool) == term.value
            default: return false
            }
        }
        switch term.field {
        case "status": return String(ticket.status) == term.value
        case "priority": return String(ticket.priority) == term.value
        case "group_id": return equal(.optional(ticket.groupID))
        case "type": return equal(.optional(ticket.type))
        case "tag": return ticket.tags.contains { $0.lowercased() == term.value.lowercased() }
        default:
            let name = term.field.hasPrefix("cf_") ? term.field : "cf_\(term.field)"
            return equal(ticket.customFields[name])
        }
    }

    static func faultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return MockHTTP.json(
                .tooManyRequests,
                ["code": "rate_limit_exceeded", "message": "You have exceeded the limit of requests per minute"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            return MockHTTP.json(
                HTTPResponse.Status(code: code),
                ["code": "internal_error", "message": "Injected fault \(code)"],
                headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return MockHTTP.json(.internalServerError, ["code": "internal_error"])
        }
    }
}
