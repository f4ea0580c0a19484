import DelayGateAdapters
import DelayGateAlerting
import DelayGateDemo
import DelayGateEngine
import DelayGateModel
import DelayGateOutbox
import DelayGateServer
import DelayGateSimulation
import DelayGateStorage
import Foundation
import GRDB
import Logging

/// A simulated day of N orders (default 1,000,000) replayed end to end through the alert engine,
/// in-process, on a real SQLite file as the gateway ships it (`synchronous=FULL`, the
/// group-commit writer, the WAL checkpointer), with the repository's configuration: the rules,
/// playbook and scheduler options of `config/alerting.yaml` and the actions of
/// `config/actions.yaml`, so every alert plans its outbox deliveries (rendered, not sent).
///
/// Phases, each timed on its own:
/// 1. generate: `Simulator.generate` (the network, the history days, the day's orders).
/// 2. learn: the dwells and lanes of the clean history days, as `delaygate baselines import`
///    would teach a new install (`--history-days 0` skips it).
/// 3. replay: every order, the disruption notice and every event of the day's parcels (through
///    the end of the simulated window, when the last parcel stops moving), in time order. The
///    records of each simulated minute are delivered together at the end of that minute, in
///    payloads of at most `--batch` records (default 500): each payload is one
///    `EngineReplay.deliver`, i.e. one transaction of normalization (events, shipment state,
///    orders), the engine's observer (learning, judging each parcel with news, alerts, episodes,
///    planned actions and their outbox rows) and one commit. Before each delivery the deadline
///    scheduler is ticked at every deadline that fell before it, exactly as a live scheduler
///    wakes for its earliest due shipment (`EngineReplay.advance(before:)`). The replay's time is
///    split into the simulator building events and orders (not the gateway's cost), normalization
///    with the engine, and the scheduler.
/// 4. scheduler: the scheduler advanced through the end of the window (parcels that stopped
///    moving cross their thresholds).
///
/// What it does not include: HTTP, signature checks, parsing and the inbox row (that is what
/// `Benchmarks/ingest.py` and `pipeline-benchmark` measure), and delivering the outbox (see
/// `outbox-benchmark`).
///
/// Usage (from the repository root, which holds `config/`):
///
///     swift run -c release day-replay [--orders 1000000] [--seed 1] [--batch 500] [--window 60]
///         [--history-days 14] [--history-orders-per-day 2000] [--config config/gateway.yaml]
///         [--directory DIR] [--keep] [--synchronous FULL|NORMAL|OFF]
///
/// The last line is machine-readable (`day_replay orders=… events=… …`).
@main
struct DayReplay {
    struct Options {
        var orders = 1_000_000
        var seed: UInt64 = 1
        var batch = 500
        var window = 60
        var historyDays = 14
        var historyOrdersPerDay = 2000
        var config = "config/gateway.yaml"
        var directory: String?
        var keep = false
        /// `FULL` as the gateway ships; `OFF` shows how much of the time is spent syncing.
        var synchronous = "FULL"

        static let usage = """
            usage: day-replay [--orders 1000000] [--seed 1] [--batch 500] [--window 60]
                              [--history-days 14] [--history-orders-per-day 2000] [--config config/gateway.yaml]
                              [--directory DIR] [--keep] [--synchronous FULL|NORMAL|OFF]
            Replays a simulated day of N orders through the alert engine, in-process, on a real SQLite file;
            run it from the repository root (it reads config/). The last line is machine-readable.
            """

        /// Prints `message` and the usage to standard error and exits with status 2.
        static func fail(_ message: String) -> Never {
            FileHandle.standardError.write(Data("day-replay: \(message)\n\(usage)\n".utf8))
            exit(2)
        }

        init(_ arguments: [String]) {
            var iterator = arguments.makeIterator()
            func number(_ name: String) -> Int {
                guard let text = iterator.next(), let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
                    Self.fail("\(name) needs a number")
                }
                return value
            }
            while let argument = iterator.next() {
                switch argument {
                case "--orders": orders = number(argument)
                case "--seed": seed = UInt64(number(argument))
                case "--batch": batch = max(1, number(argument))
                case "--window": window = max(1, number(argument))
                case "--history-days": historyDays = number(argument)
                case "--history-orders-per-day": historyOrdersPerDay = number(argument)
                case "--config": config = iterator.next() ?? config
                case "--directory": directory = iterator.next()
                case "--keep": keep = true
                case "--synchronous":
                    synchronous = (iterator.next() ?? "").uppercased()
                    guard ["OFF", "NORMAL", "FULL", "EXTRA"].contains(synchronous) else {
                        Self.fail("--synchronous takes OFF, NORMAL, FULL or EXTRA")
                    }
                case "--help", "-h":
                    print(Self.usage)
                    exit(0)
                default: Self.fail("unknown argument \(argument)")
                }
            }
        }
    }

    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// `VmRSS` and `VmHWM` of this process in MiB, from /proc/self/status.
    static func memory() -> (rss: Double, peak: Double) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        var rss = 0.0
        var peak = 0.0
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Double(fields[1]) else { continue }
            if fields[0] == "VmRSS:" { rss = kib / 1024 }
            if fields[0] == "VmHWM:" { peak = kib / 1024 }
        }
        return (rss, peak)
    }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func main() async throws {
        let options = Options(Array(CommandLine.arguments.dropFirst()))
        let started = clock.now

        // 1. Generate.
        let config = SimulationConfig(
            orders: options.orders, seed: options.seed, historyDays: options.historyDays,
            historyOrdersPerDay: options.historyDays == 0 ? 0 : options.historyOrdersPerDay)
        let (day, generateTime) = clock.timed { Simulator.generate(config) }
        let afterGenerate = memory()
        log(
            String(
                format: "generated %d orders (%d history orders), %d events in all, in %.1f s; RSS %.0f MiB",
                day.orders.count, day.historyOrders.count, day.eventCount, seconds(generateTime), afterGenerate.rss))

        // The gateway's configuration, with the simulated network's peak seasons (as `delaygate
        // demo` does). The vendors' environment only supplies well-formed credentials so that the
        // outbound adapters load and render; nothing is sent.
        let environment = try DemoVendors(warehouseSKUs: []).environment(baseURL: "http://127.0.0.1:9")
        var setup = try GatewaySetup.load(path: options.config, environment: environment)
        setup.alerting.calendar.windows = day.network.calendar.periods.map {
            SeasonCalendar.Window(name: $0.name, span: .dates(from: $0.start, to: $0.end), factor: $0.dwellFactor)
        }
        guard let actions = setup.actions else { Options.fail("\(options.config) has no actions file") }
        let model = AlertModel(
            policy: setup.alerting.policy, calendar: setup.alerting.calendar, playbook: setup.alerting.playbook,
            planner: OutboxPlanner(settings: actions, catalog: setup.outbound))

        // 2. Learn the history days (live learning stays on during the replay, as in the gateway).
        let (learned, learnTime) = clock.timed { learnHistory(day, model: model) }
        log(String(format: "learned %d dwells from %d history orders in %.1f s", learned, day.historyOrders.count,
            seconds(learnTime)))

        let folder = URL(
            fileURLWithPath: options.directory ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "day-replay-\(UUID().uuidString)"
            ).path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !options.keep { try? FileManager.default.removeItem(at: folder) } }
        let path = folder.appendingPathComponent("replay.sqlite").path
        let database = try GatewayDatabase.open(at: path, options: .init(synchronous: options.synchronous))
        var logger = Logger(label: "day-replay")
        logger.logLevel = .warning
        let checkpointer = try WALCheckpointer(pool: database, path: path, logger: logger)
        let checkpointing = Task { try await checkpointer.run() }
        let replay = EngineReplay(database: database, model: model, options: setup.alerting.scheduler)

        let history = Set(day.historyOrders.flatMap(\.shipments))
        let (window, batch) = (options.window, options.batch)
        let result = try await replay.run { replay in
            // Sorting the orders by their last update builds each once: simulator time.
            let (timeline, sorting) = clock.timed {
                Timeline(day: day, history: history, window: window, batch: batch)
            }
            var result = try await run(timeline, replay: replay, day: day)
            result.simulatorTime += sorting
            result.replayTime += sorting
            return result
        }
        checkpointing.cancel()
        _ = await checkpointing.result

        let counts = try await database.read { db in
            (
                shipments: try ShipmentStore.count(in: db),
                open: try ShipmentStore.count(openOnly: true, in: db),
                alerts: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") ?? 0,
                episodes: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM episodes") ?? 0,
                actions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM planned_actions") ?? 0,
                outbox: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0,
                events: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            )
        }
        let fileSize =
            ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / (1024 * 1024)
        let total = seconds(clock.now - started)
        let end = memory()
        let replayTime = seconds(result.replayTime)
        let gatewayTime = seconds(result.normalizeTime + result.tickTime + result.drainTime)

        print(
            "day replay: \(day.orders.count) orders, seed \(options.seed), synchronous=\(options.synchronous), group-commit writer"
        )
        print(
            "  records of each simulated \(options.window) s delivered together at its end, ≤ \(options.batch) per payload"
        )
        print(
            String(
                format: "  generate            %8.1f s   (%d orders incl. %d history, %d events)", seconds(generateTime),
                day.orders.count + day.historyOrders.count, day.historyOrders.count, day.eventCount))
        print(String(format: "  learn history       %8.1f s   (%d dwells)", seconds(learnTime), learned))
        print(
            String(
                format: "  replay              %8.1f s   (%d events, %d orders, %d notices in %d payloads: %.0f events/s)",
                replayTime, result.events, result.orders, result.notices, result.payloads,
                Double(result.events) / replayTime))
        print(
            String(
                format: "    simulator builds records  %8.1f s", seconds(result.simulatorTime)))
        print(
            String(
                format: "    normalize + engine        %8.1f s   (%.1f µs per event, %.0f events/s)",
                seconds(result.normalizeTime), seconds(result.normalizeTime) / Double(max(result.events, 1)) * 1e6,
                Double(result.events) / seconds(result.normalizeTime)))
        print(
            String(
                format: "    scheduler ticks           %8.1f s   (%d ticks, %d shipments judged, %d alerts; longest %.0f ms)",
                seconds(result.tickTime), result.ticks.ticks, result.ticks.evaluated, result.ticks.raised,
                seconds(result.ticks.longestTick) * 1000))
        print(
            String(
                format: "  scheduler to window end %4.1f s   (%d ticks, %d judged, %d alerts)", seconds(result.drainTime),
                result.drain.ticks, result.drain.evaluated, result.drain.raised))
        print(
            String(
                format: "  gateway work (normalize + scheduler) %.1f s: %.0f events/s; whole run %.1f s", gatewayTime,
                Double(result.events) / gatewayTime, total))
        print(
            "  stored: \(counts.events) events, \(counts.shipments) shipments (\(counts.open) open at the end, at most \(result.peakOpen) at a day's end), \(counts.alerts) alerts, \(counts.episodes) episodes, \(counts.actions) planned actions, \(counts.outbox) outbox rows; database \(fileSize) MiB"
        )
        print(
            String(
                format: "  memory: RSS %.0f MiB after generation, %.0f MiB after the replay, peak (VmHWM) %.0f MiB",
                afterGenerate.rss, end.rss, end.peak))
        print(
            String(
                format:
                    "day_replay orders=%d events=%d alerts=%d outbox=%d generate_s=%.1f learn_s=%.1f replay_s=%.1f simulator_s=%.1f normalize_s=%.1f ticks_s=%.1f drain_s=%.1f total_s=%.1f events_per_s=%.0f gateway_events_per_s=%.0f peak_open=%d rss_generated_mib=%.0f rss_end_mib=%.0f hwm_mib=%.0f",
                day.orders.count, result.events, counts.alerts, counts.outbox, seconds(generateTime), seconds(learnTime),
                replayTime, seconds(result.simulatorTime), seconds(result.normalizeTime), seconds(result.tickTime),
                seconds(result.drainTime), total, Double(result.events) / replayTime,
                Double(result.events) / gatewayTime, result.peakOpen, afterGenerate.rss, end.rss, end.peak))
    }

    /// Teaches the model the history days' journeys, as the demo does. Returns the number of dwells learned.
    static func learnHistory(_ day: SimulatedDay, model: AlertModel) -> Int {
        var learned = 0
        for order in day.historyOrders {
            guard let key = order.shipments.first else { continue }
            let events = day.events(of: key)
            guard !events.isEmpty else { continue }
            learned += model.teachJourney(events, of: order)
        }
        return learned
    }

    struct Result: Sendable {
        var events = 0
        var orders = 0
        var notices = 0
        var payloads = 0
        var ticks = DeadlineScheduler.TickReport()
        var drain = DeadlineScheduler.TickReport()
        var simulatorTime = Duration.zero
        var normalizeTime = Duration.zero
        var tickTime = Duration.zero
        var drainTime = Duration.zero
        var replayTime = Duration.zero
        var peakOpen = 0
    }

    static func run(_ timeline: Timeline, replay: EngineReplay, day: SimulatedDay) async throws -> Result {
        var result = Result()
        result.ticks.ticks = 0
        var timeline = timeline
        let replayStarted = clock.now
        var nextDay = day.day.addingTimeInterval(86_400)
        var paused = Duration.zero
        var lastProgress = clock.now
        while true {
            let building = clock.now
            guard let (instant, payload) = timeline.next() else {
                result.simulatorTime += clock.now - building
                break
            }
            result.simulatorTime += clock.now - building
            // Open shipments at the end of each simulated day (not timed).
            if instant > nextDay {
                let sampling = clock.now
                let open = try await replay.database.read { db in try ShipmentStore.count(openOnly: true, in: db) }
                result.peakOpen = max(result.peakOpen, open)
                nextDay = nextDay.addingTimeInterval(86_400)
                paused += clock.now - sampling
            }
            let ticking = clock.now
            let ticks = try await replay.advance(before: instant)
            result.tickTime += clock.now - ticking
            result.ticks.ticks += ticks.ticks
            result.ticks.evaluated += ticks.evaluated
            result.ticks.raised += ticks.raised
            result.ticks.longestTick = max(result.ticks.longestTick, ticks.longestTick)
            let storing = clock.now
            try await replay.deliver(payload, at: instant)
            result.normalizeTime += clock.now - storing
            result.events += payload.events.count
            result.orders += payload.orders.count
            result.notices += payload.disruptions.count
            result.payloads += 1
            if clock.now - lastProgress > .seconds(30) {
                lastProgress = clock.now
                log(
                    String(
                        format: "  %@: %d events, %.0f s (normalize %.0f s, scheduler %.0f s, simulator %.0f s), RSS %.0f MiB",
                        instant.description, result.events, seconds(clock.now - replayStarted),
                        seconds(result.normalizeTime), seconds(result.tickTime), seconds(result.simulatorTime),
                        memory().rss))
            }
        }
        result.replayTime += clock.now - replayStarted - paused
        let draining = clock.now
        result.drain = try await replay.advance(through: day.windowEnd)
        result.drainTime = clock.now - draining
        let open = try await replay.database.read { db in try ShipmentStore.count(openOnly: true, in: db) }
        result.peakOpen = max(result.peakOpen, open)
        return result
    }
}

/// The day's records in time order, grouped by simulated window (one minute by default) and cut
/// into payloads: the disruption notices at 00:00, orders at their last update, events at their
/// instant; each window's records are delivered at its end, orders first. Events of the history
/// orders are skipped (they were learned from).
struct Timeline {
    let day: SimulatedDay
    let history: Set<ShipmentKey>
    let window: Int
    let batch: Int
    /// The day's order positions by last update.
    let orderQueue: [Int]
    let orderTimes: [Date]
    var orderCursor = 0
    var events: SimulatedEventSequence.Iterator
    var pendingEvent: TrackingEvent?
    var notices: [DisruptionNotice]
    /// Payloads of the current window not yet handed out.
    var ready: [(Date, NormalizedPayload)] = []

    init(day: SimulatedDay, history: Set<ShipmentKey>, window: Int, batch: Int) {
        self.day = day
        self.history = history
        self.window = window
        self.batch = batch
        let times = day.orders.map(\.updatedAt)
        orderTimes = times
        orderQueue = times.indices.sorted { times[$0] < times[$1] }
        events = day.events().makeIterator()
        notices = day.disruptions
    }

    /// End of the window holding `instant`.
    func windowEnd(_ instant: Date) -> Date {
        let seconds = instant.timeIntervalSince1970.rounded(.down)
        let width = Double(window)
        return Date(timeIntervalSince1970: (seconds / width).rounded(.down) * width + width)
    }

    mutating func nextEvent() -> TrackingEvent? {
        if let event = pendingEvent {
            pendingEvent = nil
            return event
        }
        while let event = events.next() {
            if event.time.instant >= day.day && !history.contains(event.shipmentKey) { return event }
        }
        return nil
    }

    mutating func next() -> (Date, NormalizedPayload)? {
        if !ready.isEmpty { return ready.removeFirst() }
        if !notices.isEmpty {
            defer { notices = [] }
            return (day.day, NormalizedPayload(disruptions: notices))
        }
        let event = nextEvent()
        let order = orderCursor < orderQueue.count ? orderTimes[orderQueue[orderCursor]] : nil
        guard let first = [event?.time.instant, order].compactMap({ $0 }).min() else { return nil }
        let end = windowEnd(first)
        var orders: [Order] = []
        while orderCursor < orderQueue.count, orderTimes[orderQueue[orderCursor]] < end {
            orders.append(day.orders[orderQueue[orderCursor]])
            orderCursor += 1
        }
        var batchEvents: [TrackingEvent] = []
        var current = event
        while let event = current, event.time.instant < end {
            batchEvents.append(event)
            current = nextEvent()
        }
        pendingEvent = current
        for start in stride(from: 0, to: orders.count, by: batch) {
            ready.append((end, NormalizedPayload(orders: Array(orders[start..<min(start + batch, orders.count)]))))
        }
        for start in stride(from: 0, to: batchEvents.count, by: batch) {
            ready.append(
                (end, NormalizedPayload(events: Array(batchEvents[start..<min(start + batch, batchEvents.count)]))))
        }
        return ready.isEmpty ? nil : ready.removeFirst()
    }
}

extension ContinuousClock {
    func timed<T>(_ work: () throws -> T) rethrows -> (T, Duration) {
        let start = now
        let value = try work()
        return (value, now - start)
    }
}
