import DelayGateConfig
import Foundation
import Mustache

/// How alerts become deliveries: `config/actions.yaml` (see `docs/actions.md`).
public struct ActionSettings: Sendable {
    /// Which outbound adapter carries each channel.
    public struct Channels: Sendable, Hashable {
        public var sms: String?
        public var push: String?
        public var helpdesk: String?
        public var voice: String?
        public var erp: String?

        public init(
            sms: String? = nil, push: String? = nil, helpdesk: String? = nil, voice: String? = nil, erp: String? = nil
        ) {
            self.sms = sms
            self.push = push
            self.helpdesk = helpdesk
            self.voice = voice
            self.erp = erp
        }

        /// Every configured adapter name, with the key that names it.
        public var named: [(key: String, adapter: String)] {
            [("sms", sms), ("push", push), ("helpdesk", helpdesk), ("voice", voice), ("erp", erp)].compactMap { pair in
                pair.1.map { (pair.0, $0) }
            }
        }
    }

    /// Exponential backoff with a spread: attempt n waits `min(cap, base × 2^(n-1))`, made
    /// longer or shorter at random by up to `jitter` of itself (±20 % by default), so that
    /// deliveries that failed together are retried spread out, and none at once. After
    /// `maxAttempts` a delivery is dead.
    public struct Retry: Sendable, Hashable {
        public var base: Duration
        public var cap: Duration
        public var maxAttempts: Int
        /// The spread, a fraction of each delay (0 up to, not including, 1: no delay is ever zero).
        public var jitter: Double

        /// 30 s doubling to 6 h, 25 attempts, ±20 %: 3.9 days nominal, at least 3.1 days (every
        /// delay at its shortest) before a delivery is dead.
        public init(
            base: Duration = .seconds(30), cap: Duration = .seconds(6 * 3600), maxAttempts: Int = 25,
            jitter: Double = 0.2
        ) {
            self.base = base
            self.cap = cap
            self.maxAttempts = maxAttempts
            self.jitter = min(max(jitter, 0), 0.99)
        }

        /// The delay after failed attempt `attempt` (1-based); `random` in [0, 1) picks where in
        /// the spread it falls (0: shortest, 0.5: nominal, 1: longest).
        public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
            let exponent = min(max(attempt - 1, 0), 40)
            let nominal = min(
                Double(cap.components.seconds), Double(base.components.seconds) * pow(2, Double(exponent)))
            let factor = 1 - jitter + 2 * jitter * min(max(random, 0), 1)
            return .milliseconds(Int64(nominal * 1000 * factor))
        }

        /// The longest total wait before a delivery is dead (every delay at its longest).
        public var worstCaseSpan: Duration { span(random: 1) }

        /// The shortest total wait before a delivery is dead (every delay at its shortest).
        public var shortestSpan: Duration { span(random: 0) }

        private func span(random: Double) -> Duration {
            (1..<max(maxAttempts, 1)).reduce(Duration.zero) { $0 + delay(afterAttempt: $1, random: random) }
        }
    }

    /// The dispatcher's pace.
    public struct Dispatch: Sendable, Hashable {
        /// How long a claimed delivery is reserved; after a crash it is retried once this passes.
        public var lease: Duration
        /// Per request.
        public var timeout: Duration
        /// Longest sleep between looks at the outbox.
        public var maximumSleep: Duration

        public init(
            lease: Duration = .seconds(60), timeout: Duration = .seconds(10), maximumSleep: Duration = .seconds(5)
        ) {
            self.lease = lease
            self.timeout = timeout
            self.maximumSleep = maximumSleep
        }
    }

    public var channels: Channels
    /// Mustache over `carrier`, `tracking_number`, `order_id`.
    public var trackingLink: MustacheTemplate?
    public var templates: TemplateSet
    public var compensation: CompensationPolicy
    public var routing: RoutingRules
    public var retry: Retry
    public var dispatch: Dispatch
    /// Dates in messages are shown in this zone.
    public var timeZone: TimeZone

    public init(
        channels: Channels, trackingLink: MustacheTemplate?, templates: TemplateSet, compensation: CompensationPolicy,
        routing: RoutingRules, retry: Retry = Retry(), dispatch: Dispatch = Dispatch(),
        timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!
    ) {
        self.channels = channels
        self.trackingLink = trackingLink
        self.templates = templates
        self.compensation = compensation
        self.routing = routing
        self.retry = retry
        self.dispatch = dispatch
        self.timeZone = timeZone
    }

    // MARK: Loading

    struct File: Decodable {
        var channels: ChannelsFile?
        var trackingLink: String?
        var templatesDir: String?
        var defaultLocale: String?
        var timeZone: String?
        var compensation: [CompensationFile]?
        var routing: [RoutingFile]?
        var retry: RetryFile?
        var dispatcher: DispatcherFile?

        enum CodingKeys: String, CodingKey {
            case channels, compensation, routing, retry, dispatcher
            case trackingLink = "tracking_link"
            case templatesDir = "templates_dir"
            case defaultLocale = "default_locale"
            case timeZone = "time_zone"
        }

        struct ChannelsFile: Decodable {
            var sms: String?
            var push: String?
            var helpdesk: String?
            var voice: String?
            var erp: String?
        }

        struct Match: Decodable {
            var regions: [String]?
            var levels: [String]?
            var scenarios: [String]?
            var minOrderValue: Double?
            var vip: Bool?

            enum CodingKeys: String, CodingKey {
                case regions, levels, scenarios, vip
                case minOrderValue = "min_order_value"
            }
        }

        struct CompensationFile: Decodable {
            var name: String?
            var when: Match?
            var offer: OfferFile
        }

        struct OfferFile: Decodable {
            var kind: CompensationPolicy.Offer.Kind
            var amount: Double?
            var currency: String?
        }

        struct RoutingFile: Decodable {
            var name: String?
            var when: Match?
            var groups: [String]
        }

        struct RetryFile: Decodable {
            var baseSeconds: Int?
            var capSeconds: Int?
            var maxAttempts: Int?
            var jitter: Double?

            enum CodingKeys: String, CodingKey {
                case baseSeconds = "base_seconds"
                case capSeconds = "cap_seconds"
                case maxAttempts = "max_attempts"
                case jitter
            }
        }

        struct DispatcherFile: Decodable {
            var leaseSeconds: Int?
            var timeoutSeconds: Int?

            enum CodingKeys: String, CodingKey {
                case leaseSeconds = "lease_seconds"
                case timeoutSeconds = "timeout_seconds"
            }
        }
    }

    static let levels: Set<String> = ["warning", "urgent", "extreme"]
    static let scenarios: Set<String> = [
        "dwell", "delivery_risk", "customs", "return_stall", "presale", "disruption", "lost_or_damaged",
    ]

    /// Reads `config/actions.yaml`; a missing file gives the defaults (templates from
    /// `config/templates`). Relative paths are taken from the working directory.
    public static func load(path: String, decoder: ConfigDecoder) throws(ConfigError) -> ActionSettings {
        let file = File()
        if FileManager.default.fileExists(atPath: path) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigError(file: path, message: "cannot read the file: \(error.localizedDescription)")
            }
            return try parse(yaml: text, path: path, decoder: decoder)
        }
        return try settings(from: file, path: path)
    }

    /// Reads the settings from the text of an actions file (`path` names it in errors).
    public static func parse(yaml: String, path: String, decoder: ConfigDecoder) throws(ConfigError) -> ActionSettings {
        try settings(from: try decoder.decode(File.self, yaml: yaml, file: path), path: path)
    }

    static func settings(from file: File, path: String) throws(ConfigError) -> ActionSettings {
        let channels = file.channels
        var trackingLink: MustacheTemplate?
        if let link = file.trackingLink {
            do {
                trackingLink = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + link)
            } catch {
                throw ConfigError(file: path, key: "tracking_link", message: "not a valid mustache template: \(error)")
            }
        }
        let locale = file.defaultLocale ?? "zh-CN"
        let templates = try TemplateSet.load(directory: file.templatesDir ?? "config/templates", defaultLocale: locale)
        var compensation: [CompensationPolicy.Rule] = []
        for (index, entry) in (file.compensation ?? []).enumerated() {
            try check(entry.when, key: "compensation[\(index)].when", path: path)
            if entry.offer.kind == .coupon, entry.offer.amount == nil {
                throw ConfigError(
                    file: path, key: "compensation[\(index)].offer.amount", message: "a coupon needs an amount")
            }
            compensation.append(
                CompensationPolicy.Rule(
                    name: entry.name ?? "compensation[\(index)]", levels: entry.when?.levels.map(Set.init),
                    scenarios: entry.when?.scenarios.map(Set.init),
                    minimumOrderValue: entry.when?.minOrderValue.map(Self.decimal),
                    vip: entry.when?.vip,
                    offer: .init(
                        kind: entry.offer.kind, amount: entry.offer.amount.map(Self.decimal),
                        currency: entry.offer.currency
                    )))
        }
        var routing: [RoutingRules.Rule] = []
        for (index, entry) in (file.routing ?? []).enumerated() {
            try check(entry.when, key: "routing[\(index)].when", path: path)
            guard !entry.groups.isEmpty else {
                throw ConfigError(file: path, key: "routing[\(index)].groups", message: "name at least one group")
            }
            routing.append(
                RoutingRules.Rule(
                    name: entry.name ?? "routing[\(index)]", regions: entry.when?.regions.map(Set.init),
                    levels: entry.when?.levels.map(Set.init), scenarios: entry.when?.scenarios.map(Set.init),
                    minimumOrderValue: entry.when?.minOrderValue.map(Self.decimal), vip: entry.when?.vip,
                    groups: entry.groups))
        }
        var retry = Retry()
        if let file = file.retry {
            let defaults = Retry()
            if let jitter = file.jitter, !(0..<1).contains(jitter) {
                throw ConfigError(
                    file: path, key: "retry.jitter", message: "expected a fraction from 0 up to (not including) 1, not \(jitter)")
            }
            retry = Retry(
                base: .seconds(
                    try positive(
                        file.baseSeconds ?? Int(defaults.base.components.seconds), key: "retry.base_seconds", path: path
                    )),
                cap: .seconds(
                    try positive(
                        file.capSeconds ?? Int(defaults.cap.components.seconds), key: "retry.cap_seconds", path: path)),
                maxAttempts: try positive(
                    file.maxAttempts ?? defaults.maxAttempts, key: "retry.max_attempts", path: path),
                jitter: file.jitter ?? defaults.jitter)
        }
        var dispatch = Dispatch()
        if let file = file.dispatcher {
            dispatch.lease = .seconds(
                try positive(file.leaseSeconds ?? 60, key: "dispatcher.lease_seconds", path: path))
            dispatch.timeout = .seconds(
                try positive(file.timeoutSeconds ?? 10, key: "dispatcher.timeout_seconds", path: path))
            guard dispatch.timeout < dispatch.lease else {
                throw ConfigError(
                    file: path, key: "dispatcher.timeout_seconds",
                    message: "must be shorter than lease_seconds, or a slow answer outlives its lease")
            }
        }
        let zoneName = file.timeZone ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ConfigError(file: path, key: "time_zone", message: "unknown time zone '\(zoneName)'")
        }
        return ActionSettings(
            channels: Channels(
                sms: channels?.sms, push: channels?.push, helpdesk: channels?.helpdesk, voice: channels?.voice,
                erp: channels?.erp),
            trackingLink: trackingLink, templates: templates, compensation: CompensationPolicy(rules: compensation),
            routing: RoutingRules(rules: routing), retry: retry, dispatch: dispatch, timeZone: zone)
    }

    private static func check(_ match: File.Match?, key: String, path: String) throws(ConfigError) {
        for level in match?.levels ?? [] where !levels.contains(level) {
            throw ConfigError(
                file: path, key: "\(key).levels", message: "unknown level '\(level)'; known: warning, urgent, extreme")
        }
        for scenario in match?.scenarios ?? [] where !scenarios.contains(scenario) {
            throw ConfigError(
                file: path, key: "\(key).scenarios",
                message: "unknown scenario '\(scenario)'; known: \(scenarios.sorted().joined(separator: ", "))")
        }
    }

    /// A configured amount as a decimal, rounded to the minor unit.
    static func decimal(_ value: Double) -> Decimal {
        Decimal(string: String(format: "%.2f", value), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(value)
    }

    private static func positive(_ value: Int, key: String, path: String) throws(ConfigError) -> Int {
        guard value > 0 else { throw ConfigError(file: path, key: key, message: "expected a positive number") }
        return value
    }
}
