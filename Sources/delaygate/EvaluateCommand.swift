import ArgumentParser
import DelayGateEvaluation
import Foundation

struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score the alert engine on real data.",
        subcommands: [OlistCommand.self])
}

struct OlistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "olist",
        abstract: "Replay the public Olist orders through the engine and score its early warnings.",
        discussion: """
            Learns lane delivery risk from delivered orders purchased before --train-until, then \
            replays each order purchased from --test-from through --test-until (inclusive) through \
            the alert engine with a simulated clock: the carrier handoff is the first scan, the \
            delivery the last, the estimated date the promise. It prints precision, recall, F1 of \
            "warned before delivery" against "delivered after the estimated date", and the median \
            lead of true warnings, for the engine and for the naive rule (warn at 1.2 × the lane's \
            mean transit), per test month too. The last line is machine-readable.

            Without --theta the warning threshold is tuned on the last 4 months before \
            --train-until only. Definitions: docs/olist-evaluation.md. The data (CC BY-NC-SA) is \
            read in place and never copied.

            Example:
              delaygate evaluate olist --data ../shared/data/olist --train-until 2018-01-01 \\
                --test-from 2018-01-01 --test-until 2018-08-31
            """)

    @Option(help: ArgumentHelp("Folder with the Olist CSV files.", valueName: "dir"))
    var data: String

    @Option(
        name: .customLong("train-until"),
        help: ArgumentHelp("Learn from orders purchased before this day.", valueName: "yyyy-mm-dd"))
    var trainUntil: String = "2018-01-01"

    @Option(
        name: .customLong("test-from"), help: ArgumentHelp("First purchase day of the test.", valueName: "yyyy-mm-dd"))
    var testFrom: String = "2018-01-01"

    @Option(
        name: .customLong("test-until"),
        help: ArgumentHelp("Last purchase day of the test (inclusive).", valueName: "yyyy-mm-dd"))
    var testUntil: String = "2018-08-31"

    @Option(help: "Warning threshold on P(late | still open); tuned on validation when left out.")
    var theta: Double?

    @Option(name: .customLong("min-lane-samples"), help: "Delivered orders a lane needs before it is used alone.")
    var minLaneSamples: Int = 100

    func validate() throws {
        for (name, value) in [("--train-until", trainUntil), ("--test-from", testFrom), ("--test-until", testUntil)]
        where Self.day(value) == nil {
            throw ValidationError("\(name) must be a date such as 2018-01-01, found '\(value)'")
        }
        if let theta, !(theta > 0 && theta < 1) { throw ValidationError("--theta must be between 0 and 1") }
        guard minLaneSamples >= 1 else { throw ValidationError("--min-lane-samples must be at least 1") }
        guard let from = Self.day(testFrom), let until = Self.day(testUntil), from <= until else {
            throw ValidationError("--test-from must not be after --test-until")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let dataset: OlistDataset
        do {
            dataset = try OlistDataset(directory: data)
        } catch {
            throw CLIError("\(error)")
        }
        let options = OlistEvaluation.Options(
            trainUntil: Self.day(trainUntil)!, testFrom: Self.day(testFrom)!,
            testUntil: Self.day(testUntil)!.addingTimeInterval(86_400), threshold: theta,
            minimumLaneSamples: minLaneSamples)
        let report = try await OlistEvaluation(dataset: dataset, options: options).run()
        guard !report.testOrders.isEmpty else {
            throw CLIError("no delivered orders were purchased in the test period")
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        print(report.text(options: options, orders: dataset.orders.count, skipped: dataset.skipped, seconds: seconds))
    }

    /// 00:00 UTC of a `yyyy-mm-dd` day (Olist's times are naive and read as UTC).
    static func day(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
            calendar.component(.day, from: date) == parts[2]
        else { return nil }
        return date
    }
}
