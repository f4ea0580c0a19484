import AsyncHTTPClient
import DelayGateAdapters
import DelayGateMocks
import Foundation
import GRDB
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// RELIABILITY.md scenario 1 on the built binary: carriers post while the outbox delivers, the
/// gateway is SIGKILLed at random moments and restarted on the same database, round after round.
///
/// `DELAYGATE_CRASH_ROUNDS` sets the rounds (4 by default; `scripts/crash-harness.sh` runs 20).
@Suite("Crash harness: ingest and delivery under repeated SIGKILL", .serialized, .timeLimit(.minutes(10)))
struct CrashHarnessTests {
    static var rounds: Int {
        ProcessInfo.processInfo.environment["DELAYGATE_CRASH_ROUNDS"].flatMap(Int.init).map { max(1, $0) } ?? 4
    }

    /// Every parcel stalls: each one raises an urgent alert whose only action is one ticket.
    static let alerting = """
        playbook:
          - {level: warning, actions: []}
          - {level: urgent, actions: [helpdesk_ticket]}
          - {level: extreme, actions: [helpdesk_ticket]}
        scheduler:
          max_sleep_seconds: 0.2
        """

    static let actions = """
        channels:
          helpdesk: zendesk
        templates_dir: \(OutboxCrashTests.templates)
        retry:
          base_seconds: 1
          cap_seconds: 2
        dispatcher:
          lease_seconds: 4
          timeout_seconds: 2
        """

    @Test(
        "every round killed at a random moment; at the end every acknowledged event is stored once and every alert's ticket opened once"
    )
    func repeatedKills() async throws {
        // Half the tickets are answered 0.4 s late, so kills land between the helpdesk acting and
        // the gateway recording it.
        let zendesk = OutboxCrashTests.lateZendesk(share: 0.5, delay: .milliseconds(400), seed: 11)
        try await OutboxCrashTests.withZendeskGateway(zendesk, actions: Self.actions) { folder in
            try Self.alerting.write(toFile: folder.root + "/config/alerting.yaml", atomically: true, encoding: .utf8)
            let ledger = CrashTests.Ledger()
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(
                    connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)))
            var generator = SystemRandomNumberGenerator()
            var ticketsAtKill: [Int] = []
            do {
                for round in 1...Self.rounds {
                    let process = try folder.start()
                    let address = try await process.listeningAddress()
                    // Sometimes right after start (recovery running), sometimes deep into the stream.
                    let killAfter = ledger.ids.count + Int.random(in: 20...250, using: &generator)
                    await CrashTests.load(
                        address: address, process: process, ledger: ledger, round: round, connections: 16,
                        killAfter: killAfter, client: client)
                    #expect(await process.exitStatus() != 0, "round \(round) should have been killed")
                    ticketsAtKill.append(zendesk.created.count)
                }
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()

            // A last start: recovery normalizes what the kills left pending, the scheduler judges
            // it, the dispatcher delivers what is due or whose lease ran out.
            let last = try folder.start()
            _ = try await last.listeningAddress()
            let reader = try DatabaseQueue(path: folder.databasePath)
            let acknowledged = ledger.ids
            try await OutboxCrashTests.wait(
                for: "every parcel alerted and every ticket delivered", timeout: .seconds(240)
            ) {
                try reader.read { db in
                    let alerted =
                        try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT tracking_number) FROM alerts") ?? 0
                    let waiting =
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state != 'delivered'") ?? 1
                    let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE state = 'pending'") ?? 1
                    return alerted >= acknowledged.count && waiting == 0 && pending == 0
                }
            }
            last.signal(SIGTERM)
            #expect(await last.exitStatus() == 0, "graceful stop failed:\n\(last.output)")

            let (events, alerts, deliveries) = try await reader.read { db in
                (
                    try Row.fetchAll(
                        db, sql: "SELECT carrier_event_id, COUNT(*) AS n FROM events GROUP BY carrier_event_id"
                    )
                    .reduce(into: [String: Int]()) { $0[$1["carrier_event_id"]] = $1["n"] },
                    try Row.fetchAll(db, sql: "SELECT id, tracking_number FROM alerts"),
                    try Row.fetchAll(db, sql: "SELECT alert_id, idempotency_key, state FROM outbox")
                )
            }
            let missing = acknowledged.filter { events[$0] == nil }
            #expect(missing.isEmpty, "acknowledged but not stored: \(missing.sorted().prefix(10))")
            #expect(events.values.allSatisfy { $0 == 1 }, "an event is stored twice")
            // One urgent alert per parcel, one ticket delivery per alert.
            let alertedParcels = alerts.map { $0["tracking_number"] as String }
            #expect(Set(alertedParcels).count == alertedParcels.count, "a parcel alerted twice")
            let deliveriesByAlert = Dictionary(grouping: deliveries, by: { $0["alert_id"] as Int64 })
            #expect(alerts.allSatisfy { deliveriesByAlert[$0["id"] as Int64]?.count == 1 })
            #expect(deliveries.allSatisfy { ($0["state"] as String) == "delivered" })
            // At the helpdesk: exactly one ticket per idempotency key, one for each alert.
            let keys = zendesk.created.compactMap(\.externalID)
            #expect(zendesk.created.count == alerts.count)
            #expect(Set(keys).count == keys.count, "a key opened two tickets")
            #expect(Set(keys) == Set(deliveries.map { $0["idempotency_key"] as String }))
            print(
                "crash harness: \(Self.rounds) rounds, \(acknowledged.count) acknowledged events, \(alerts.count) alerts, "
                    + "\(zendesk.created.count) tickets (\(zendesk.duplicateKeyHits) repeats answered with the existing ticket), "
                    + "tickets at each kill \(ticketsAtKill)")
        }
    }
}
