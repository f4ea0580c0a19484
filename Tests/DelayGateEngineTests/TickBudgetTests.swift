import DelayGateAdapters
import DelayGateEngine
import DelayGateModel
import Foundation
import MetricsTestKit
import Testing

@Suite("Deadline scheduler: tick budget", .timeLimit(.minutes(1)))
struct TickBudgetTests {
    /// Runs a scheduler service over 64 parcels that all fall due (and alert) at 14.4 h, until it
    /// has judged them all; returns the sizes of its ticks.
    func tickSizes(batchSize: Int, budget: Duration) async throws -> [Double] {
        try await withReplay { replay in
            let parcels = (0..<64).map { event(.hubArrival, hours: 0, tracking: "ZTO\($0)") }
            try await replay.deliver(NormalizedPayload(events: parcels), at: at(hours: 0))
            let metrics = TestMetrics()
            let scheduler = DeadlineScheduler(
                model: replay.model, database: replay.database, writer: replay.writer,
                options: .init(batchSize: batchSize, tickBudget: budget), clock: { at(hours: 14.4) },
                metricsFactory: metrics)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await scheduler.run() }
                var sizes: [Double] = []
                // The metric is the only sign of a finished tick: polled every millisecond rather
                // than spinning a core the scheduler needs.
                while sizes.reduce(0, +) < 64 {
                    try await Task.sleep(for: .milliseconds(1))
                    sizes = (try? metrics.expectRecorder("delaygate_scheduler_tick_shipments").values) ?? []
                }
                group.cancelAll()
                try await group.waitForAll()
                #expect(try await replay.alerts("ZTO63").map(\.level) == ["warning"])
                return sizes
            }
        }
    }

    @Test("a tick stops judging once its budget is spent (after one shipment at least); the next takes the rest")
    func overBudget() async throws {
        // Every shipment takes longer than a nanosecond to judge.
        let sizes = try await tickSizes(batchSize: 16, budget: .nanoseconds(1))
        #expect(sizes == Array(repeating: 1, count: 64), "\(sizes)")
    }

    @Test("ticks well within the budget take whole batches")
    func withinBudget() async throws {
        let sizes = try await tickSizes(batchSize: 16, budget: .seconds(3600))
        #expect(sizes == [16, 16, 16, 16])
    }
}
