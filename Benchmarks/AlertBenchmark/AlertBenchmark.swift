import DelayGateAdapters
import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// The alert engine's costs: the deadline scheduler's cost per tick and per due shipment as the
/// number of open shipments grows (it should stay flat), and the evaluator's throughput.
///
/// The time per due shipment is wall time, commits included; beside it, the process's CPU time
/// per due shipment (the WAL checkpointer's thread included). The two part when a tick's commit
/// waits for the disk behind a checkpoint's flush, which depends on how many pages each tick
/// dirties. The "alerting" column is the share of judged parcels that raised an alert: the
/// parcels' dwells are spread alike at every size, so it should be about the same.
///
/// Usage: swift run -c release alert-benchmark [open shipments …]   (default: 10000 100000 1000000)
///        swift run -c release alert-benchmark open-database PATH [shipments]   (default 1000000)
///
/// The last line of the first form is machine-readable (`alert_benchmark idle_tick_ms_10000=… …`).
/// `open-database` writes a gateway database holding that many open shipments (see
/// ``openDatabase(path:count:)``) for measuring a served gateway's memory (Benchmarks/rss.py).
@main
struct AlertBenchmark {
    static let clock = ContinuousClock()
    static let now = Date(timeIntervalSince1970: 1_788_192_000)
    static let facilities = 200

    static func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18) * 1000
    }

    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.contains("--help") || arguments.contains("-h") {
            print("usage: alert-benchmark [open shipments …]   (default: 10000 100000 1000000)")
            return
        }
        if arguments.first == "open-database" {
            guard arguments.count >= 2 else { fatalError("usage: alert-benchmark open-database PATH [shipments]") }
            let count = arguments.count > 2 ? Int(arguments[2].replacingOccurrences(of: "_", with: "")) : nil
            try await openDatabase(path: arguments[1], count: count ?? 1_000_000)
            return
        }
        let sizes = arguments.compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        let model = trainedModel()
        print("deadline scheduler, synchronous=FULL, one transaction per tick (batch 500):")
        print("open shipments | idle tick ms | due | tick ms | µs per due shipment | CPU µs per due | index probe µs | alerting")
        var summary: [String] = []
        for size in sizes.isEmpty ? [10_000, 100_000, 1_000_000] : sizes {
            summary += try await scheduler(openShipments: size, model: model)
        }
        summary += evaluator(model: model)
        print("alert_benchmark " + summary.joined(separator: " "))
    }

    /// CPU time of the whole process so far (all threads, the checkpointer's included).
    static func processCPU() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
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
        // Up to 10 h at the hub, spread alike over any range of indexes (7919 is prime to 36,000),
        // so the due parcels of every size alert in the same proportion.
        let since = now.addingTimeInterval(-Double((index * 7919) % 36_000))
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

    /// Machine-readable figures (`idle_tick_ms_N`, `per_due_us_N` for 500 due shipments).
    static func scheduler(openShipments: Int, model: AlertModel) async throws -> [String] {
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
        // Copy the seeding's WAL into the database file before measuring, so that the ticks'
        // checkpoints copy only what the ticks wrote.
        try await database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let replay = EngineReplay(database: database, model: model)
        return try await replay.run { replay in
            var figures: [String] = []
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
                var cpu = Duration.zero
                var raised = 0
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
                    let (started, startedCPU) = (clock.now, processCPU())
                    let report = try await replay.scheduler.tick(now: now)
                    busy += clock.now - started
                    cpu += processCPU() - startedCPU
                    raised += report.raised
                    precondition(report.evaluated == due, "evaluated \(report.evaluated) of \(due)")
                }
                let perTick = milliseconds(busy) / Double(rounds)
                let cpuPerDue = milliseconds(cpu) * 1000 / Double(rounds * due)
                print(
                    String(
                        format: "%14d | %12.3f | %3d | %7.2f | %19.1f | %15.1f | %14.1f | %6.1f %%", openShipments,
                        milliseconds(idle) / Double(idleTicks), due, perTick, perTick * 1000 / Double(due), cpuPerDue,
                        milliseconds(probe) * 1000, Double(raised) * 100 / Double(due * rounds)))
                if due == 500 {
                    figures.append(
                        String(
                            format: "idle_tick_ms_%d=%.3f per_due_us_%d=%.1f cpu_per_due_us_%d=%.1f", openShipments,
                            milliseconds(idle) / Double(idleTicks), openShipments, perTick * 1000 / Double(due),
                            openShipments, cpuPerDue))
                }
            }
            return figures
        }
    }

    /// Writes a gateway database at `path` holding `count` open shipments, through the gateway's
    /// own normalization path (`EngineReplay.deliver`: events, shipment state, orders, the
    /// engine's observer judging each parcel): each parcel has its order (a customer, a
    /// destination, a promised date two days out) and two scans dated within the last day
    /// (picked up, then arrived at one of 500 hubs), so its next check lies ahead of the clock.
    /// Tracking numbers are `SF` and ten digits (0 … count − 1) at carrier `sf-express`, the
    /// shape of Benchmarks/ingest.py's bodies, so a load test can send news for them.
    static func openDatabase(path: String, count: Int) async throws {
        let started = clock.now
        let database = try GatewayDatabase.open(at: path)
        let now = Date()
        let replay = EngineReplay(database: database, model: AlertModel())
        let hubs = 500
        try await replay.run { replay in
            for start in stride(from: 0, to: count, by: 500) {
                var orders: [Order] = []
                var events: [TrackingEvent] = []
                for n in start..<min(count, start + 500) {
                    let key = ShipmentKey(carrier: "sf-express", trackingNumber: "SF" + String(format: "%010d", n))
                    let hub = n % hubs
                    let region = "R\(hub % 31)"
                    let pickedUp = now.addingTimeInterval(-Double(4 * 3600 + (n * 7919) % (20 * 3600)))
                    let arrived = pickedUp.addingTimeInterval(Double(1800 + (n * 104_729) % (3 * 3600)))
                    orders.append(
                        Order(
                            id: "BENCH-\(n)",
                            customer: Customer(
                                id: "C\(n % 400_000)", name: "客户\(n % 1000)", phone: "+86138\(String(format: "%08d", n % 100_000_000))"),
                            destination: TrackingNode(city: "City\((n + 13) % 300)", region: "R\((n + 13) % 31)", country: "CN"),
                            value: Money(amount: Decimal(50 + n % 900), currency: "CNY"),
                            promisedDeliveryDate: now.addingTimeInterval(2 * 86_400), shipments: [key], updatedAt: pickedUp))
                    for (instant, milestone, node) in [
                        (pickedUp, Milestone.pickedUp, TrackingNode(facilityCode: "S\(n % 2000)", city: "Origin\(n % 300)", region: region, country: "CN")),
                        (arrived, Milestone.hubArrival, TrackingNode(facilityCode: "H\(hub)", facilityName: "转运中心\(hub)", city: "Hub\(hub)", region: region, country: "CN")),
                    ] {
                        events.append(
                            TrackingEvent(
                                carrier: key.carrier, trackingNumber: key.trackingNumber,
                                time: EventTime(instant: instant, source: .explicitOffset(seconds: 28_800)),
                                receivedAt: instant, milestone: milestone,
                                carrierStatus: CarrierStatus(code: milestone.rawValue), node: node,
                                carrierEventID: "\(key.trackingNumber)-\(milestone.rawValue)"))
                    }
                }
                try await replay.deliver(NormalizedPayload(events: events, orders: orders), at: now)
            }
        }
        let (open, due) = try await database.read { db in
            (
                try ShipmentStore.count(openOnly: true, in: db),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM shipments WHERE next_check_at <= ?",
                    arguments: [Date().addingTimeInterval(3600).millisecondsSince1970]) ?? 0
            )
        }
        let elapsed = milliseconds(clock.now - started) / 1000
        print(
            String(
                format: "open_database path=%@ shipments=%d open=%d due_within_1h=%d seconds=%.1f", path, count, open,
                due, elapsed))
    }

    /// Pure evaluation (no database): assessments per second, and dwell learning per event.
    static func evaluator(model: AlertModel) -> [String] {
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
        return [String(format: "evaluator_per_s=%.0f", Double(count) / (assessed / 1000))]
    }
}
