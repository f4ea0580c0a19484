import DelayGateModel
import Foundation

/// The engine's tunable rules (from `config/alerting.yaml`).
public struct AlertPolicy: Sendable, Hashable {
    /// Dwell ratios to the expected dwell at which levels start.
    public struct Thresholds: Sendable, Hashable {
        public var warning: Double
        public var urgent: Double

        public init(warning: Double = 1.2, urgent: Double = 1.5) {
            self.warning = warning
            self.urgent = urgent
        }
    }

    /// Thresholds for one carrier and/or region (the most specific match wins).
    public struct Override: Sendable, Hashable {
        public var carrier: String?
        public var region: String?
        public var thresholds: Thresholds

        public init(carrier: String? = nil, region: String? = nil, thresholds: Thresholds) {
            self.carrier = carrier
            self.region = region
            self.thresholds = thresholds
        }
    }

    public enum Language: String, Sendable, Hashable, CaseIterable {
        case zh, en
    }

    public var thresholds: Thresholds
    public var overrides: [Override]
    /// A return with no scan for this long is urgent.
    public var returnStallAfter: Double
    /// Supplier goods must reach the warehouse this long before the promised ship date.
    public var presaleHandling: Double
    /// Delivery-risk probability at which a warning is raised.
    public var deliveryRiskThreshold: Double
    /// Expected dwell is multiplied by these while a disruption (not interrupting the route) covers the node.
    public var disruptionFactors: [DisruptionNotice.Severity: Double]
    public var language: Language
    public var baselines: DwellBaselines.Policy
    public var lanes: LaneRiskModel.Policy
    /// How resolved tickets tune nodes' expected dwell.
    public var feedback: FeedbackPolicy

    public init(
        thresholds: Thresholds = Thresholds(),
        overrides: [Override] = [],
        returnStallAfter: Double = 24 * 3600,
        presaleHandling: Double = 24 * 3600,
        deliveryRiskThreshold: Double = 0.475,
        disruptionFactors: [DisruptionNotice.Severity: Double] = [.minor: 1.2, .major: 1.5, .severe: 2.0],
        language: Language = .zh,
        baselines: DwellBaselines.Policy = DwellBaselines.Policy(),
        lanes: LaneRiskModel.Policy = LaneRiskModel.Policy(),
        feedback: FeedbackPolicy = FeedbackPolicy()
    ) {
        self.thresholds = thresholds
        self.overrides = overrides
        self.returnStallAfter = returnStallAfter
        self.presaleHandling = presaleHandling
        self.deliveryRiskThreshold = deliveryRiskThreshold
        self.disruptionFactors = disruptionFactors
        self.language = language
        self.baselines = baselines
        self.lanes = lanes
        self.feedback = feedback
    }

    /// The thresholds for a carrier in a region: carrier+region, then carrier, then region, then default.
    public func thresholds(carrier: String, region: String?) -> Thresholds {
        let ranked = overrides.filter { override in
            (override.carrier == nil || override.carrier == carrier)
                && (override.region == nil || override.region == region)
        }.sorted {
            ($0.carrier != nil ? 2 : 0) + ($0.region != nil ? 1 : 0) > ($1.carrier != nil ? 2 : 0)
                + ($1.region != nil ? 1 : 0)
        }
        return ranked.first?.thresholds ?? thresholds
    }
}
