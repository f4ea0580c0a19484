import DelayGateAdapters
import DelayGateModel
import DelayGateStorage
import Foundation
import Metrics

/// The ingest path behind `POST /webhooks/{adapter}`: verify, parse, commit the raw body to
/// the inbox, answer, and hand the delivery to the normalizer.
///
/// Nothing is stored for a request that fails verification. A verified body that cannot be
/// parsed is stored as `rejected`, so nothing a sender delivered is lost. ``receive(_:for:)``
/// returns only once the body is committed: a success means the data is durable.
public struct IngestService: Sendable {
    private let writer: GroupCommitWriter
    private let normalizer: Normalizer
    private let clock: @Sendable () -> Date
    private let inboxCommits: MetricHandles<Counter>
    private let verificationFailures: MetricHandles<Counter>
    private let unknownCodes: MetricHandles<Counter>
    /// Where each request's outcome is counted, per adapter.
    public let health: AdapterHealth

    public init(
        writer: GroupCommitWriter,
        normalizer: Normalizer,
        clock: @escaping @Sendable () -> Date = { Date() },
        health: AdapterHealth = AdapterHealth(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.health = health
        self.writer = writer
        self.normalizer = normalizer
        self.clock = clock
        self.inboxCommits = MetricHandles(
            counter: "delaygate_inbox_commits_total", labels: ["adapter", "state"], factory: metricsFactory)
        self.verificationFailures = MetricHandles(
            counter: "delaygate_webhook_verification_failures_total", labels: ["adapter"], factory: metricsFactory)
        self.unknownCodes = MetricHandles(
            counter: "delaygate_unknown_status_codes_total", labels: ["adapter", "code"], factory: metricsFactory)
    }

    /// Receives one request for `adapter`.
    public func receive(_ request: InboundRequest, for adapter: any InboundAdapter) async throws(IngestError)
        -> IngestReceipt
    {
        do {
            let receipt = try await accept(request, for: adapter)
            health.record(adapter: adapter.name, success: true, at: clock())
            return receipt
        } catch {
            health.record(adapter: adapter.name, success: false, error: error.summary, at: clock())
            throw error
        }
    }

    private func accept(_ request: InboundRequest, for adapter: any InboundAdapter) async throws(IngestError)
        -> IngestReceipt
    {
        let mediaType = try admit(mediaType: request.mediaType, for: adapter)

        let receivedAt = clock()
        do throws(VerificationFailure) {
            try adapter.verify(request, now: receivedAt)
        } catch {
            verificationFailures[adapter.name].increment()
            throw .unauthorized(error)
        }

        let parsed: NormalizedPayload
        do throws(PayloadRejection) {
            parsed = try adapter.parse(request.body, receivedAt: receivedAt)
        } catch {
            let entry = InboxEntry(
                adapter: adapter.name, contentType: mediaType, body: request.body, receivedAt: receivedAt,
                state: .rejected, reason: error.description)
            let inboxID = try await commit(entry)
            throw .rejected(inboxID: inboxID, error)
        }

        let entry = InboxEntry(
            adapter: adapter.name, contentType: mediaType, body: request.body, receivedAt: receivedAt, state: .pending)
        let inboxID = try await commit(entry)
        normalizer.submit(
            AcceptedDelivery(inboxID: inboxID, adapter: adapter.name, receivedAt: receivedAt, payload: parsed))
        // Codes no crosswalk knows are kept as `unknown` and counted, so a new carrier code shows up on a dashboard.
        for event in parsed.events where event.milestone == .unknown {
            unknownCodes[adapter.name, event.carrierStatus.code].increment()
        }
        return IngestReceipt(inboxID: inboxID, payload: parsed)
    }

    /// The checks that need no body: the adapter has its secrets and reads this media type.
    /// - Returns: the media type.
    @discardableResult
    public func admit(mediaType: String?, for adapter: any InboundAdapter) throws(IngestError) -> String {
        let missing = adapter.missingSecrets
        guard missing.isEmpty else { throw .secretsMissing(adapter: adapter.name, variables: missing) }
        guard let mediaType, adapter.acceptedMediaTypes.contains(mediaType) else {
            throw .unsupportedMediaType(received: mediaType, accepted: adapter.acceptedMediaTypes.sorted())
        }
        return mediaType
    }

    private func commit(_ entry: InboxEntry) async throws(IngestError) -> Int64 {
        do {
            // One INSERT: atomic by itself, so it needs no savepoint of its own.
            let id = try await writer.write(isolated: false) { db in try InboxStore.append(entry, in: db) }
            inboxCommits[entry.adapter, entry.state.rawValue].increment()
            return id
        } catch {
            throw .storageUnavailable(String(describing: error))
        }
    }
}

/// A committed delivery.
public struct IngestReceipt: Sendable, Hashable {
    public var inboxID: Int64
    /// What the body was parsed into (normalized behind the answer).
    public var payload: NormalizedPayload

    /// Records of every kind in the body.
    public var recordCount: Int { payload.recordCount }
    public var rejectedItems: [RejectedItem] { payload.rejectedItems }
}

/// Why a request was not accepted; each case maps to one HTTP status.
public enum IngestError: Error, Sendable {
    /// The adapter's secret variables are unset (503).
    case secretsMissing(adapter: String, variables: [String])
    /// The body's media type is not one the adapter reads (415).
    case unsupportedMediaType(received: String?, accepted: [String])
    /// The signature or credentials do not check out (401); nothing was stored.
    case unauthorized(VerificationFailure)
    /// The body was verified but cannot be used (400); it is stored as rejected under `inboxID`.
    case rejected(inboxID: Int64, PayloadRejection)
    /// The inbox could not commit (503); nothing was stored and the sender should retry.
    case storageUnavailable(String)

    /// One line for operators (no secrets: verification failures name headers, not values).
    public var summary: String {
        switch self {
        case .secretsMissing(_, let variables): "unset secret variable \(variables.joined(separator: ", "))"
        case .unsupportedMediaType(let received, _): "unsupported media type \(received ?? "(none)")"
        case .unauthorized(let failure): "verification failed: \(failure.reason)"
        case .rejected(let inboxID, let rejection): "inbox row \(inboxID) rejected: \(rejection.reason)"
        case .storageUnavailable: "the inbox could not commit"
        }
    }
}
