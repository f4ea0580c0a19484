import DelayGateModel
import Foundation

/// Generates a simulated day of a Chinese e-commerce logistics network.
///
/// ```swift
/// let day = Simulator.generate(SimulationConfig(orders: 10_000, seed: 42))
/// for event in day.events() { engine.ingest(event) }        // history, then the day, in time order
/// let truth = day.incidents                                   // what a good engine should flag
/// ```
///
/// The same configuration always gives the same result on a given platform: every random draw
/// comes from xoshiro256** streams derived from ``SimulationConfig/seed``.
public enum Simulator {
    /// Runs the whole simulation: the network, `historyDays` of clean orders, the evaluated
    /// day's orders with injected incidents, and the typhoon. Nothing is read or written.
    ///
    /// - Precondition: `config.problems` is empty.
    public static func generate(_ config: SimulationConfig) -> SimulatedDay {
        precondition(config.problems.isEmpty, "invalid simulation config: \(config.problems.joined(separator: "; "))")
        let planner = NetworkBuilder.build(seed: config.seed)
        let identifiers = Identifiers(carriers: planner.network.carriers, seed: config.seed)
        let dayStart = ShanghaiTime.startOfDay(epochSeconds: Int64(config.day.timeIntervalSince1970.rounded(.down)))
        let base = dayStart - Int64(config.historyDays + 1) * 86_400
        let windowEnd = Int32(dayStart + Int64(1 + config.trailingDays) * 86_400 - base)
        let typhoon =
            config.typhoon ? makeTyphoon(config: config, planner: planner, dayStart: dayStart, base: base) : nil

        let total = config.orders + config.historyDays * config.historyOrdersPerDay
        var generator = ShipmentGenerator(
            config: config, planner: planner, identifiers: identifiers, base: base, windowEnd: windowEnd,
            typhoon: typhoon, expectedOrders: total)
        var index = 0
        for day in 0...config.historyDays {
            let isEvaluated = day == config.historyDays
            let start = dayStart - Int64(config.historyDays - day) * 86_400
            let count = isEvaluated ? config.orders : config.historyOrdersPerDay
            let times = creationTimes(count: count, dayStart: start, seed: config.seed)
            for (n, time) in times.enumerated() {
                generator.generateOrder(
                    index: index, created: Int32(time - base), number: UInt32(n + 1), evaluatedDay: isEvaluated)
                index += 1
            }
        }

        let incidents = generator.incidents.sorted { a, b in
            if a.startsAt != b.startsAt { return a.startsAt < b.startsAt }
            if a.shipment.carrier != b.shipment.carrier { return a.shipment.carrier < b.shipment.carrier }
            return a.shipment.trackingNumber < b.shipment.trackingNumber
        }
        let store = SimulationStore(
            config: config, planner: planner, identifiers: identifiers, base: base, steps: generator.steps,
            records: generator.records, historyCount: config.historyDays * config.historyOrdersPerDay)
        return SimulatedDay(
            store: store, disruptions: typhoon.map { [$0.notice] } ?? [], incidents: incidents,
            historyStart: Date(timeIntervalSince1970: Double(dayStart - Int64(config.historyDays) * 86_400)),
            day: Date(timeIntervalSince1970: Double(dayStart)),
            windowEnd: Date(timeIntervalSince1970: Double(base + Int64(windowEnd))))
    }

    /// Orders per hour of the day (relative): quiet before dawn, busy late morning, afternoon and
    /// the evening peak.
    static let hourlyOrderWeights: [Double] = [
        1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.2, 4.0, 4.0, 3.4, 3.4, 3.8, 3.8, 3.6, 3.4, 3.2, 3.8, 4.6, 5.2,
        5.0, 3.0,
    ]

    /// Sorted creation instants (epoch seconds) of `count` orders on the day starting at `dayStart`.
    static func creationTimes(count: Int, dayStart: Int64, seed: UInt64) -> [Int64] {
        var rng = Xoshiro256StarStar(seed: seed, stream: 4, index: UInt64(bitPattern: dayStart))
        let weights = cumulativeSums(hourlyOrderWeights)
        var times = [Int64]()
        times.reserveCapacity(count)
        for _ in 0..<count {
            let hour = rng.pick(cumulative: weights)
            times.append(dayStart + Int64(hour * 3600 + rng.below(3600)))
        }
        times.sort()
        return times
    }

    static let typhoonNames = ["海葵", "银杏", "烟花", "梅花", "杜苏芮", "康妮", "山竹", "利奇马"]

    /// One typhoon over a coastal province, in force for 6–10 hours from between 04:00 and
    /// 10:00 on the evaluated day.
    static func makeTyphoon(config: SimulationConfig, planner: RoutePlanner, dayStart: Int64, base: Int64)
        -> ShipmentGenerator.Typhoon
    {
        var rng = Xoshiro256StarStar(seed: config.seed, stream: 3)
        let coastal = ChinaGeography.provinces.filter(\.coastal)
        let province = coastal[rng.below(coastal.count)].name
        let from = dayStart + Int64(4 + rng.below(7)) * 3600
        let to = from + Int64(6 + rng.below(5)) * 3600
        let name = typhoonNames[rng.below(typhoonNames.count)]
        let year = ShanghaiTime.civil(localDay: ShanghaiTime.localDay(epochSeconds: dayStart)).year
        let notice = DisruptionNotice(
            id: "typhoon-\(year)-\(20 + rng.below(10))",
            kind: .weather,
            severity: .severe,
            routeInterrupted: true,
            regions: [province],
            validFrom: Date(timeIntervalSince1970: Double(from)),
            validTo: Date(timeIntervalSince1970: Double(to)),
            title: "台风“\(name)”登陆，\(province)快件线路中断",
            detail: "\(province)各转运中心、营业部暂停收发与派送，台风过境后恢复",
            source: "simulation")
        return ShipmentGenerator.Typhoon(
            notice: notice, covers: planner.network.facilities.map { $0.province == province },
            from: Int32(from - base), to: Int32(to - base))
    }
}
