import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A generic webhook receiver: records every `POST /hooks/{name}` (raw body and headers) and answers
/// `200 {"ok": true}`. A repeated `Idempotency-Key` (per hook name) is answered the same but not delivered
/// again.
public final class MockHTTPReceiver: Sendable {
    /// A delivery: the first request for its hook name and idempotency key.
    public struct Delivery: Sendable, Hashable {
        public var name: String
        public var body: [UInt8]
        /// Header names lower-cased; repeated headers joined with `, `.
        public var headers: [String: String]
        public var idempotencyKey: String?
        public var receivedAt: Date

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body parsed as JSON, if it is.
        public var json: JSONValue? { JSONValue.parse(body) }
    }

    /// One request received.
    public struct RecordedRequest: Sendable, Hashable {
        public var name: String
        /// The status answered; `nil` when the connection was dropped.
        public var status: Int?
        public var body: [UInt8]
        public var headers: [String: String]
        public var idempotencyKey: String?
    }

    public typealias Snapshot = MockSnapshot<RecordedRequest, Delivery>

    /// Extra state: the `name` + NUL + idempotency key of every delivery, so that a repeat is
    /// found in constant time (a benchmark sends tens of thousands).
    private let recorder: MockRecorder<RecordedRequest, Delivery, Set<String>>

    /// - Parameter faults: the initial fault plan of `POST /hooks/{name}`.
    public init(faults: FaultPlan = .none) {
        self.recorder = MockRecorder(extra: [], faults: faults)
    }

    public var snapshot: Snapshot { recorder.snapshot }
    public var requests: [RecordedRequest] { snapshot.requests }
    public var created: [Delivery] { snapshot.created }
    public var duplicateKeyHits: Int { snapshot.duplicateKeyHits }

    /// The deliveries to one hook.
    public func deliveries(_ name: String) -> [Delivery] { created.filter { $0.name == name } }

    /// Replaces the fault plan.
    public func setFaults(_ faults: FaultPlan) { recorder.setFaults(faults) }

    /// Returns once `condition` holds (checked after every request).
    public func waitUntil(_ condition: @escaping @Sendable (Snapshot) -> Bool) async {
        await recorder.waitUntil(condition)
    }

    /// Adds `POST /hooks/{name}`.
    public func register(on router: some RouterMethods<MockRequestContext>) {
        router.post("hooks/:name") { request, context in try await self.receive(request, context) }
    }

    /// A router with only this mock's routes.
    public func router() -> Router<MockRequestContext> {
        let router = Router(context: MockRequestContext.self)
        register(on: router)
        return router
    }

    private func receive(_ request: Request, _ context: MockRequestContext) async throws -> Response {
        let body = Array(try await MockHTTP.body(request).readableBytesView)
        let name = context.parameters.get("name") ?? ""
        var headers: [String: String] = [:]
        for field in request.headers {
            let key = field.name.canonicalName
            headers[key] = headers[key].map { "\($0), \(field.value)" } ?? field.value
        }
        let key = headers["idempotency-key"]
        return try await recorder.serve(
            context,
            record: { status in
                RecordedRequest(name: name, status: status, body: body, headers: headers, idempotencyKey: key)
            },
            faultAnswer: Self.faultAnswer,
            handle: {
                recorder.update { state -> Response in
                    if let key, !state.extra.insert(name + "\u{0}" + key).inserted {
                        state.snapshot.duplicateKeyHits += 1
                    } else {
                        state.snapshot.created.append(
                            Delivery(name: name, body: body, headers: headers, idempotencyKey: key, receivedAt: Date()))
                    }
                    return MockHTTP.json(.ok, encoded: Self.accepted)
                }
            })
    }

    /// `{"ok":true}`, encoded once: a benchmark receives tens of thousands of deliveries.
    private static let accepted = ByteBuffer(bytes: JSONValue.object(["ok": true]).encoded())

    static func faultAnswer(_ fault: FaultPlan.Fault) -> Response {
        switch fault {
        case .rateLimited(let retryAfter), .status(429, let retryAfter):
            return MockHTTP.json(.tooManyRequests, ["ok": false], headers: MockHTTP.retryAfter(retryAfter))
        case .status(let code, let retryAfter):
            return MockHTTP.json(
                HTTPResponse.Status(code: code), ["ok": false], headers: MockHTTP.retryAfter(retryAfter))
        case .delay, .drop:
            return MockHTTP.json(.internalServerError, ["ok": false])
        }
    }
}
