import DelayGateModel
import Foundation

/// Learned dwell per node, with the fallback chain used when a node has too few samples.
///
/// Samples are stored de-seasonalized (divided by the peak-season factor in force when the
/// parcel arrived), so that a Double-11 week does not teach the gateway that slow is normal; the
/// evaluator multiplies the factor back in.
///
/// ```swift
/// var baselines = DwellBaselines(policy: .init())
/// baselines.learn(node, seconds: 7200, at: arrival)
/// let expectation = baselines.expected(for: node)   // p90 of the finest trusted key, or the default
/// ```
public struct DwellBaselines: Sendable {
    public struct Policy: Sendable, Hashable {
        /// Quantile of the learned dwell used as the baseline (0.9 keeps false alarms on normal parcels rare).
        public var quantile: Double
        /// Samples a key needs before it is trusted.
        public var minimumSamples: Int
        /// Half-life of the decay: older dwells count half as much after this long.
        public var halfLife: Duration
        /// Expected dwell per milestone when no key is trusted yet.
        public var defaults: [Milestone: Double]
        /// Expected dwell for anything else.
        public var fallback: Double

        public init(
            quantile: Double = 0.9,
            minimumSamples: Int = 15,
            halfLife: Duration = .seconds(14 * 86_400),
            defaults: [Milestone: Double] = Self.standardDefaults,
            fallback: Double = 24 * 3600
        ) {
            self.quantile = quantile
            self.minimumSamples = minimumSamples
            self.halfLife = halfLife
            self.defaults = defaults
            self.fallback = fallback
        }

        /// Conservative starting points for a new install with no history.
        public static let standardDefaults: [Milestone: Double] = [
            .labelCreated: 48 * 3600, .pickedUp: 24 * 3600, .hubArrival: 12 * 3600, .hubDeparture: 36 * 3600,
            .customsStarted: 72 * 3600, .customsCleared: 24 * 3600, .outForDelivery: 12 * 3600,
            .awaitingPickup: 72 * 3600, .attemptFailed: 24 * 3600, .returning: 72 * 3600, .exception: 24 * 3600,
        ]
    }

    /// Where an expected dwell came from.
    public struct Expectation: Sendable, Hashable {
        /// The baseline in seconds (before season, disruption and feedback factors).
        public var seconds: Double
        /// The decayed mean of the same key, for explanations.
        public var mean: Double?
        /// The key that was trusted; nil when the configured default was used.
        public var key: NodeKey?
        public var samples: Int
    }

    public var policy: Policy
    public private(set) var statistics: [NodeKey: DwellStatistics]
    /// Keys changed since ``takeDirtyKeys()`` was last called (for persistence).
    public private(set) var dirty: Set<NodeKey> = []

    public init(policy: Policy = Policy(), statistics: [NodeKey: DwellStatistics] = [:]) {
        self.policy = policy
        self.statistics = statistics
    }

    /// Learns one completed, de-seasonalized dwell for a node and all its fallback keys.
    public mutating func learn(_ node: NodeKey, seconds: Double, at instant: Date) {
        guard seconds > 0, seconds.isFinite else { return }
        for key in node.fallbackChain {
            statistics[key, default: DwellStatistics()].learn(seconds, at: instant, halfLife: policy.halfLife)
            dirty.insert(key)
        }
    }

    /// The baseline for a node: the configured quantile of the finest key with enough samples.
    public func expected(for node: NodeKey) -> Expectation {
        for key in node.fallbackChain {
            if let stats = statistics[key], stats.samples >= policy.minimumSamples,
                let value = stats.quantile(policy.quantile)
            {
                return Expectation(seconds: value, mean: stats.mean, key: key, samples: stats.samples)
            }
        }
        let seconds = policy.defaults[node.milestone] ?? policy.fallback
        return Expectation(seconds: seconds, mean: nil, key: nil, samples: 0)
    }

    /// The keys changed since the last call, and forgets them.
    public mutating func takeDirtyKeys() -> [NodeKey: DwellStatistics] {
        defer { dirty.removeAll() }
        return Dictionary(uniqueKeysWithValues: dirty.compactMap { key in statistics[key].map { (key, $0) } })
    }

    /// Installs stored statistics (at start-up).
    public mutating func restore(_ stored: [NodeKey: DwellStatistics]) {
        statistics.merge(stored) { _, stored in stored }
    }
}
