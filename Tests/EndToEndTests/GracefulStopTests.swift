import AsyncHTTPClient
import DelayGateMocks
import Foundation
import GRDB
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGTERM is the orderly stop (`serve`'s help): requests in flight are answered and committed,
/// the normalizer finishes its queue, the dispatcher finishes the deliveries it started. What the
/// sender was told is stored must be stored and normalized; nothing may be left half-done.
@Suite("Graceful stop of the built gateway under load", .serialized, .timeLimit(.minutes(3)))
struct GracefulStopTests {
    /// The crash tests' actions with a generous request timeout. In one run of the whole suite,
    /// 8 tickets the helpdesk had created were not recorded as delivered after the stop; the
    /// likely cause is their 3 s timeout on a machine that busy (a timed-out delivery is settled
    /// for a retry, although the helpdesk created the ticket). The stop is what is tested here,
    /// so the timeout is out of the way; should it happen again, the failure names each such
    /// row's state and error.
    static let actions = OutboxCrashTests.actionsFile(leaseSeconds: 60, timeoutSeconds: 45)

    @Test(
        "SIGTERM while carriers post and tickets are in flight: exit 0, every acknowledged event normalized, no inbox row pending, no delivery left in flight"
    )
    func sigtermUnderLoad() async throws {
        // Every ticket is answered 0.6 s late, so the signal lands while some are in flight.
        let zendesk = OutboxCrashTests.lateZendesk(share: 1, delay: .milliseconds(600), seed: 5)
        try await OutboxCrashTests.withZendeskGateway(zendesk, actions: Self.actions) { folder in
            // More tickets than 8 slots deliver in the test's lifetime (0.6 s each): the queue never runs dry.
            try OutboxCrashTests.enqueueTickets(200, in: folder)

            let process = try folder.start()
            let address = try await process.listeningAddress()
            await zendesk.waitUntil { !$0.requests.isEmpty }
            let ledger = CrashTests.Ledger()
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
            await CrashTests.load(
                address: address, process: process, ledger: ledger, round: 1, connections: 16, killAfter: 300,
                signal: SIGTERM, client: client)
            try await client.shutdown()
            #expect(await process.exitStatus() == 0, "graceful stop failed:\n\(process.output)")
            #expect(process.output.contains("delaygate stopped"))

            let acknowledged = ledger.ids
            #expect(acknowledged.count >= 300)
            let signalled = try #require(ledger.signalledAt)
            let database = try DatabaseQueue(path: folder.databasePath)
            let (events, inboxPending, inboxRows, outbox) = try database.read { db in
                (
                    try String.fetchSet(db, sql: "SELECT carrier_event_id FROM events"),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE state = 'pending'") ?? -1,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? -1,
                    try Row.fetchAll(db, sql: "SELECT idempotency_key, state, delivered_at, last_error FROM outbox")
                )
            }
            // Acknowledged means committed; a graceful stop also normalizes everything queued,
            // so nothing is left for the next start's inbox scan.
            let missing = acknowledged.subtracting(events)
            #expect(missing.isEmpty, "acknowledged but not normalized: \(missing.sorted().prefix(10))")
            #expect(inboxRows >= acknowledged.count)
            #expect(inboxPending == 0)

            // The dispatcher finished what it had started: no row is left in flight, and every
            // ticket the helpdesk opened is recorded as delivered.
            let states = Dictionary(grouping: outbox, by: { $0["state"] as String })
            #expect(states["in_flight"] == nil, "left in flight: \(states["in_flight"]?.count ?? 0)")
            let delivered = Set((states["delivered"] ?? []).map { $0["idempotency_key"] as String })
            let opened = Set(zendesk.created.compactMap(\.externalID))
            let undelivered = outbox.filter {
                opened.contains($0["idempotency_key"]) && !delivered.contains($0["idempotency_key"])
            }
            #expect(
                opened == delivered,
                "opened by the helpdesk, not delivered: \(undelivered.map { "\($0["state"] as String): \(($0["last_error"] as String?) ?? "")" })"
            )
            // Some of them were answered only after the signal: the stop did catch deliveries in flight.
            let settledAfterSignal = (states["delivered"] ?? []).filter {
                ($0["delivered_at"] as Int64) > Int64(signalled.timeIntervalSince1970 * 1000)
            }
            #expect(!settledAfterSignal.isEmpty)
            #expect((states["pending"]?.count ?? 0) > 0, "the queue ran dry before the signal")
        }
    }
}
