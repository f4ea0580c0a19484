import ArgumentParser
import DelayGateAdapters
import DelayGateConfig
import DelayGateIngest
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Inspect and reprocess the durable inbox of raw request bodies.",
        subcommands: [List.self, Reprocess.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List inbox rows, newest first.",
            discussion: "Example: delaygate inbox list --state rejected --limit 50")

        @OptionGroup var options: ConfigOptions

        @Option(help: "Only rows in this state: pending, normalized or rejected.")
        var state: InboxState?

        @Option(help: "Only rows received by this adapter.")
        var adapter: String?

        @Option(help: "Most rows to show.")
        var limit: Int = 20

        @Flag(help: "Print one JSON object per row (with the body) instead of a table.")
        var json = false

        func run() async throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            let database = try openExistingDatabase(setup)
            let rows = try await database.read { [state, adapter, limit] db in
                try InboxStore.list(state: state, adapter: adapter, limit: limit, in: db)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows {
                    print(String(decoding: try encoder.encode(InboxRowJSON(row)), as: UTF8.self))
                }
                return
            }
            guard !rows.isEmpty else {
                print("no inbox rows" + (state.map { " in state \($0.rawValue)" } ?? ""))
                return
            }
            print(
                pad("ID", 8) + pad("RECEIVED (UTC)", 25) + pad("ADAPTER", 18) + pad("STATE", 12) + pad("EVENTS", 8)
                    + "BYTES  REASON")
            for row in rows {
                let reason = row.reason.map { $0.count > 100 ? String($0.prefix(99)) + "…" : $0 } ?? ""
                print(
                    pad(String(row.id), 8) + pad(rfc3339(row.receivedAt), 25) + pad(row.adapter, 18)
                        + pad(row.state.rawValue, 12)
                        + pad(row.eventCount.map(String.init) ?? "-", 8) + pad(String(row.body.count), 7) + reason)
            }
        }
    }

    struct Reprocess: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalize inbox rows again from their raw bodies (for example after a parser fix).",
            discussion: """
                By default reprocesses rejected and pending rows. Events already stored are not \
                stored twice, and shipment state never moves backwards, so reprocessing is safe to \
                repeat and safe while the gateway runs. Beside a running gateway it holds the \
                write lock about --hold-ms at a time and then lets go, so live webhooks wait at \
                most about that long for it.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(help: "Reprocess rows in this state (repeatable). Default: rejected and pending.")
        var state: [InboxState] = []

        @Flag(help: "Reprocess every row, normalized ones included.")
        var all = false

        @Option(help: "Reprocess only this row (repeatable).")
        var id: [Int64] = []

        @Option(
            name: .customLong("hold-ms"),
            help: ArgumentHelp(
                "About how long each transaction holds the write lock, in milliseconds.",
                discussion: "Live webhooks of a running gateway wait at most about this long for it; larger is faster.")
        )
        var holdMilliseconds = 2

        func validate() throws {
            guard holdMilliseconds > 0 else {
                throw ValidationError("--hold-ms must be a positive number of milliseconds")
            }
        }

        func run() async throws {
            let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
            // Its transactions skip the flush to disk at each commit (WAL with synchronous=NORMAL),
            // which would otherwise hold the write lock: the WAL is flushed once at the end, and
            // every commit of the gateway in the meantime flushes it too. A reprocess cut short by
            // a power cut is made whole by running it again.
            let configured = setup.configuration.storage.synchronous.rawValue
            let database = try openExistingDatabase(setup, synchronous: configured == "off" ? "OFF" : "NORMAL")
            let reprocessor = InboxReprocessor(
                database: database, catalog: setup.catalog, transactionBudget: .milliseconds(holdMilliseconds))
            let report: InboxReprocessor.Report
            do {
                if id.isEmpty {
                    let states = all ? Set(InboxState.allCases) : (state.isEmpty ? [.rejected, .pending] : Set(state))
                    report = try await reprocessor.reprocess(states: states)
                } else {
                    report = try await reprocessor.reprocess(ids: id)
                }
            } catch let error as ReprocessError {
                throw CLIError("\(error)")
            }
            if configured != "off" { try GatewayDatabase.flushLog(of: setup.configuration.storage.path) }
            let summary = report.summary
            print(
                "reprocessed \(report.rows) row(s): \(summary.normalized) normalized (\(summary.eventsInserted) new event(s), "
                    + "\(summary.duplicateEvents) already stored), \(summary.rejected) rejected, in \(report.transactions) transaction(s)"
            )
        }
    }
}

extension InboxState: ExpressibleByArgument {}

/// Opens the gateway's database, which must exist; `synchronous` overrides the configured mode
/// for this connection.
func openExistingDatabase(_ setup: GatewaySetup, synchronous: String? = nil) throws -> DatabasePool {
    let path = setup.configuration.storage.path
    guard FileManager.default.fileExists(atPath: path) else {
        throw CLIError("no database at \(path) yet (it is created by 'delaygate serve')")
    }
    do {
        return try GatewayDatabase.open(
            at: path, options: .init(synchronous: synchronous ?? setup.configuration.storage.synchronous.rawValue))
    } catch {
        throw CLIError("cannot open the database at \(path): \(error)")
    }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
