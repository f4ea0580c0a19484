import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The ERP's action endpoints: stock per warehouse and fulfilment requests, both with a bearer token from
/// `POST /oauth/token`. Fulfilment requests carry an `Idempotency-Key`: a repeated key answers the original
/// request and reserves nothing more. Errors are RFC 9457 problem documents.
extension MockERP {
    /// One item of a fulfilment request.
    public struct FulfilmentItem: Sendable, Hashable {
        public var sku: String
        public var quantity: Int

        public init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    /// A fulfilment request the ERP accepted (its stock is reserved).
    public struct FulfilmentRequest: Sendable, Hashable {
        /// `FR-000001`, …
        public var id: String
        public var orderID: String
        public var warehouse: String
        public var items: [FulfilmentItem]
        public var reason: String?
        public var shipTo: JSONValue?
        public var reference: String?
        public var idempotencyKey: String?
        /// `accepted`.
        public var status: String
        public var createdAt: Date
    }

    /// One request to a stock or fulfilment endpoint.
    public struct ActionRequest: Sendable, Hashable {
        public var method: String
        public var path: String
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        public var idempotencyKey: String?
        public var body: JSONValue?
    }

    public typealias ActionsSnapshot = MockSnapshot<ActionRequest, FulfilmentRequest>

    struct ActionState: Sendable {
        /// Warehouse → SKU → units available.
        var stock: [String: [String: Int]] = [:]
        var keys: [String: String] = [:]
        var nextID = 1
    }

    /// Sets the units of `sku` available at `warehouse` (0 unless set).
    public func setStock(warehouse: String, sku: String, available: Int) {
        actions.update { $0.extra.stock[warehouse, default: [:]][sku] = available }
    }

    /// The units of `sku` available at `warehouse` now (accepted requests reserve theirs).
    public func stock(warehouse: String, sku: String) -> Int {
        actions.update { $0.extra.stock[warehouse]?[sku] ?? 0 }
    }

    /// Everything the action endpoints have seen and created.
    public var actionsSnapshot: ActionsSnapshot { actions.snapshot }
    /// Requests to the stock and fulfilment endpoints.
    public var actionRequests: [ActionRequest] { actions.snapshot.requests }
    /// Fulfilment requests accepted.
    public var created: [FulfilmentRequest] { actions.snapshot.created }
    /// Fulfilment requests answered from an earlier one with the same `Idempotency-Key`.
    public var duplicateKeyHits: Int { actions.snapshot.duplicateKeyHits }

    /// Replaces the fault plan of `POST /api/fulfilment-requests` (stock lookups are not faulted).
    public func setFaults(_ faults: FaultPlan) { actions.setFaults(faults) }

    /// Every token issued so far is refused (401) from now on, on every endpoint.
    public func revokeTokens() {
        state.withLock { $0.value.validTokens.removeAll() }
    }

    /// Returns once `condition` holds for the action endpoints (checked after every request).
    public func waitUntilActions(_ condition: @escaping @Sendable (ActionsSnapshot) -> Bool) async {
        await actions.waitUntil(condition)
    }

    func registerActions(on router: some RouterMethods<MockRequestContext>) {
        router.get("api/warehouses/:code/stock") { request, context in self.stockLookup(request, context) }
        router.post("api/fulfilment-requests") { request, context in try await self.fulfil(request, context) }
        router.get("api/fulfilment-requests/:id") { request, context in self.showFulfilment(request, context) }
    }

    private func authorized(_ request: Request) -> Bool {
        guard let token = MockHTTP.bearerToken(request) else { return false }
        return state.withLock { $0.value.validTokens.contains(token) }
    }

    private func stockLookup(_ request: Request, _ context: MockRequestContext) -> Response {
        let warehouse = context.parameters.get("code") ?? ""
        let sku = FormFields(parsing: request.uri.query ?? "")["sku"] ?? ""
        let response: Response
        if !authorized(request) {
            response = Self.invalidToken()
        } else if sku.isEmpty {
            response = MockHTTP.problem(
                .badRequest, title: "Bad Request", detail: "The query parameter sku is required.")
        } else {
            let available = stock(warehouse: warehouse, sku: sku)
            response = MockHTTP.json(
                .ok, ["warehouse": .string(warehouse), "sku": .string(sku), "available": .int(available)])
        }
        recordAction(request, status: response.status.code)
        return response
    }

    private func showFulfilment(_ request: Request, _ context: MockRequestContext) -> Response {
        let id = context.parameters.get("id") ?? ""
        let response: Response
        if !authorized(request) {
            response = Self.invalidToken()
        } else if let found = created.first(where: { $0.id == id }) {
            response = MockHTTP.json(.ok, Self.object(found))
        } else {
            response = MockHTTP.problem(.notFound, title: "Not Found", detail: "No fulfilment request \(id).")
        }
        recordAction(request, status: response.status.code)
        return response
    }

    private func recordAction(_ request: Request, status: Int) {
        actions.update { state in
            state.snapshot.requests.append(
                ActionRequest(
                    method: request.method.rawValue, path: request.uri.path, status: status, idempotencyKey: nil,
                    body: nil))
        }
    }

    private func fulfil(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let bytes = try await MockHTTP.body(request)
        let body = JSONValue.parse(bytes.readableBytesView)
        let key = MockHTTP.header(request, "Idempotency-Key")
        let authorized = authorized(request)
        return try await actions.serve(
            context,
            record: { status in
                ActionRequest(method: "POST", path: request.uri.path, status: status, idempotencyKey: key, body: body)
            },
            faultAnswer: Self.actionFaultAnswer,
            handle: {
                guard authorized else { return Self.invalidToken() }
                guard let fields = body?.object else {
                    return MockHTTP.problem(
                        .badRequest, title: "Bad Request", detail: "The body must be a JSON object.")
                }
                var invalid: [JSONValue] = []
                for name in ["order_id", "warehouse"] where (fields[name]?.string ?? "").isEmpty {
                    invalid.append(["name": .string(name), "reason": "is required"])
                }
                let items = fields["items"]?.array?.compactMap { item -> FulfilmentItem? in
                    guard let sku = item["sku"]?.string, !sku.isEmpty, let quantity = item["quantity"]?.int,
                        quantity > 0
                    else { return nil }
                    return FulfilmentItem(sku: sku, quantity: quantity)
                }
                if items == nil || items!.isEmpty || items!.count != fields["items"]?.array?.count {
                    invalid.append(
                        ["name": "items", "reason": "must be a non-empty list of {sku, quantity > 0}"])
                }
                guard invalid.isEmpty, let items else {
                    return MockHTTP.problem(
                        .unprocessableContent, title: "Unprocessable Content",
                        detail: "The fulfilment request is invalid.", extensions: ["invalid_params": .array(invalid)])
                }
                let warehouse = fields["warehouse"]!.string!
                return actions.update { state -> Response in
                    if let key, let id = state.extra.keys[key],
                        let existing = state.snapshot.created.first(where: { $0.id == id })
                    {
                        state.snapshot.duplicateKeyHits += 1
                        return Self.accepted(existing)
                    }
                    var needed: [String: Int] = [:]
                    for item in items { needed[item.sku, default: 0] += item.quantity }
                    let shortages = needed.keys.sorted().compactMap { sku -> JSONValue? in
                        let available = state.extra.stock[warehouse]?[sku] ?? 0
                        guard available < needed[sku]! else { return nil }
                        return ["sku": .string(sku), "requested": .int(needed[sku]!), "available": .int(available)]
                    }
                    guard shortages.isEmpty else {
                        return MockHTTP.problem(
                            .conflict, title: "Insufficient stock",
                            detail: "Warehouse \(warehouse) cannot cover the requested items.",
                            type: "/problems/insufficient-stock",
                            extensions: ["warehouse": .string(warehouse), "shortages": .array(shortages)])
                    }
                    for (sku, quantity) in needed {
                        state.extra.stock[warehouse, default: [:]][sku, default: 0] -= quantity
                    }
                    let created = FulfilmentRequest(
                        id: String(format: "FR-%06d", state.extra.nextID), orderID: fields["order_id"]!.string!,
                        warehouse: warehouse, items: items, reason: fields["reason"]?.string,
                        shipTo: fields["ship_to"], reference: fields["reference"]?.string, idempotencyKey: key,
                        status: "accepted", createdAt: Date())
                    state.extra.nextID += 1
                    if let key { state.extra.keys[key] = created.id }
                    state.snapshot.created.append(created)
                    return Self.accepted(created)
                }
            })
    }

    static func object(_ request: FulfilmentRequest) -> JSONValue {
        [
            "id": .string(request.id),
            "status": .string(request.status),
            "warehouse": .string(request.warehouse),
            "order_id": .string(request.orderID),
            "reference": .optional(request.reference),
            "items": .array(request.items.map { ["sku": .string($0.sku), "quantity": .int($0.quantity)] }),
            "created_at": .string(MockFormat.iso8601(request.createdAt)),
        ]
    }

    static func accepted(_ request: FulfilmentRequest) -> Response {
        MockHTTP.json(.created, object(request), headers: [.location: "/api/fulfilment-requests/\(request.id)"])
    }

    static func invalidToken() -> Response {
        MockHTTP.json(
            .unauthorized, ["error": "invalid_token"], headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }

    static func actionFaultAnswer(_ fault: FaultPlan.Fault) -> Response {
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
