import DelayGateAdapters
import DelayGateIngest
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import MetricsTestKit
import Testing

@Suite("Normalizer batch budget", .timeLimit(.minutes(1)))
struct NormalizerBudgetTests {
    /// Normalizes 40 queued one-event deliveries with the given budget; returns the batch sizes.
    func batchSizes(budget: Duration) async throws -> [Double] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("normalizer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try GatewayDatabase.open(at: folder.appendingPathComponent("db.sqlite").path)
        let writer = GroupCommitWriter(database: database)
        let metrics = TestMetrics()
        // Made before the rows exist: its start-up scan has nothing to read back.
        let normalizer = Normalizer(
            database: database, writer: writer, catalog: AdapterCatalog(adapters: []),
            options: .init(batchSize: 16, maxDelay: .zero, batchBudget: budget), metricsFactory: metrics)
        let received = Date(timeIntervalSince1970: 1_795_000_000)
        let deliveries = try await database.write { db in
            try (0..<40).map { index in
                let id = try InboxStore.append(
                    InboxEntry(
                        adapter: "integrator", contentType: "application/json", body: Data("{}".utf8),
                        receivedAt: received, state: .pending),
                    in: db)
                let event = TrackingEvent(
                    carrier: "zto", trackingNumber: "ZTO\(index)",
                    time: EventTime(instant: received, source: .explicitOffset(seconds: 8 * 3600)),
                    receivedAt: received, milestone: .hubArrival,
                    carrierStatus: CarrierStatus(code: "hub_arrival", text: "到达杭州转运中心"),
                    node: TrackingNode(facilityName: "杭州转运中心", city: "杭州市", country: "CN"))
                return AcceptedDelivery(
                    inboxID: id, adapter: "integrator", receivedAt: received,
                    payload: NormalizedPayload(events: [event]))
            }
        }
        for delivery in deliveries { normalizer.submit(delivery) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            group.addTask { try await normalizer.run() }
            await normalizer.waitUntilIdle()
            group.cancelAll()
            try await group.waitForAll()
        }
        let pending = try await database.read { db in try InboxStore.counts(in: db)[.pending, default: 0] }
        #expect(pending == 0)
        return try metrics.expectRecorder("delaygate_normalize_batch_deliveries").values
    }

    @Test("batches that take far longer than the budget shrink at once, down to one delivery; none is left out")
    func overBudget() async throws {
        let sizes = try await batchSizes(budget: .nanoseconds(1))
        #expect(sizes.first == 16, "\(sizes)")
        #expect(sizes.dropFirst().allSatisfy { $0 == 1 }, "\(sizes)")
        #expect(sizes.reduce(0, +) == 40)
    }

    @Test("batches within the budget stay whole")
    func withinBudget() async throws {
        #expect(try await batchSizes(budget: .seconds(3600)) == [16, 16, 8])
    }

    @Test("the next limit: what fits the budget with a margin (at most half) when over it, double when full and fast")
    func nextLimit() {
        let options = Normalizer.Options(batchSize: 1024, batchBudget: .milliseconds(100))
        #expect(options.initialBatchLimit == 64)
        #expect(Normalizer.Options(batchSize: 16).initialBatchLimit == 16)
        // 2 s for 1,024: about 51 fit in 100 ms, 80 % of that is 40.
        #expect(options.nextBatchLimit(after: 1024, count: 1024, took: .seconds(2)) == 40)
        #expect(options.nextBatchLimit(after: 1024, count: 1024, took: .milliseconds(300)) == 273)
        // Just over the budget still halves.
        #expect(options.nextBatchLimit(after: 1024, count: 1024, took: .milliseconds(110)) == 512)
        #expect(options.nextBatchLimit(after: 1024, count: 100, took: .milliseconds(120)) == 50)
        #expect(options.nextBatchLimit(after: 1, count: 1, took: .milliseconds(300)) == 1)
        #expect(options.nextBatchLimit(after: 64, count: 64, took: .milliseconds(10)) == 128)
        #expect(options.nextBatchLimit(after: 64, count: 20, took: .milliseconds(10)) == 64)
        #expect(options.nextBatchLimit(after: 800, count: 800, took: .milliseconds(10)) == 1024)
    }
}
