import DelayGateAdapters
import DelayGateIngest
import Foundation
import Hummingbird
import NIOCore

/// `POST /webhooks/{adapter}`: the inbound door for carriers, brokers, feeds, ERPs and helpdesks
/// (the API's `POST /v1/events` and `POST /v1/orders` pass through ``receive(_:adapter:)`` too).
///
/// Answers `202 Accepted` once the raw body is committed to the inbox (the response names the
/// inbox row), or the answer the adapter's vendor protocol requires (Kdniao's JSON), and RFC
/// 9457 problems otherwise: 404 unknown adapter, 503 adapter without its
/// secret, 415 wrong media type, 413 body over the limit, 401 bad signature (nothing stored),
/// 400 unusable body (stored as rejected), 503 storage unavailable (nothing stored; retry).
struct WebhookRoutes<Context: RequestContext>: Sendable {
    let catalog: AdapterCatalog
    let ingest: IngestService
    let bodyLimit: Int

    func register(on router: Router<Context>) {
        router.post("webhooks/{adapter}") { request, context in
            try await receive(request, adapterName: try context.parameters.require("adapter"))
        }
    }

    func receive(_ request: Request, adapterName name: String) async throws -> Response {
        guard let adapter = catalog.adapter(named: name), adapter.acceptsWebhooks else {
            let detail =
                switch catalog.adapter(named: name) {
                case nil: "no adapter named '\(name)' is configured"
                case let api as APIInboundAdapter: "'\(name)' is DelayGate's API; use \(api.route) with a bearer token"
                default: "adapter '\(name)' polls its source and receives nothing"
                }
            throw ProblemDetails(
                .notFound, slug: "unknown-adapter", title: "Unknown adapter", detail: detail,
                extensions: ["adapter": .string(name)])
        }
        return try await receive(request, adapter: adapter)
    }

    /// Verifies, commits and answers one request for `adapter`.
    func receive(_ request: Request, adapter: any InboundAdapter) async throws -> Response {
        let name = adapter.name
        do throws(IngestError) {
            try ingest.admit(mediaType: request.headers[.contentType].map(InboundRequest.mediaType(of:)), for: adapter)
        } catch {
            throw Self.problem(for: error, adapter: name)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > bodyLimit {
            throw Self.tooLarge(limit: bodyLimit)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(limit: bodyLimit)
        }
        let inbound = InboundRequest(headers: request.headers, body: Data(buffer.readableBytesView))
        let receipt: IngestReceipt
        do throws(IngestError) {
            receipt = try await ingest.receive(inbound, for: adapter)
        } catch {
            if case .rejected(let inboxID, let rejection) = error,
                let answer = adapter.acknowledgement(for: .rejected(inboxID: inboxID, rejection), now: Date())
            {
                return Self.response(answer)
            }
            throw Self.problem(for: error, adapter: name)
        }
        let outcome = IngestOutcome.accepted(inboxID: receipt.inboxID, payload: receipt.payload)
        if let answer = adapter.acknowledgement(for: outcome, now: Date()) {
            return Self.response(answer)
        }
        let body: ByteBuffer
        if receipt.rejectedItems.isEmpty {
            // The common answer has only numbers in it; building it directly skips an encoder per request.
            body = ByteBuffer(
                string: #"{"status":"accepted","inbox_id":\#(receipt.inboxID),"records":\#(receipt.recordCount)}"#)
        } else {
            let accepted = Accepted(
                inboxID: receipt.inboxID, records: receipt.recordCount, rejectedItems: receipt.rejectedItems)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = ByteBuffer(bytes: try encoder.encode(accepted))
        }
        return Response(
            status: .accepted, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
    }

    /// An adapter's own answer (a vendor's required acknowledgement).
    static func response(_ answer: InboundResponse) -> Response {
        Response(
            status: HTTPResponse.Status(code: answer.status), headers: [.contentType: answer.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The 202 body.
    struct Accepted: Encodable {
        var status = "accepted"
        var inboxID: Int64
        var records: Int
        var rejectedItems: [RejectedItem]?

        enum CodingKeys: String, CodingKey {
            case status, records
            case inboxID = "inbox_id"
            case rejectedItems = "rejected_items"
        }
    }

    static func tooLarge(limit: Int) -> ProblemDetails {
        ProblemDetails(
            .contentTooLarge, slug: "payload-too-large", title: "Payload too large",
            detail: "the request body exceeds the limit of \(limit) bytes", extensions: ["limit_bytes": .int(limit)])
    }

    static func problem(for error: IngestError, adapter: String) -> ProblemDetails {
        switch error {
        case .secretsMissing(_, let variables):
            return ProblemDetails(
                .serviceUnavailable, slug: "adapter-unavailable", title: "Adapter not configured",
                detail:
                    "adapter '\(adapter)' cannot verify requests until the environment variable \(variables.joined(separator: ", ")) is set",
                extensions: ["adapter": .string(adapter), "missing_variables": .array(variables.map(JSONValue.string))])
        case .unsupportedMediaType(let received, let accepted):
            return ProblemDetails(
                .unsupportedMediaType, slug: "unsupported-media-type", title: "Unsupported media type",
                detail:
                    "adapter '\(adapter)' reads \(accepted.joined(separator: " or ")), not \(received ?? "a body without Content-Type")",
                extensions: ["accepted": .array(accepted.map(JSONValue.string))])
        case .unauthorized(let failure):
            return ProblemDetails(
                .unauthorized, slug: "invalid-signature", title: "Request verification failed", detail: failure.reason)
        case .rejected(let inboxID, let rejection):
            var extensions: [String: JSONValue] = ["inbox_id": .int(Int(inboxID))]
            if !rejection.items.isEmpty {
                extensions["rejected_items"] = .array(
                    rejection.items.map { .object(["index": .int($0.index), "reason": .string($0.reason)]) })
            }
            return ProblemDetails(
                .badRequest, slug: "malformed-payload", title: "Payload not usable",
                detail: rejection.reason + " (the body is kept in the inbox as rejected)", extensions: extensions)
        case .storageUnavailable:
            return ProblemDetails(
                .serviceUnavailable, slug: "storage-unavailable", title: "Storage unavailable",
                detail: "the inbox could not commit the body; nothing was stored, please retry",
                headers: [.retryAfter: "1"])
        }
    }
}
