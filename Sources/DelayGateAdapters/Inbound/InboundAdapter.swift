import DelayGateModel
import Foundation
import HTTPTypes

/// One configured inbound adapter: verifies requests posted to `/webhooks/{name}` and turns
/// their bodies into canonical records.
///
/// An adapter is built by its ``InboundAdapterKind`` from a file in `adapters/`. The gateway
/// calls ``verify(_:now:)`` before it stores anything, stores the raw body, and calls
/// ``parse(_:receivedAt:)`` to normalize it, then again whenever the inbox is reprocessed,
/// so `parse` must be a pure function of the body.
///
/// ```swift
/// try adapter.verify(request, now: .now)          // throws VerificationFailure → 401
/// let payload = try adapter.parse(request.body, receivedAt: .now)  // throws PayloadRejection → 400
/// ```
public protocol InboundAdapter: Sendable {
    /// The route name: requests arrive at `POST /webhooks/{name}`.
    var name: String { get }
    /// The kind that built this adapter, e.g. `canonical-json`.
    var kind: String { get }
    /// Media types the adapter accepts (lowercase, without parameters); others get 415.
    var acceptedMediaTypes: Set<String> { get }
    /// Environment variables the adapter needs but which are unset. While this is not empty the
    /// adapter cannot verify requests and the gateway answers 503 naming them.
    var missingSecrets: [String] { get }

    /// Checks the request's signature or credentials against the raw body.
    func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure)

    /// Turns a verified body into canonical records. Items that cannot be used are reported in
    /// ``NormalizedPayload/rejectedItems``; a body that cannot be used at all throws.
    func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload

    /// Whether the adapter has a webhook route (pollers store what they fetch under their name
    /// but receive nothing).
    var acceptsWebhooks: Bool { get }

    /// The answer the sender's protocol expects, when it is not DelayGate's own `202` JSON or
    /// problem document (Kdniao, for one, wants its own JSON with `Success`).
    func acknowledgement(for outcome: IngestOutcome, now: Date) -> InboundResponse?
}

extension InboundAdapter {
    public var acceptsWebhooks: Bool { true }

    public func acknowledgement(for outcome: IngestOutcome, now: Date) -> InboundResponse? { nil }
}

/// An adapter whose requests are checked by one ``RequestVerifier``: it gets ``InboundAdapter``'s
/// `verify` and `missingSecrets` from it.
public protocol VerifiedAdapter: InboundAdapter {
    associatedtype Verifier: RequestVerifier
    var verifier: Verifier { get }
}

extension VerifiedAdapter {
    public var missingSecrets: [String] { verifier.missingSecrets }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        try verifier.verify(request, now: now)
    }
}

/// What became of a verified request.
public enum IngestOutcome: Sendable {
    /// Committed to the inbox; `payload` is what it was parsed into.
    case accepted(inboxID: Int64, payload: NormalizedPayload)
    /// Committed to the inbox as rejected.
    case rejected(inboxID: Int64, PayloadRejection)
}

/// A vendor-shaped answer to a webhook.
public struct InboundResponse: Sendable, Hashable {
    public var status: Int
    public var contentType: String
    public var body: Data

    public init(status: Int, contentType: String = "application/json", body: Data) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }
}

/// What an inbound request carries, independent of the HTTP server.
public struct InboundRequest: Sendable {
    public var headers: HTTPFields
    public var body: Data

    public init(headers: HTTPFields, body: Data) {
        self.headers = headers
        self.body = body
    }

    /// The `Content-Type` without parameters, lowercased (`application/json`).
    public var mediaType: String? {
        headers[.contentType].map(Self.mediaType(of:))
    }

    /// A header value's media type without parameters, lowercased.
    public static func mediaType(of contentType: String) -> String {
        let base = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return base.trimmingWhitespace().lowercased()
    }
}

/// The canonical records of one verified body.
public struct NormalizedPayload: Sendable, Hashable {
    public var events: [TrackingEvent]
    public var orders: [Order]
    public var disruptions: [DisruptionNotice]
    /// Items of a batch that could not be used; the rest of the batch is kept.
    public var rejectedItems: [RejectedItem]
    /// Values a vendor wants echoed in the acknowledgement (Kdniao's `EBusinessID`).
    public var acknowledgementValues: [String: String]
    /// Helpdesk reports about tickets DelayGate opened.
    public var ticketFeedback: [TicketFeedback]

    public init(
        events: [TrackingEvent] = [],
        orders: [Order] = [],
        disruptions: [DisruptionNotice] = [],
        rejectedItems: [RejectedItem] = [],
        acknowledgementValues: [String: String] = [:],
        ticketFeedback: [TicketFeedback] = []
    ) {
        self.events = events
        self.orders = orders
        self.disruptions = disruptions
        self.rejectedItems = rejectedItems
        self.acknowledgementValues = acknowledgementValues
        self.ticketFeedback = ticketFeedback
    }

    /// Whether nothing usable came out of the body.
    public var isEmpty: Bool { events.isEmpty && orders.isEmpty && disruptions.isEmpty && ticketFeedback.isEmpty }

    /// Records of every kind (events, orders, notices, ticket reports).
    public var recordCount: Int { events.count + orders.count + disruptions.count + ticketFeedback.count }

    /// A one-line summary of the rejected items, stored with the inbox row; nil when there are none.
    public var rejectionNote: String? {
        guard !rejectedItems.isEmpty else { return nil }
        return rejectedItems.map { "item \($0.index): \($0.reason)" }.joined(separator: "; ")
    }
}

/// One unusable item of a batch.
public struct RejectedItem: Sendable, Hashable, Codable {
    /// Position of the item in the batch, from 0.
    public var index: Int
    public var reason: String

    public init(index: Int, reason: String) {
        self.index = index
        self.reason = reason
    }
}

/// A request whose credentials do not check out (answered 401; nothing is stored).
public struct VerificationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why, safe to show the sender: it never contains a secret or the expected signature.
    public var reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// A verified body that cannot be used (answered 400; the body is kept in the inbox as rejected).
public struct PayloadRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    /// The individual items, when every item of a batch was unusable.
    public var items: [RejectedItem]

    public init(_ reason: String, items: [RejectedItem] = []) {
        self.reason = reason
        self.items = items
    }

    public var description: String {
        items.isEmpty ? reason : reason + ": " + items.map { "item \($0.index): \($0.reason)" }.joined(separator: "; ")
    }
}
