import ArgumentParser
import DelayGateDemo
import Foundation

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole loop in one process: a simulated day through the gateway to the vendors.",
        discussion: """
            Starts the gateway on a temporary database with this repository's config/ and \
            adapters/, the vendors it delivers to (mock Zendesk, Twilio, FCM, voice queue and ERP \
            on 127.0.0.1), and a simulated day: carriers post webhooks in their real shapes and \
            signatures (Kdniao, AfterShip, DelayGate's JSON), the ERP pushes orders through the \
            OAuth API, a customs broker reports a hold, returns stall and a typhoon closes routes. \
            The clock runs --speed times faster than real time. It ends with a summary scored \
            against the simulator's ground truth, and exits 0 only when every injected incident \
            produced its alert and its actions reached the vendors. Run it from the repository \
            root (or pass --config).
            """)

    @Option(name: .long, help: "Orders of the simulated day.")
    var orders: Int = 1000

    @Option(name: .long, help: "Simulated seconds per real second (14400: four hours a second); the quiet days after the traffic run ten times faster.")
    var speed: Double = 14400

    @Option(name: .long, help: "Seed of the simulation; the same seed gives the same day.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Orders per day of the clean history learned first (default: --orders, at least 1500).")
    var history: Int?

    @Option(name: .long, help: ArgumentHelp("Gateway configuration to run.", valueName: "path"))
    var config: String = "config/gateway.yaml"

    @Flag(name: .long, help: "Print no progress lines, only the summary.")
    var quiet = false

    func validate() throws {
        guard (10...200_000).contains(orders) else { throw ValidationError("--orders must be between 10 and 200000") }
        guard speed >= 1, speed <= 1_000_000 else { throw ValidationError("--speed must be between 1 and 1000000") }
        if let history, !(100...100_000).contains(history) {
            throw ValidationError("--history must be between 100 and 100000")
        }
        guard FileManager.default.fileExists(atPath: config) else {
            throw ValidationError("no configuration at \(config): run from the repository root or pass --config")
        }
    }

    func run() async throws {
        let quiet = self.quiet
        if !quiet { print("generating a simulated day of \(orders) orders (seed \(seed))…") }
        let report: DemoReport
        do {
            report = try await Demo.run(
                .init(orders: orders, speed: speed, seed: seed, configPath: config, historyOrdersPerDay: history)
            ) { progress in
                if !quiet { print(progress) }
            }
        } catch let error as DemoError {
            throw CLIError(error.description)
        }
        print(report.summary)
        if !report.score.loopClosed { throw ExitCode.failure }
    }
}
