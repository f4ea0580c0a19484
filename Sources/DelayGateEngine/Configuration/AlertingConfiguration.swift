import DelayGateAlerting
import DelayGateConfig
import DelayGateModel
import Foundation

/// The alert engine's rules, read from `config/alerting.yaml` (every key optional; an empty or
/// missing file gives the defaults). See `docs/alerting.md` for every key.
///
/// ```yaml
/// language: zh
/// thresholds: { warning: 1.2, urgent: 1.5 }
/// overrides:
///   - { carrier: sf-express, region: 浙江, warning: 1.3, urgent: 1.7 }
/// peak_seasons:
///   - { name: Spring Festival 2027, from: 2027-01-30, to: 2027-02-14, factor: 1.8 }
/// ```
public struct AlertingConfiguration: Decodable, Sendable {
    public var policy: AlertPolicy
    public var calendar: SeasonCalendar
    public var playbook: Playbook
    public var scheduler: DeadlineScheduler.Options

    public static let defaultPath = "config/alerting.yaml"

    public init(
        policy: AlertPolicy = AlertPolicy(), calendar: SeasonCalendar = SeasonCalendar(),
        playbook: Playbook = Playbook(),
        scheduler: DeadlineScheduler.Options = DeadlineScheduler.Options()
    ) {
        self.policy = policy
        self.calendar = calendar
        self.playbook = playbook
        self.scheduler = scheduler
    }

    /// Reads and validates an alerting file; a missing file gives the defaults unless `required`.
    public static func load(path: String, environment: [String: String], required: Bool) throws(ConfigError)
        -> AlertingConfiguration
    {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError(file: path, message: "file not found") }
            return AlertingConfiguration()
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try ConfigDecoder(environment: environment).decode(AlertingConfiguration.self, yaml: text, file: path)
    }

    enum CodingKeys: String, CodingKey {
        case language, thresholds, overrides, returns, presale, baselines, scheduler, playbook, feedback
        case deliveryRisk = "delivery_risk"
        case disruptionFactors = "disruption_factors"
        case peakSeasons = "peak_seasons"
        case timeZone = "time_zone"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var policy = AlertPolicy()
        if let language = try container.decodeIfPresent(String.self, forKey: .language) {
            guard let value = AlertPolicy.Language(rawValue: language) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .language, in: container, debugDescription: "expected zh or en, found '\(language)'")
            }
            policy.language = value
        }
        if let thresholds = try container.decodeIfPresent(ThresholdsEntry.self, forKey: .thresholds) {
            policy.thresholds = thresholds.thresholds(default: policy.thresholds)
        }
        let overrides = try container.decodeIfPresent([OverrideEntry].self, forKey: .overrides) ?? []
        policy.overrides = overrides.map {
            AlertPolicy.Override(
                carrier: $0.carrier, region: $0.region, thresholds: $0.levels.thresholds(default: policy.thresholds))
        }
        if let returns = try container.decodeIfPresent(ReturnsEntry.self, forKey: .returns) {
            policy.returnStallAfter = returns.stallAfterHours * 3600
        }
        if let presale = try container.decodeIfPresent(PresaleEntry.self, forKey: .presale) {
            policy.presaleHandling = presale.handlingHours * 3600
        }
        if let risk = try container.decodeIfPresent(DeliveryRiskEntry.self, forKey: .deliveryRisk) {
            policy.deliveryRiskThreshold = risk.threshold ?? policy.deliveryRiskThreshold
            policy.lanes.minimumSamples = risk.minimumSamples ?? policy.lanes.minimumSamples
        }
        if let factors = try container.decodeIfPresent(DisruptionFactorsEntry.self, forKey: .disruptionFactors) {
            for (severity, factor) in factors.factors { policy.disruptionFactors[severity] = factor }
        }
        if let baselines = try container.decodeIfPresent(BaselinesEntry.self, forKey: .baselines) {
            baselines.apply(to: &policy.baselines)
        }
        if let feedback = try container.decodeIfPresent(FeedbackEntry.self, forKey: .feedback) {
            policy.feedback = feedback.policy
        }
        self.policy = policy

        var calendar = SeasonCalendar()
        if let zone = try container.decodeIfPresent(String.self, forKey: .timeZone) {
            guard let timeZone = TimeZone(identifier: zone) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .timeZone, in: container,
                    debugDescription: "unknown time zone '\(zone)'; use an IANA name such as Asia/Shanghai")
            }
            calendar.timeZone = timeZone
        }
        if let seasons = try container.decodeIfPresent([SeasonEntry].self, forKey: .peakSeasons) {
            calendar.windows = try seasons.map { try $0.window(in: calendar.timeZone) }
        }
        self.calendar = calendar
        if let rules = try container.decodeIfPresent([RuleEntry].self, forKey: .playbook) {
            self.playbook = Playbook(rules: rules.map(\.rule))
        } else {
            self.playbook = Playbook()
        }
        self.scheduler =
            try container.decodeIfPresent(SchedulerEntry.self, forKey: .scheduler)?.options
            ?? DeadlineScheduler.Options()
    }
}

// MARK: File entries

private func invalid<K: CodingKey>(_ key: K, _ container: KeyedDecodingContainer<K>, _ message: String) -> DecodingError
{
    DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: message)
}

/// `warning:` and `urgent:` ratios of the expected dwell.
private struct ThresholdsEntry: Decodable {
    var warning: Double?
    var urgent: Double?

    enum CodingKeys: String, CodingKey { case warning, urgent }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        warning = try container.decodeIfPresent(Double.self, forKey: .warning)
        urgent = try container.decodeIfPresent(Double.self, forKey: .urgent)
        for (key, value) in [(CodingKeys.warning, warning), (.urgent, urgent)] {
            if let value, !(1.0...20.0).contains(value) {
                throw invalid(
                    key, container, "expected a ratio of the expected dwell between 1.0 and 20, found \(value)")
            }
        }
        if let warning, let urgent, urgent <= warning {
            throw invalid(.urgent, container, "urgent (\(urgent)) must be above warning (\(warning))")
        }
    }

    func thresholds(default base: AlertPolicy.Thresholds) -> AlertPolicy.Thresholds {
        AlertPolicy.Thresholds(warning: warning ?? base.warning, urgent: urgent ?? base.urgent)
    }
}

/// Thresholds for one carrier and/or region.
private struct OverrideEntry: Decodable {
    var carrier: String?
    var region: String?
    var levels: ThresholdsEntry

    enum CodingKeys: String, CodingKey { case carrier, region }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        carrier = try container.decodeIfPresent(String.self, forKey: .carrier)
        region = try container.decodeIfPresent(String.self, forKey: .region)
        levels = try ThresholdsEntry(from: decoder)
        guard carrier != nil || region != nil else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "an override names a carrier, a region or both")
            )
        }
    }
}

private struct ReturnsEntry: Decodable {
    var stallAfterHours: Double
    enum CodingKeys: String, CodingKey { case stallAfterHours = "stall_after_hours" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stallAfterHours = try container.decodeIfPresent(Double.self, forKey: .stallAfterHours) ?? 24
        guard stallAfterHours > 0 else { throw invalid(.stallAfterHours, container, "expected hours above 0") }
    }
}

private struct PresaleEntry: Decodable {
    var handlingHours: Double
    enum CodingKeys: String, CodingKey { case handlingHours = "handling_hours" }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        handlingHours = try container.decodeIfPresent(Double.self, forKey: .handlingHours) ?? 24
        guard handlingHours >= 0 else { throw invalid(.handlingHours, container, "expected hours, 0 or more") }
    }
}

private struct DeliveryRiskEntry: Decodable {
    var threshold: Double?
    var minimumSamples: Int?
    enum CodingKeys: String, CodingKey {
        case threshold
        case minimumSamples = "minimum_samples"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decodeIfPresent(Double.self, forKey: .threshold)
        minimumSamples = try container.decodeIfPresent(Int.self, forKey: .minimumSamples)
        if let threshold, !(threshold > 0 && threshold < 1) {
            throw invalid(.threshold, container, "expected a probability between 0 and 1, found \(threshold)")
        }
        if let minimumSamples, minimumSamples < 1 { throw invalid(.minimumSamples, container, "expected at least 1") }
    }
}

private struct DisruptionFactorsEntry: Decodable {
    var factors: [(DisruptionNotice.Severity, Double)] = []
    enum CodingKeys: String, CodingKey { case minor, major, severe }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        for (key, severity) in [
            (CodingKeys.minor, DisruptionNotice.Severity.minor), (.major, .major), (.severe, .severe),
        ] {
            guard let factor = try container.decodeIfPresent(Double.self, forKey: key) else { continue }
            guard factor >= 1 else { throw invalid(key, container, "expected a factor of 1 or more, found \(factor)") }
            factors.append((severity, factor))
        }
    }
}

private struct BaselinesEntry: Decodable {
    var quantile: Double?
    var minimumSamples: Int?
    var halfLifeDays: Double?
    var fallbackHours: Double?
    var defaultHours: [Milestone: Double] = [:]

    enum CodingKeys: String, CodingKey {
        case quantile
        case minimumSamples = "minimum_samples"
        case halfLifeDays = "half_life_days"
        case fallbackHours = "fallback_hours"
        case defaultHours = "default_hours"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quantile = try container.decodeIfPresent(Double.self, forKey: .quantile)
        minimumSamples = try container.decodeIfPresent(Int.self, forKey: .minimumSamples)
        halfLifeDays = try container.decodeIfPresent(Double.self, forKey: .halfLifeDays)
        fallbackHours = try container.decodeIfPresent(Double.self, forKey: .fallbackHours)
        if let quantile, !(0.5...0.99).contains(quantile) {
            throw invalid(.quantile, container, "expected a quantile between 0.5 and 0.99, found \(quantile)")
        }
        if let minimumSamples, minimumSamples < 1 { throw invalid(.minimumSamples, container, "expected at least 1") }
        if let halfLifeDays, halfLifeDays <= 0 { throw invalid(.halfLifeDays, container, "expected days above 0") }
        if let fallbackHours, fallbackHours <= 0 { throw invalid(.fallbackHours, container, "expected hours above 0") }
        let raw = try container.decodeIfPresent([String: Double].self, forKey: .defaultHours) ?? [:]
        for (name, hours) in raw {
            guard let milestone = Milestone(rawValue: name), milestone != .unknown, !milestone.isTerminal else {
                throw invalid(
                    .defaultHours, container,
                    "'\(name)' is not a milestone a parcel dwells at; use one of \(Self.dwellMilestones)")
            }
            guard hours > 0 else { throw invalid(.defaultHours, container, "'\(name)': expected hours above 0") }
            defaultHours[milestone] = hours
        }
    }

    static let dwellMilestones = Milestone.allCases.filter { $0 != .unknown && !$0.isTerminal }.map(\.rawValue)
        .joined(separator: ", ")

    func apply(to policy: inout DwellBaselines.Policy) {
        if let quantile { policy.quantile = quantile }
        if let minimumSamples { policy.minimumSamples = minimumSamples }
        if let halfLifeDays { policy.halfLife = .seconds(halfLifeDays * 86_400) }
        if let fallbackHours { policy.fallback = fallbackHours * 3600 }
        for (milestone, hours) in defaultHours { policy.defaults[milestone] = hours * 3600 }
    }
}

/// `from`/`to` as `MM-DD` (every year) or `YYYY-MM-DD` (once), both days inclusive.
private struct SeasonEntry: Decodable {
    var name: String
    var from: String
    var to: String
    var factor: Double

    enum CodingKeys: String, CodingKey { case name, from, to, factor }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        from = try container.decode(String.self, forKey: .from)
        to = try container.decode(String.self, forKey: .to)
        factor = try container.decode(Double.self, forKey: .factor)
        guard (1.0...10.0).contains(factor) else {
            throw invalid(.factor, container, "expected a factor between 1 and 10, found \(factor)")
        }
        let fromParts = Self.parts(from)
        let toParts = Self.parts(to)
        guard let fromParts else { throw invalid(.from, container, "expected MM-DD or YYYY-MM-DD, found '\(from)'") }
        guard let toParts else { throw invalid(.to, container, "expected MM-DD or YYYY-MM-DD, found '\(to)'") }
        guard (fromParts.year == nil) == (toParts.year == nil) else {
            throw invalid(.to, container, "'from' and 'to' must both be MM-DD or both be YYYY-MM-DD")
        }
        if let year = fromParts.year, let toYear = toParts.year,
            (year, fromParts.month, fromParts.day) > (toYear, toParts.month, toParts.day)
        {
            throw invalid(.to, container, "'to' (\(to)) is before 'from' (\(from))")
        }
    }

    static func parts(_ text: String) -> (year: Int?, month: Int, day: Int)? {
        let fields = text.split(separator: "-").map { Int($0) }
        guard fields.allSatisfy({ $0 != nil }) else { return nil }
        let numbers = fields.compactMap { $0 }
        let (year, month, day): (Int?, Int, Int)
        switch numbers.count {
        case 2: (year, month, day) = (nil, numbers[0], numbers[1])
        case 3: (year, month, day) = (numbers[0], numbers[1], numbers[2])
        default: return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), year.map({ (2000...2100).contains($0) }) ?? true else {
            return nil
        }
        return (year, month, day)
    }

    func window(in timeZone: TimeZone) throws -> SeasonCalendar.Window {
        let start = Self.parts(from)!
        let end = Self.parts(to)!
        guard let year = start.year, let endYear = end.year else {
            return SeasonCalendar.Window(
                name: name,
                span: .yearly(fromMonth: start.month, fromDay: start.day, toMonth: end.month, toDay: end.day),
                factor: factor)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let first = calendar.date(from: DateComponents(year: year, month: start.month, day: start.day))!
        let last = calendar.date(from: DateComponents(year: endYear, month: end.month, day: end.day))!
        return SeasonCalendar.Window(
            name: name, span: .dates(from: first, to: calendar.date(byAdding: .day, value: 1, to: last)!),
            factor: factor)
    }
}

/// One playbook rule: `level`, optional `scenario`, and `actions`.
private struct RuleEntry: Decodable {
    var rule: Playbook.Rule

    enum CodingKeys: String, CodingKey { case level, scenario, actions }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let level = try container.decode(String.self, forKey: .level)
        guard let alertLevel = AlertLevel(rawValue: level), alertLevel != .none else {
            throw invalid(.level, container, "expected warning, urgent or extreme, found '\(level)'")
        }
        var scenario: Scenario?
        if let name = try container.decodeIfPresent(String.self, forKey: .scenario) {
            guard let value = Scenario(rawValue: name) else {
                throw invalid(
                    .scenario, container,
                    "unknown scenario '\(name)'; use one of \(Scenario.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            scenario = value
        }
        let names = try container.decode([String].self, forKey: .actions)
        let actions = try names.map { name -> Playbook.Action in
            guard let action = Playbook.Action(rawValue: name) else {
                throw invalid(
                    .actions, container,
                    "unknown action '\(name)'; use \(Playbook.Action.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return action
        }
        rule = Playbook.Rule(scenario: scenario, level: alertLevel, actions: actions)
    }
}

/// `feedback:`: how resolved tickets tune a node's expected dwell.
private struct FeedbackEntry: Decodable {
    var policy = FeedbackPolicy()
    enum CodingKeys: String, CodingKey {
        case decay
        case falseAlarmsToRaise = "false_alarms_to_raise"
        case raiseStep = "raise_step"
        case maximumFactor = "max_factor"
        case graphHalfLifeDays = "graph_half_life_days"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let count = try container.decodeIfPresent(Int.self, forKey: .falseAlarmsToRaise) {
            guard (1...100).contains(count) else { throw invalid(.falseAlarmsToRaise, container, "expected 1 to 100") }
            policy.falseAlarmsToRaise = count
        }
        if let step = try container.decodeIfPresent(Double.self, forKey: .raiseStep) {
            guard step > 0, step <= 1 else {
                throw invalid(.raiseStep, container, "expected a share above 0, at most 1")
            }
            policy.raiseStep = step
        }
        if let maximum = try container.decodeIfPresent(Double.self, forKey: .maximumFactor) {
            guard (1...5).contains(maximum) else { throw invalid(.maximumFactor, container, "expected 1 to 5") }
            policy.maximumFactor = maximum
        }
        if let decay = try container.decodeIfPresent(Double.self, forKey: .decay) {
            guard decay > 0, decay <= 1 else { throw invalid(.decay, container, "expected a share above 0, at most 1") }
            policy.decay = decay
        }
        if let days = try container.decodeIfPresent(Double.self, forKey: .graphHalfLifeDays) {
            guard days > 0 else { throw invalid(.graphHalfLifeDays, container, "expected days above 0") }
            policy.graphHalfLife = days * 86_400
        }
    }
}

private struct SchedulerEntry: Decodable {
    var options = DeadlineScheduler.Options()
    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size"
        case maxSleepSeconds = "max_sleep_seconds"
        case persistIntervalSeconds = "persist_interval_seconds"
        case tickBudgetMilliseconds = "tick_budget_ms"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let size = try container.decodeIfPresent(Int.self, forKey: .batchSize) {
            guard size >= 1 else { throw invalid(.batchSize, container, "expected at least 1") }
            options.batchSize = size
        }
        let inSeconds = { (seconds: Double) in Duration.milliseconds(Int64(seconds * 1000)) }
        if let sleep = try Self.duration(.maxSleepSeconds, in: container, range: 0.001...86_400, "seconds", inSeconds) {
            options.maximumSleep = sleep
        }
        if let interval = try Self.duration(
            .persistIntervalSeconds, in: container, range: 0.001...86_400, "seconds", inSeconds)
        {
            options.persistInterval = interval
        }
        let inMilliseconds = { (milliseconds: Double) in Duration.microseconds(Int64(milliseconds * 1000)) }
        if let budget = try Self.duration(
            .tickBudgetMilliseconds, in: container, range: 0.001...60_000, "milliseconds", inMilliseconds)
        {
            options.tickBudget = budget
        }
    }

    /// A duration given as a number of `unit`s, nil when the key is absent. Bounded: a huge or
    /// infinite value would trap converting to a Duration, and a tiny one would round to nothing.
    private static func duration(
        _ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>, range: ClosedRange<Double>,
        _ unit: String, _ make: (Double) -> Duration
    ) throws -> Duration? {
        guard let value = try container.decodeIfPresent(Double.self, forKey: key) else { return nil }
        guard range.contains(value) else {
            func text(_ bound: Double) -> String { bound == bound.rounded() ? String(Int(bound)) : String(bound) }
            let expected = "expected \(unit) from \(text(range.lowerBound)) to \(text(range.upperBound))"
            throw invalid(key, container, expected)
        }
        return make(value)
    }
}
