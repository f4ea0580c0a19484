import ArgumentParser
import DelayGateAlerting
import DelayGateConfig
import DelayGateEngine
import DelayGateEvaluation
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB

struct BaselinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baselines",
        abstract: "Bootstrap the alert engine's learned dwell baselines and lanes.",
        subcommands: [ImportBaselinesCommand.self])
}

struct ImportBaselinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Learn dwell baselines (and lane delivery risk) from a CSV of past tracking events.",
        discussion: """
            Columns (header required): carrier, tracking_number, time (RFC 3339), milestone; \
            optional facility_code, facility_name, city, region, and promised_date (yyyy-mm-dd, \
            which with a delivered event teaches the lane). Each shipment's completed dwells are \
            learned exactly as live traffic teaches them, added to what the database already \
            holds. Run it before `serve`, or restart the gateway afterwards: a running gateway \
            keeps its own copy in memory.

            Example:
              delaygate baselines import history/2026-10.csv
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The CSV file of past events.", valueName: "file.csv"))
    var file: String

    @Option(name: .customLong("time-zone"), help: "Zone of times written without an offset.")
    var timeZone: String = "Asia/Shanghai"

    func validate() throws {
        guard TimeZone(identifier: timeZone) != nil else {
            throw ValidationError(
                "--time-zone '\(timeZone)' is not a known zone; use an IANA name such as Asia/Shanghai")
        }
    }

    func run() async throws {
        let setup = try loadSetup(path: options.config, environment: ProcessInfo.processInfo.environment)
        let alerting = setup.alerting
        let database = try GatewayDatabase.open(
            at: setup.configuration.storage.path,
            options: .init(synchronous: setup.configuration.storage.synchronous.rawValue))
        let model = AlertModel(policy: alerting.policy, calendar: alerting.calendar, playbook: alerting.playbook)
        try model.load(from: database)
        let summary: BaselineImporter.Summary
        do {
            summary = try BaselineImporter(model: model, assumedZone: TimeZone(identifier: timeZone)!)
                .importEvents(from: file)
        } catch {
            throw CLIError("\(error)")
        }
        let (baselines, lanes) = model.takeChanges()
        let now = Date()
        try await database.write { db in
            try LearnedStateStore.save(baselines, in: .baselines, at: now, in: db)
            try LearnedStateStore.save(lanes, in: .lanes, at: now, in: db)
        }
        let trusted = model.evaluator().baselines.statistics.filter {
            $0.value.samples >= alerting.policy.baselines.minimumSamples
        }.count
        for problem in summary.problems { print("skipped: \(problem)") }
        print(
            "imported \(summary.rows - summary.skipped) of \(summary.rows) rows (\(summary.shipments) shipments) into "
                + "\(setup.configuration.storage.path): \(summary.dwells) dwells learned, \(summary.laneSamples) lane "
                + "samples; \(baselines.count) node keys updated, \(trusted) now trusted "
                + "(≥ \(alerting.policy.baselines.minimumSamples) samples)")
    }
}
