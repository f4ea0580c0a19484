import ArgumentParser

/// `delaygate`: the logistics delay early-warning gateway.
@main
struct DelayGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delaygate",
        abstract: "Logistics delay early-warning gateway: carrier webhooks in, delay alerts out.",
        discussion: """
            Configuration lives in config/gateway.yaml, config/alerting.yaml, config/actions.yaml and \
            one file per adapter in adapters/ (outbound ones in adapters/outbound/). \
            Secrets are read from the environment variables those files name.
            """,
        subcommands: [
            ServeCommand.self, CheckCommand.self, InboxCommand.self, OutboxCommand.self, BaselinesCommand.self,
            EvaluateCommand.self, SimulateCommand.self, ClientsCommand.self, DemoCommand.self,
        ])
}

/// Options shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Gateway configuration file.",
            discussion: "Defaults to config/gateway.yaml; built-in defaults are used when that file does not exist.",
            valueName: "path"))
    var config: String?
}
