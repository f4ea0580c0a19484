import Crypto
import DelayGateAdapters
import DelayGateConfig
import DelayGateEngine
import DelayGateIngest
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Logging

/// Per-stage costs of the ingest pipeline, in-process, on a temporary database with
/// synchronous=FULL: signature check, parse, inbox append, normalization (with the alert engine's
/// observer) and the deadline scheduler's judging of the parcels normalization made due, through
/// the same code the gateway runs. The bodies are those of Benchmarks/ingest.py (a hub arrival on
/// 2026-11-11): once that is more than 18 h past, every parcel is stalled and raises an alert.
///
/// Usage: swift run -c release pipeline-benchmark [deliveries] [batch size] [events per delivery] [--sql]
///        swift run -c release pipeline-benchmark kinds     (parse throughput of each inbound kind)
///
/// `--sql` adds a profile of the normalization stage's SQL: each statement's count per delivery
/// and time (SQLite's own profile timer), most expensive first. Profiling costs time of its own,
/// so the stage's throughput is lower in that run.
@main
struct PipelineBenchmark {
    static let clock = ContinuousClock()

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func report(_ name: String, count: Int, _ duration: Duration, cpu: Duration? = nil) {
        let perItem = seconds(duration) / Double(count) * 1e6
        let padded = name.count < 46 ? name + String(repeating: " ", count: 46 - name.count) : name
        let cpuText = cpu.map { String(format: "  (CPU %.2f µs each)", seconds($0) / Double(count) * 1e6) } ?? ""
        print(padded + String(format: "%9.2f µs each %11.0f /s", perItem, Double(count) / seconds(duration)) + cpuText)
    }

    /// CPU time of the whole process so far (all threads). On a shared machine wall-clock stage
    /// times stretch whenever other work runs; CPU time hardly does, so it is the figure to compare.
    static func processCPU() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
        return .seconds(Int64(spec.tv_sec)) + .nanoseconds(Int64(spec.tv_nsec))
    }

    /// Bytes this process has written through write(2)/pwrite(2), from /proc/self/io.
    static func bytesWritten() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("wchar:") {
            return Int(line.dropFirst(6).trimmingWhitespace()) ?? 0
        }
        return 0
    }

    /// Parse throughput of each inbound kind on one core, over the test fixtures (vendor shapes).
    static func parseByKind() throws {
        let fixtures = URL(fileURLWithPath: "Tests/DelayGateAdaptersTests/Fixtures")
        guard FileManager.default.fileExists(atPath: fixtures.path) else {
            print("parse by kind: run from the repository root to read Tests/DelayGateAdaptersTests/Fixtures")
            return
        }
        func load(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "delaygate-kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = [
            "kdniao": "kind: kdniao\nverification:\n  app_key: ${S}\n",
            "aftership": "kind: aftership\nverification:\n  secret: ${S}\n",
            "easypost": "kind: easypost\nverification:\n  secret: ${S}\n",
            "seventeen-track": "kind: seventeen-track\nverification:\n  secret: ${S}\n",
            "canonical-json": "kind: canonical-json\nverification:\n  secret: ${S}\n",
            "json-mapping":
                "kind: json-mapping\ncarrier: acme\nverification:\n  scheme: bearer\n  secret: ${S}\nmapping:\n  events: $.scans[*]\n  tracking_number: $.waybill\n  time: at\n  time_format: \"yyyy-MM-dd HH:mm:ss\"\n  status: code\n  city: city\nstatuses:\n  \"10\": picked_up\n  \"20\": hub_arrival\n",
            "customs": "kind: customs\nverification:\n  secret: ${S}\n",
        ]
        for (name, text) in files {
            try text.write(to: directory.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        let catalog = AdapterCatalog.load(directory: directory.path, environment: ["S": "x"]).catalog
        let canonical = Data(
            (#"{"events":["#
                + (0..<5).map { i in
                    #"{"carrier":"sf-express","tracking_number":"SF1","time":"2026-11-11T0\#(i):30:00+08:00","milestone":"hub_arrival","raw_text":"快件到达【杭州转运中心】","node":{"facility_name":"杭州转运中心","city":"杭州市","country":"CN"}}"#
                }.joined(separator: ",") + "]}").utf8)
        let mapped = Data(
            (#"{"waybill":"AC1","scans":["#
                + (0..<5).map { i in
                    #"{"at":"2026-11-11 0\#(i):30:00","code":"\#(i % 2 == 0 ? 10 : 20)","city":"杭州市"}"#
                }.joined(separator: ",") + "]}").utf8)
        let customs = Data(
            (#"{"updates":["#
                + (0..<5).map { i in
                    #"{"declaration_id":"D\#(i)","carrier":"sf","tracking_number":"SF\#(i)","status":"documents_required","time":"2026-11-12T10:00:00+08:00","missing_documents":["commercial_invoice"]}"#
                }.joined(separator: ",") + "]}").utf8)
        let cases: [(String, Data)] = [
            ("canonical-json", canonical), ("kdniao", try load("kdniao-102-body.form.txt")),
            ("aftership", try load("aftership-tracking_update.json")),
            ("easypost", try load("easypost-tracker.updated.json")),
            ("seventeen-track", try load("17track-TRACKING_UPDATED.json")), ("json-mapping", mapped),
            ("customs", customs),
        ]
        print("parse by kind (one core; each body parsed repeatedly):")
        var summary: [String] = []
        for (name, body) in cases {
            guard let adapter = catalog.adapter(named: name) else { continue }
            let events = try adapter.parse(body, receivedAt: Date()).events.count
            let rounds = max(1, 100_000 / max(events, 1))
            let elapsed = try clock.measure {
                for _ in 0..<rounds { _ = try adapter.parse(body, receivedAt: Date()) }
            }
            let perSecond = Double(rounds * events) / seconds(elapsed)
            let padded = name + String(repeating: " ", count: max(0, 18 - name.count))
            print(
                padded
                    + String(format: "%10.0f events/s  (%d events, %d bytes per body)", perSecond, events, body.count))
            summary.append("\(name)=\(Int(perSecond))")
        }
        print("parse_events_per_s " + summary.joined(separator: " "))
    }

    static func main() async throws {
        if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
            print(
                """
                usage: pipeline-benchmark [deliveries] [batch size] [events per delivery] [--sql]
                       pipeline-benchmark kinds     (parse throughput of each inbound kind)
                """)
            return
        }
        if CommandLine.arguments.dropFirst().first == "kinds" {
            try parseByKind()
            return
        }
        let profileSQL = CommandLine.arguments.contains("--sql")
        let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
        let deliveries = arguments.count > 0 ? arguments[0] : 100_000
        let batchSize = arguments.count > 1 ? arguments[1] : 512
        let eventsPerDelivery = arguments.count > 2 ? arguments[2] : 1
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "delaygate-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // An adapter exactly as the gateway builds it.
        try "kind: canonical-json\nverification:\n  secret: ${BENCH_SECRET}\n".write(
            to: directory.appendingPathComponent("bench.yaml"), atomically: true, encoding: .utf8)
        let loaded = AdapterCatalog.load(directory: directory.path, environment: ["BENCH_SECRET": "bench-secret"])
        guard let adapter = loaded.catalog.adapter(named: "bench") else { fatalError("\(loaded.errors)") }

        var generator = SystemRandomNumberGenerator()
        let now = Date()
        let requests: [InboundRequest] = (0..<deliveries).map { index in
            let tracking = "SF" + String(UInt64.random(in: 1_000_000_000...9_999_999_999, using: &generator))
            let events = (0..<eventsPerDelivery).map { step in
                #"{"event_id":"e-\#(index)-\#(step)","carrier":"sf-express","tracking_number":"\#(tracking)","time":"2026-11-11T\#(String(format: "%02d", 8 + step % 12)):30:00+08:00","milestone":"hub_arrival","raw_code":"30","raw_text":"快件到达【杭州转运中心】","node":{"facility_code":"571WA","facility_name":"杭州转运中心","city":"杭州市","region":"浙江省","country":"CN"}}"#
            }
            let body = Data(#"{"events":[\#(events.joined(separator: ","))]}"#.utf8)
            return InboundRequest(
                headers: [
                    .contentType: "application/json",
                    HTTPField.Name("X-DelayGate-Signature")!: TimestampedHMACSignature.headerValue(
                        body: body, secret: "bench-secret", time: now),
                ],
                body: body)
        }
        print(
            "pipeline stages: \(deliveries) deliveries of \(eventsPerDelivery) event(s), \(requests[0].body.count) bytes each"
        )

        var cpu = processCPU()
        let verify = try clock.measure {
            for request in requests { try adapter.verify(request, now: now) }
        }
        report("verify signature", count: deliveries, verify, cpu: processCPU() - cpu)

        var payloads: [NormalizedPayload] = []
        payloads.reserveCapacity(deliveries)
        cpu = processCPU()
        let parse = try clock.measure {
            for request in requests { payloads.append(try adapter.parse(request.body, receivedAt: now)) }
        }
        report("parse body", count: deliveries, parse, cpu: processCPU() - cpu)

        let dedup = clock.measure {
            var bytes = 0
            for payload in payloads { for event in payload.events { bytes &+= event.dedupKey.bytes.count } }
            precondition(bytes > 0)
        }
        report("dedup key", count: deliveries * eventsPerDelivery, dedup)

        let databasePath = directory.appendingPathComponent("bench.sqlite").path
        let pool = try GatewayDatabase.open(
            at: databasePath, options: .init(synchronous: ProcessInfo.processInfo.environment["SYNCHRONOUS"] ?? "FULL"))
        let checkpointer = try WALCheckpointer(pool: pool, path: databasePath, logger: Logger(label: "bench"))
        let checkpointing = Task { try await checkpointer.run() }
        defer { checkpointing.cancel() }
        var inboxIDs: [Int64] = []
        cpu = processCPU()
        let append = try await clock.measure {
            for start in stride(from: 0, to: deliveries, by: batchSize) {
                let slice = requests[start..<min(start + batchSize, deliveries)]
                inboxIDs += try await pool.write { db in
                    try slice.map { request in
                        try InboxStore.append(
                            InboxEntry(
                                adapter: "bench", contentType: "application/json", body: request.body, receivedAt: now,
                                state: .pending),
                            in: db)
                    }
                }
            }
        }
        report("inbox append (incl. commit, batch \(batchSize))", count: deliveries, append, cpu: processCPU() - cpu)

        let items = zip(inboxIDs, payloads).map { id, payload in
            InboxNormalization.Item(inboxID: id, adapter: "bench", receivedAt: now, parsed: .success(payload))
        }
        let writtenBefore = bytesWritten()
        var work = Duration.zero
        var commit = Duration.zero
        // The engine as the gateway wires it (default rules, nothing learned yet).
        let model = AlertModel()
        let observer = EngineObserver(model: model, scheduler: nil)
        let statements = StatementProfile()
        cpu = processCPU()
        let normalize = try await clock.measure {
            for start in stride(from: 0, to: deliveries, by: batchSize) {
                let batch = Array(items[start..<min(start + batchSize, deliveries)])
                let (w, c) = try await pool.writeWithoutTransaction { db in
                    if profileSQL { db.trace(options: .profile) { statements.record($0) } }
                    defer { if profileSQL { db.trace(options: []) } }
                    var work = Duration.zero
                    let started = clock.now
                    try db.inTransaction {
                        work = try clock.measure {
                            _ = try InboxNormalization.apply(batch, at: now, in: db, observer: observer)
                        }
                        return .commit
                    }
                    return (work, clock.now - started - work)
                }
                work += w
                commit += c
            }
        }
        report("normalize (incl. commit, batch \(batchSize))", count: deliveries, normalize, cpu: processCPU() - cpu)
        report("  of which statements", count: deliveries, work)
        report("  of which COMMIT", count: deliveries, commit)
        print("  bytes written per delivery (WAL and checkpoints): \((bytesWritten() - writtenBefore) / deliveries)")
        if profileSQL { statements.print(per: deliveries) }
        let events = deliveries * eventsPerDelivery

        // Normalization made every parcel due now; the scheduler judges them in its own batches.
        let replay = EngineReplay(database: pool, model: model)
        cpu = processCPU()
        let (judged, raised, judging) = try await replay.run { replay in
            var judged = 0
            var raised = 0
            let elapsed = try await clock.measure {
                while true {
                    let report = try await replay.scheduler.tick(now: now)
                    judged += report.evaluated
                    raised += report.raised
                    if report.evaluated == 0 { break }
                }
            }
            return (judged, raised, elapsed)
        }
        report("judge due parcels (scheduler, incl. commit)", count: max(judged, 1), judging, cpu: processCPU() - cpu)
        print("  parcels judged \(judged), alerts raised \(raised)")
        print(String(format: "normalize_events_per_s=%.0f", Double(events) / seconds(normalize)))
    }
}

/// Statements seen by `Database.trace(options: .profile)`, by SQL text: how many and how long.
final class StatementProfile: @unchecked Sendable {
    // Only the writer's queue records, one batch at a time; `print` runs after the stage.
    private var totals: [String: (count: Int, time: TimeInterval)] = [:]

    func record(_ event: Database.TraceEvent) {
        guard case .profile(let statement, let duration) = event else { return }
        totals[statement.sql, default: (0, 0)].count += 1
        totals[statement.sql, default: (0, 0)].time += duration
    }

    func print(per deliveries: Int) {
        let all = totals.values.reduce((count: 0, time: 0.0)) { ($0.count + $1.count, $0.time + $1.time) }
        Swift.print(
            String(
                format: "  SQL: %.1f statements and %.1f µs per delivery (SQLite's profile timer); most expensive:",
                Double(all.count) / Double(deliveries), all.time / Double(deliveries) * 1e6))
        for (sql, total) in totals.sorted(by: { $0.value.time > $1.value.time }).prefix(20) {
            let figures = String(
                format: "  %6.2f × %7.1f µs = %6.1f µs  ", Double(total.count) / Double(deliveries),
                total.time / Double(total.count) * 1e6, total.time / Double(deliveries) * 1e6)
            Swift.print(figures + sql.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(110))
        }
    }
}
