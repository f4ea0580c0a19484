import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// The alert engine's costs: the deadline scheduler's cost per tick and per due shipment as the
/// number of open shipments grows (it should stay flat), and the evaluator's throughput.
///
/// Usage: swift run -c release alert-benchmark [open shipments …]   (default: 10000 100000 1000000)
@main
struct AlertBenchmark {
    static let clock = ContinuousClock()
    static let now = Date(timeIntervalSince1970: 1_788_192_000)
    static let facilities = 200

    static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000
    }

    static func main() async throws {
        let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        let model = trainedModel()
        print("deadline scheduler, synchronous=FULL, one transaction per tick (batch 500):")
        print("open shipments | idle tick ms | due | tick ms | µs per due shipment | index probe µs")
        for size in sizes.isEmpty ? [10_000, 100_000, 1_000_000] : sizes {
            try await scheduler(openShipments: size, model: model)
        }
        evaluator(model: model)
    }

    static func trainedModel() -> AlertModel {
        let model = AlertModel()
        for facility in 0..<facilities {
            for sample in 0..<40 {
                model.learnDwell(
                    NodeKey(carrier: "zto", facility: "F\(facility)", milestone: .hubArrival),
                    seconds: Double(6 + facility % 10) * 3600 + Double(sample) * 60,
                    since: now.addingTimeInterval(-86_400))
            }
        }
        return model
    }

    static func shipment(_ index: Int, nextCheck: Date) -> Shipment {
        let since = now.addingTimeInterval(-Double(index % 36_000))
        let node = TrackingNode(
            facilityCode: "F\(index % facilities)", city: "City\(index % 50)", region: "R\(index % 20)")
        return Shipment(
            key: ShipmentKey(carrier: "zto", trackingNumber: "ZTO\(index)"), direction: .forward,
            milestone: .hubArrival,
            carrierStatus: CarrierStatus(code: "hub_arrival"), node: node,
            origin: TrackingNode(region: "R\((index + 7) % 20)"),
            currentSince: since, lastEventAt: since, firstEventAt: since.addingTimeInterval(-86_400),
            nextCheckAt: nextCheck,
            state: .open, eventCount: 3)
    }

    static func scheduler(openShipments: Int, model: AlertModel) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "alert-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try GatewayDatabase.open(at: directory.appendingPathComponent("bench.sqlite").path)
        // Every parcel is open and checked again in 1–48 h: none is due yet.
        var index = 0
        while index < openShipments {
            let range = index..<min(openShipments, index + 50_000)
            try await database.write { db in
                for n in range {
                    try ShipmentStore.save(
                        shipment(n, nextCheck: now.addingTimeInterval(3600 + Double((n * 7919) % (47 * 3600)))),
                        at: now, in: db)
                }
            }
            index = range.upperBound
        }
        let replay = EngineReplay(database: database, model: model)
        try await replay.run { replay in
            var idle = Duration.zero
            let idleTicks = 200
            for _ in 0..<idleTicks {
                let started = clock.now
                let report = try await replay.scheduler.tick(now: now)
                idle += clock.now - started
                precondition(report.evaluated == 0)
            }
            let probe = try await database.read { db -> Duration in
                let started = clock.now
                for _ in 0..<1000 { _ = try ShipmentStore.due(at: now, limit: 500, in: db) }
                return (clock.now - started) / 1000
            }
            for due in [50, 500] {
                var busy = Duration.zero
                let rounds = 10
                for round in 0..<rounds {
                    // Make `due` scattered shipments due now.
                    try await database.write { db in
                        for k in 0..<due {
                            let n = (round * 104_729 + k * 15_485_863) % openShipments
                            try ShipmentStore.setNextCheck(
                                ShipmentKey(carrier: "zto", trackingNumber: "ZTO\(n)"), at: now.addingTimeInterval(-1),
                                in: db)
                        }
                    }
                    let started = clock.now
                    let report = try await replay.scheduler.tick(now: now)
                    busy += clock.now - started
                    precondition(report.evaluated == due, "evaluated \(report.evaluated) of \(due)")
                }
                let perTick = milliseconds(busy) / Double(rounds)
                print(
                    String(
                        format: "%14d | %12.3f | %3d | %7.2f | %19.1f | %14.1f", openShipments,
                        milliseconds(idle) / Double(idleTicks), due, perTick, perTick * 1000 / Double(due),
                        milliseconds(probe) * 1000))
            }
        }
    }

    /// Pure evaluation (no database): assessments per second, and dwell learning per event.
    static func evaluator(model: AlertModel) {
        let evaluator = model.evaluator()
        let contexts = (0..<10_000).map { index in
            ShipmentContext(
                shipment: shipment(index, nextCheck: now), origin: TrackingNode(region: "R1"),
                latestDetails: EventDetails(),
                order: nil, disruptions: [])
        }
        let rounds = 100
        var levels = 0
        let started = clock.now
        for round in 0..<rounds {
            let at = now.addingTimeInterval(Double(round) * 600)
            for context in contexts where evaluator.assess(context, now: at).findings.isEmpty == false { levels += 1 }
        }
        let assessed = milliseconds(clock.now - started)
        let count = contexts.count * rounds
        print(
            String(
                format: "evaluator: %.0f assessments/s (%.2f µs each; %d of %d raised a finding)",
                Double(count) / (assessed / 1000), assessed * 1000 / Double(count), levels, count))

        let events = (0..<200_000).map { index in
            TrackingEvent(
                carrier: "zto", trackingNumber: "ZTO\(index / 4)",
                time: EventTime(
                    instant: now.addingTimeInterval(Double(index % 4) * 7200), source: .explicitOffset(seconds: 28_800)),
                receivedAt: now, milestone: [.pickedUp, .hubArrival, .hubDeparture, .delivered][index % 4],
                carrierStatus: CarrierStatus(code: "x"), node: TrackingNode(facilityCode: "F\(index % facilities)"))
        }
        let learning = clock.now
        var learned = 0
        for start in stride(from: 0, to: events.count, by: 4) {
            learned += model.learnDwells(before: nil, events: Array(events[start..<start + 4]))
        }
        let spent = milliseconds(clock.now - learning)
        print(
            String(
                format: "dwell learning: %.0f events/s (%.2f µs per event, %d dwells learned)",
                Double(events.count) / (spent / 1000), spent * 1000 / Double(events.count), learned))
    }
}
