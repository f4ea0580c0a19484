import ArgumentParser
import DelayGateSimulation
import Foundation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Generate a simulated logistics network day: events, orders, disruptions and ground truth.",
        discussion: """
            Simulates a Chinese e-commerce network (carriers sf-express, zto, yto, yunda \
            and jd; hubs and stations in 20 provinces; Hong Kong cross-border parcels \
            through customs) for --history-days clean days and one evaluated day \
            (2026-11-20 unless --day), then 7 more days so the day's parcels can finish. \
            Incidents (stalls, customs holds, return stalls, presale slips, lost parcels) \
            are injected into --incident-rate of the evaluated day's orders, and a typhoon \
            interrupts one coastal province for 6-10 hours of that day. The same options \
            and --seed always give the same files.

            With --out DIR it writes:
              events-0001.json ...  canonical-json bodies {"events":[...]}: every
                                    event of the history and the day, in time order
              customs-0001.json ... with --separate-customs only: the customs
                                    events as customs bodies {"updates":[...]}
              orders.json           orders body {"orders":[...]}, history first
              disruptions.json      disruption body {"notices":[...]}
              incidents.json        the ground truth {"incidents":[...]}
              network.json          carriers, facilities, lanes, peak calendar and
                                    the true distribution of every dwell
            Files of the same names are overwritten, others left alone: use an empty \
            directory, or stale event files of an earlier, larger run remain.
            Without --out it generates and walks every event, writing nothing, and \
            prints the same summary line (useful for timing).

            The formats and the exact meaning of each incident are described in \
            docs/simulation.md.

            Examples:
              delaygate simulate --orders 10000 --seed 7 --out data/sim
              delaygate simulate --orders 1000000 --seed 1
            """)

    @Option(help: "Orders placed on the evaluated day (one parcel each).")
    var orders: Int = 10_000

    @Option(help: "Seed of every random draw: the same seed and options give the same files.")
    var seed: UInt64 = 1

    @Option(name: .customLong("history-days"), help: "Clean days before the evaluated day, for baseline learning.")
    var historyDays: Int = 14

    @Option(
        name: .customLong("history-orders-per-day"),
        help: "Orders on each history day (default: the smaller of --orders and 2000).")
    var historyOrdersPerDay: Int?

    @Option(
        name: .customLong("incident-rate"),
        help: "Share of the evaluated day's orders given an injected incident (the typhoon's come on top).")
    var incidentRate: Double = 0.05

    @Option(help: ArgumentHelp("The evaluated day, Asia/Shanghai (default: 2026-11-20).", valueName: "yyyy-mm-dd"))
    var day: String?

    @Flag(name: .customLong("no-typhoon"), help: "Leave out the typhoon disruption.")
    var noTyphoon = false

    @Option(help: ArgumentHelp("Directory to write the files to (created if missing).", valueName: "dir"))
    var out: String?

    @Option(name: .customLong("batch-size"), help: "Most events per events-NNNN.json (and customs-NNNN.json) body.")
    var batchSize: Int = 1000

    @Flag(
        name: .customLong("separate-customs"),
        help: "Write customs events to customs-NNNN.json (customs format) instead of the event files.")
    var separateCustoms = false

    func validate() throws {
        guard orders >= 0 else { throw ValidationError("--orders must not be negative") }
        guard historyDays >= 0 else { throw ValidationError("--history-days must not be negative") }
        if let historyOrdersPerDay, historyOrdersPerDay < 0 {
            throw ValidationError("--history-orders-per-day must not be negative")
        }
        guard (0...1).contains(incidentRate) else { throw ValidationError("--incident-rate must be between 0 and 1") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        if let day, parseDay(day) == nil {
            throw ValidationError("--day must be a date such as 2026-11-20")
        }
        // Whatever else the simulator refuses (too many orders or days in all).
        if let problem = makeConfig().problems.first { throw ValidationError(problem) }
    }

    private func makeConfig() -> SimulationConfig {
        var config = SimulationConfig(
            orders: orders, seed: seed, historyDays: historyDays, historyOrdersPerDay: historyOrdersPerDay,
            incidentRate: incidentRate, typhoon: !noTyphoon)
        if let day, let date = parseDay(day) { config.day = date }
        return config
    }

    func run() throws {
        let started = ContinuousClock.now
        let config = makeConfig()

        let simulated = Simulator.generate(config)
        let generated = ContinuousClock.now
        var events = 0
        var batches = 0
        if let out {
            let directory = URL(fileURLWithPath: out, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let eventCount = simulated.eventCount
            let width = max(4, String((eventCount + batchSize - 1) / batchSize).count)
            for body in simulated.canonicalJSONBatches(
                maxEventsPerBatch: batchSize, includingCustomsEvents: !separateCustoms)
            {
                batches += 1
                try body.write(to: directory.appendingPathComponent("events-\(padded(batches, width)).json"))
            }
            events = eventCount
            if separateCustoms {
                var customsBatches = 0
                for body in simulated.customsJSONBatches(maxUpdatesPerBatch: batchSize) {
                    customsBatches += 1
                    try body.write(to: directory.appendingPathComponent("customs-\(padded(customsBatches, 4)).json"))
                }
            }
            let ordersURL = directory.appendingPathComponent("orders.json")
            guard FileManager.default.createFile(atPath: ordersURL.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: ordersURL.path])
            }
            let handle = try FileHandle(forWritingTo: ordersURL)
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            try simulated.writeOrdersJSON { try handle.write(contentsOf: $0) }
            try simulated.disruptionsJSON().write(to: directory.appendingPathComponent("disruptions.json"))
            try simulated.incidentsJSON().write(to: directory.appendingPathComponent("incidents.json"))
            try simulated.networkJSON().write(to: directory.appendingPathComponent("network.json"))
        } else {
            for _ in simulated.events() { events += 1 }
        }
        let finished = ContinuousClock.now

        var byKind: [String: Int] = [:]
        for incident in simulated.incidents { byKind[incident.kindName, default: 0] += 1 }
        let kinds = ["stall", "customs_hold", "return_stall", "presale_slip", "disruption", "lost_or_damaged"]
            .map { "\($0) \(byKind[$0] ?? 0)" }.joined(separator: ", ")
        let seconds = { (duration: Duration) in
            String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }
        let destination = out.map { "; wrote \(batches) event files to \($0)" } ?? "; nothing written"
        print(
            "simulated \(simulated.orders.count) orders (+\(simulated.historyOrders.count) history), "
                + "\(events) events (\(String(format: "%.1f", Double(events) / Double(max(1, simulated.orders.count + simulated.historyOrders.count)))) per order), "
                + "\(simulated.incidents.count) incidents (\(kinds)) in \(seconds(finished - started)) s "
                + "(generation \(seconds(generated - started)) s)\(destination)")
    }

    private func padded(_ number: Int, _ width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// 00:00 +08:00 of a `yyyy-mm-dd` date.
    private func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day), (2000...2100).contains(year)
        else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        guard let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day
        else { return nil }
        return date
    }
}
