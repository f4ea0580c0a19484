import DelayGateMocks
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// A receiver that is busy for its first `busy` requests (503 with `Retry-After` set to
/// `retryAfter`), then accepts.
final class BusyReceiver: Sendable {
    private let requests = Mutex(0)
    let busy: Int
    let retryAfter: String

    init(busy: Int, retryAfter: String) {
        self.busy = busy
        self.retryAfter = retryAfter
    }

    var count: Int { requests.withLock { $0 } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("hooks/busy") { _, _ -> Response in
            let number = self.requests.withLock {
                $0 += 1
                return $0
            }
            guard number > self.busy else {
                return Response(
                    status: .serviceUnavailable, headers: [.retryAfter: self.retryAfter],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":"busy"}"#)))
            }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
        }
        return router
    }
}

/// `Retry-After` (RFC 9110 §10.2.3) in both of its forms, measured on the sender's clock.
@Suite("Retry-After")
struct RetryAfterTests {
    /// `date` as an IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test("delay-seconds and HTTP dates are read; a past date is zero; anything else is nil")
    func parsing() {
        let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(OutboundHTTP.retryAfter("120", now: now) == .seconds(120))
        #expect(OutboundHTTP.retryAfter(" 0 ", now: now) == .zero)
        #expect(OutboundHTTP.retryAfter("Sun, 06 Nov 1994 08:51:07 GMT", now: now) == .seconds(90))
        #expect(Self.httpDate(now.addingTimeInterval(90)) == "Sun, 06 Nov 1994 08:51:07 GMT")
        #expect(OutboundHTTP.retryAfter("Sun, 06 Nov 1994 08:49:36 GMT", now: now) == .zero)
        for garbage in [nil, "", "soon", "-5", "1.5", "06 Nov 1994 08:51:07"] {
            #expect(OutboundHTTP.retryAfter(garbage, now: now) == nil, "\(garbage ?? "nil")")
        }
    }

    /// A `generic-http` adapter named `hook` posting to the receiver.
    static func hookCatalog(_ base: String, in folder: TemporaryFolder) throws -> OutboundCatalog {
        try outboundCatalog(["hook": "kind: generic-http\nurl: \(base)/hooks/busy\n"], environment: [:], in: folder)
    }

    static let message = OutboundMessage(
        purpose: .ticket, idempotencyKey: "episode:9:urgent:helpdesk_ticket", recipient: .init(name: "王芳"),
        subject: "[红旗] SO-9", body: "包裹在杭州转运中心停留过久。", level: "urgent", scenario: "dwell")

    @Test("a 503's Retry-After date is measured from OutboundHTTP's clock, not the machine's")
    func classifiedOnTheInjectedClock() async throws {
        // Months away from the machine's time in either direction.
        let now = at(hours: 0)
        let receiver = BusyReceiver(busy: 1, retryAfter: Self.httpDate(now.addingTimeInterval(300)))
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await MockServer.run(receiver.router()) { base in
            let adapter = try #require(try Self.hookCatalog(base, in: folder).adapter(named: "hook"))
            let outcome = await adapter.deliver(
                try adapter.render(Self.message), idempotencyKey: Self.message.idempotencyKey,
                using: OutboundHTTP(clock: { now }))
            guard case .transient(503, let retryAfter, _) = outcome else {
                Issue.record("expected a transient 503, got \(outcome)")
                return
            }
            #expect(retryAfter == .seconds(300))
        }
    }

    @Test("a 503 with an HTTP-date Retry-After is retried at that date when the dispatcher runs on a fixed clock")
    func dispatcherWaitsUntilTheDate() async throws {
        let now = at(hours: 0)
        let until = now.addingTimeInterval(300)
        let receiver = BusyReceiver(busy: 1, retryAfter: Self.httpDate(until))
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try await MockServer.run(receiver.router()) { base in
            let catalog = try Self.hookCatalog(base, in: folder)
            let adapter = try #require(catalog.adapter(named: "hook"))
            let database = try GatewayDatabase.open(at: folder.path("outbox.sqlite"))
            let writer = GroupCommitWriter(database: database)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await writer.run() }
                _ = try await writer.write { db in
                    try OutboxStore.enqueue(
                        NewDelivery(
                            idempotencyKey: Self.message.idempotencyKey, alertID: nil, action: "helpdesk_ticket",
                            adapter: "hook", request: try adapter.render(Self.message).encoded()),
                        at: now, in: db)
                }
                // Backoff alone would retry at once (`random` 0): only the date can say 300 s.
                let dispatcher = OutboxDispatcher(
                    database: database, writer: writer, catalog: catalog, clock: { now }, random: { 0 })
                #expect(try await dispatcher.drain(now: now).retried == 1)
                let row = try #require(try await database.read { db in try OutboxStore.list(limit: 1, in: db) }.first)
                #expect(row.state == .pending && row.lastStatus == 503)
                #expect(row.nextAttemptAt == until)
                #expect(try await dispatcher.drain(now: until.addingTimeInterval(-1)).delivered == 0)
                #expect(try await dispatcher.drain(now: until).delivered == 1)
                #expect(receiver.count == 2)
                group.cancelAll()
            }
        }
    }
}
