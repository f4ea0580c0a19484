import ArgumentParser
import DelayGateOutbound
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract:
            "Inspect the outbox of deliveries (messages, tickets, callbacks, ERP actions) and replay dead letters.",
        subcommands: [List.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List outbox deliveries, oldest first, with the state counts.",
            discussion: "Example: delaygate outbox list --state dead")

        @OptionGroup var options: ConfigOptions

        @Option(help: "Only deliveries in this state: pending, in_flight, delivered or dead.")
        var state: OutboxState?

        @Option(help: "Show deliveries after this id (paging).")
        var after: Int64 = 0

        @Option(help: "Most deliveries to show.")
        var limit: Int = 50

        @Flag(help: "Print one JSON object per delivery (with the receiver's last answer) instead of a table.")
        var json = false

        func run() async throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            let database = try openExistingDatabase(setup)
            let (rows, counts) = try await database.read { [state, after, limit] db in
                (
                    try OutboxStore.list(state: state, afterID: after, limit: limit, in: db),
                    try OutboxStore.counts(in: db)
                )
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows {
                    print(String(decoding: try encoder.encode(OutboxRowJSON(row)), as: UTF8.self))
                }
                return
            }
            print(
                OutboxState.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: " · "))
            guard !rows.isEmpty else {
                print("no deliveries" + (state.map { " in state \($0.rawValue)" } ?? ""))
                return
            }
            print(
                pad("ID", 8) + pad("CREATED (UTC)", 25) + pad("ADAPTER", 16) + pad("ACTION", 24) + pad("STATE", 11)
                    + pad("TRIES", 6) + "LAST ERROR / RECEIPT")
            for row in rows {
                let note = row.state == .delivered ? (row.receipt.map { "receipt \($0)" } ?? "") : (row.lastError ?? "")
                let masked = Redaction.maskingPhoneNumbers(note)
                print(
                    pad(String(row.id), 8) + pad(rfc3339(row.createdAt), 25) + pad(row.adapter, 16)
                        + pad(row.action, 24)
                        + pad(row.state.rawValue, 11) + pad(String(row.attempts), 6)
                        + (masked.count > 100 ? String(masked.prefix(99)) + "…" : masked))
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead deliveries back in the queue (for example after fixing an adapter's configuration).",
            discussion: """
                A replayed delivery keeps its idempotency key, so a receiver that already has it does \
                not create it twice. The running gateway picks it up within its dispatcher's sleep \
                (it looks at the queue at least every 5 s). --rate spreads the replayed \
                deliveries over time, so that a large replay leaves the gateway's cores to live traffic \
                and stays within the receiver's rate limits; the first falls due one dispatcher sleep (5 s) from now, \
                so that the dispatcher is awake for it rather than finding a backlog. \
                Examples: delaygate outbox replay 42; delaygate outbox replay --all-dead --rate 200
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: "Ids of dead deliveries to replay (replayed in id order).")
        var ids: [Int64] = []

        @Flag(help: "Replay every dead delivery.")
        var allDead = false

        @Option(
            help: ArgumentHelp(
                "Deliveries per second the replayed ones fall due at, in id order (default: all at once).",
                valueName: "per-second"))
        var rate: Double?

        func validate() throws {
            if ids.isEmpty == !allDead {
                throw ValidationError("give delivery ids or --all-dead (not both)")
            }
            if let rate, !ReplayPace.rates.contains(rate) {
                throw ValidationError("--rate must be between 0.01 and 1,000,000 deliveries per second")
            }
        }

        func run() async throws {
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            let database = try openExistingDatabase(setup)
            let now = Date()
            // At a rate, the first falls due once the running gateway's dispatcher has surely
            // looked at the queue again; due earlier, the rows would wait for it and then go out
            // together, as fast as the adapter's concurrency allows.
            let dispatcherSleep = setup.actions?.dispatch.maximumSleep ?? ActionSettings.Dispatch().maximumSleep
            let pace = ReplayPace(
                start: rate == nil ? now : now + TimeInterval(dispatcherSleep / .milliseconds(1)) / 1000,
                perSecond: rate)
            if allDead {
                // A page at a time, so that a running gateway's writes wait for one short
                // transaction at most, however many dead letters there are.
                var paced = PacedTransactions()
                var afterID: Int64 = 0
                var count = 0
                while true {
                    let replayed = try await paced.write(database) { [afterID, count] db, size in
                        try OutboxStore.replayDead(
                            after: afterID, limit: size, pace: pace, replayed: count, at: now, in: db)
                    }
                    guard let last = replayed.last else { break }
                    count += replayed.count
                    afterID = last
                }
                print("replayed \(count) dead deliver\(count == 1 ? "y" : "ies")\(Self.spread(pace, count, from: now))")
                return
            }
            let results = try await database.write { [ids] db in
                var position = 0
                return try Set(ids).sorted().map { id in
                    let replayed = try OutboxStore.replay(id: id, due: pace.due(position: position), at: now, in: db)
                    if replayed { position += 1 }
                    return (id, replayed)
                }
            }
            let missing = results.filter { !$0.1 }.map { String($0.0) }
            let replayed = results.count - missing.count
            // Nothing replayed and ids missing: the error alone is the answer, on one line.
            if replayed > 0 || missing.isEmpty {
                print(
                    "replayed \(replayed) dead deliver\(replayed == 1 ? "y" : "ies")\(Self.spread(pace, replayed, from: now))"
                )
            }
            if !missing.isEmpty {
                throw CLIError("no dead delivery with id \(missing.joined(separator: ", "))")
            }
        }

        /// When they fall due, when a rate spreads them.
        static func spread(_ pace: ReplayPace, _ count: Int, from now: Date) -> String {
            guard pace.perSecond != nil, count > 0 else { return "" }
            let first = pace.start.timeIntervalSince(now)
            guard count > 1 else { return String(format: ", falling due in %.1f s", first) }
            return String(format: ", falling due over %.1f s, the first in %.1f s", pace.span(count: count), first)
        }
    }
}

extension OutboxState: ExpressibleByArgument {}
