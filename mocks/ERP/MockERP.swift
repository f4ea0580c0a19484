import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A stand-in ERP: an OAuth 2.0 token endpoint (client credentials, RFC 6749), a paged
/// orders API in the shape DelayGate's `erp-poll` kind reads (`docs/erp-poll.md`), and the actions
/// DelayGate may take: a stock lookup per warehouse and fulfilment requests (`MockERP+Actions.swift`).
///
/// It records what it receives and injects faults on demand: transient 503s, tokens that stop
/// working before their stated expiry, a token endpoint that fails, and the shared `FaultPlan` on
/// fulfilment requests.
public final class MockERP: Sendable {
    public struct Faults: Sendable {
        /// Every n-th orders request is answered 503 with `Retry-After: 0`.
        public var failEveryNthRequest: Int?
        /// After this many successful orders requests, every token issued so far is refused (401).
        public var revokeTokensAfterRequests: Int?
        /// The first n token requests are answered 503.
        public var failFirstTokenRequests: Int

        public init(
            failEveryNthRequest: Int? = nil, revokeTokensAfterRequests: Int? = nil, failFirstTokenRequests: Int = 0
        ) {
            self.failEveryNthRequest = failEveryNthRequest
            self.revokeTokensAfterRequests = revokeTokensAfterRequests
            self.failFirstTokenRequests = failFirstTokenRequests
        }
    }

    /// One recorded orders request.
    public struct RecordedRequest: Sendable, Hashable {
        public var query: [String: String]
        public var status: Int
    }

    struct State {
        var orders: [[String: Any]] = []
        var faults: Faults
        var validTokens: Set<String> = []
        var ordersRequests: [RecordedRequest] = []
        var tokenRequests = 0
        var served = 0
        var revoked = false
        var watchers: [Watcher] = []
    }

    struct Watcher {
        var condition: @Sendable ([RecordedRequest]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    public let clientID: String
    public let clientSecret: String
    public let tokenLifetime: Int
    let state: Mutex<StateBox>
    let actions = MockRecorder<ActionRequest, FulfilmentRequest, ActionState>(extra: ActionState())

    /// `[String: Any]` is not Sendable; the mutex is the only way in.
    struct StateBox: @unchecked Sendable {
        var value: State
    }

    public init(
        clientID: String = "delaygate", clientSecret: String, tokenLifetime: Int = 3600, faults: Faults = Faults()
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.tokenLifetime = tokenLifetime
        self.state = Mutex(StateBox(value: State(faults: faults)))
    }

    /// Adds or replaces orders (JSON objects with at least `id` and `updated_at`).
    public func upsert(orders: [[String: any Sendable]]) {
        state.withLock { box in
            for order in orders {
                guard let id = order["id"] as? String else { continue }
                box.value.orders.removeAll { ($0["id"] as? String) == id }
                box.value.orders.append(order)
            }
        }
    }

    public var ordersRequests: [RecordedRequest] { state.withLock { $0.value.ordersRequests } }
    public var tokenRequests: Int { state.withLock { $0.value.tokenRequests } }

    /// Returns once the recorded orders requests satisfy `condition` (checked on every request).
    public func waitUntil(_ condition: @escaping @Sendable ([RecordedRequest]) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = state.withLock { box -> Bool in
                if condition(box.value.ordersRequests) { return true }
                box.value.watchers.append(Watcher(condition: condition, continuation: continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    public func setFaults(_ faults: Faults) {
        state.withLock { $0.value.faults = faults }
    }

    /// Adds `POST /oauth/token`, `GET /api/orders`, `GET /api/warehouses/{code}/stock`,
    /// `POST /api/fulfilment-requests` and `GET /api/fulfilment-requests/{id}`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("oauth/token") { request, _ in try await self.token(request) }
        router.get("api/orders") { request, _ in self.orders(request) }
        registerActions(on: router)
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    private func token(_ request: Request) async throws -> Response {
        var request = request
        let body = String(buffer: try await request.collectBody(upTo: 1 << 16))
        let failing = state.withLock { box -> Bool in
            box.value.tokenRequests += 1
            return box.value.tokenRequests <= box.value.faults.failFirstTokenRequests
        }
        if failing { return Self.json(.serviceUnavailable, ["error": "temporarily_unavailable"]) }
        let fields = Dictionary(
            body.split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { first, _ in first })
        guard fields["grant_type"] == "client_credentials" else {
            return Self.json(.badRequest, ["error": "unsupported_grant_type"])
        }
        // RFC 6749 §2.3.1: the client id and secret are form-urlencoded before Basic encodes them.
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({
                String(decoding: $0, as: UTF8.self)
            }),
            let colon = decoded.firstIndex(of: ":"),
            decoded[..<colon].replacingOccurrences(of: "+", with: " ").removingPercentEncoding == clientID,
            decoded[decoded.index(after: colon)...].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
                == clientSecret
        else {
            var response = Self.json(.unauthorized, ["error": "invalid_client"])
            response.headers[.wwwAuthenticate] = #"Basic realm="mock-erp""#
            return response
        }
        let token = "tok-" + UUID().uuidString
        _ = state.withLock { $0.value.validTokens.insert(token) }
        return Self.json(.ok, ["access_token": token, "token_type": "Bearer", "expires_in": tokenLifetime])
    }

    private func orders(_ request: Request) -> Response {
        let query = Dictionary(
            request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { f, _ in f })
        let token = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        var ready: [CheckedContinuation<Void, Never>] = []
        defer { for continuation in ready { continuation.resume() } }
        return state.withLock { box -> Response in
            var state = box.value
            defer {
                let requests = state.ordersRequests
                ready = state.watchers.filter { $0.condition(requests) }.map(\.continuation)
                state.watchers.removeAll { $0.condition(requests) }
                box.value = state
            }
            func record(_ status: Int) { state.ordersRequests.append(RecordedRequest(query: query, status: status)) }
            guard let token, state.validTokens.contains(token) else {
                record(401)
                var response = Self.json(.unauthorized, ["error": "invalid_token"])
                response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token""#
                return response
            }
            let number = state.ordersRequests.count + 1
            if let n = state.faults.failEveryNthRequest, number % n == 0 {
                record(503)
                var response = Self.json(.serviceUnavailable, ["error": "maintenance"])
                response.headers[.retryAfter] = "0"
                return response
            }
            if let limit = state.faults.revokeTokensAfterRequests, state.served >= limit, !state.revoked {
                // Every token issued so far stops working at once, before its stated expiry.
                state.revoked = true
                state.validTokens.removeAll()
                record(401)
                var response = Self.json(.unauthorized, ["error": "invalid_token"])
                response.headers[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="expired""#
                return response
            }
            let limit = Int(query["limit"] ?? "") ?? 100
            // Stable order (updated_at, id); a page token is the key of the last order served.
            let sorted = state.orders.sorted { Self.key($0) < Self.key($1) }
            var remaining = sorted
            if let pageToken = query["page_token"], let after = Self.decodeToken(pageToken) {
                remaining = sorted.filter { Self.key($0) > after }
            } else if let since = query["updated_since"] {
                remaining = sorted.filter { ($0["updated_at"] as? String ?? "") > since }
            }
            let page = Array(remaining.prefix(limit))
            let next = remaining.count > limit ? page.last.map { Self.encodeToken(Self.key($0)) } : nil
            state.served += 1
            record(200)
            var body: [String: Any] = ["orders": page]
            body["next_page_token"] = next ?? NSNull()
            return Self.json(.ok, body)
        }
    }

    /// URL-safe Base64 of the last key served.
    static func encodeToken(_ key: String) -> String {
        Data(key.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeToken(_ token: String) -> String? {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }

    static func key(_ order: [String: Any]) -> String {
        "\(order["updated_at"] as? String ?? "")|\(order["id"] as? String ?? "")"
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
