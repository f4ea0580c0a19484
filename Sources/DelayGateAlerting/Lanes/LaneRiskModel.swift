import Foundation

/// A promised date is a calendar day given as its 00:00; the promise holds until that day ends.
public enum PromisedDay {
    /// The instant the promised day starting at `start` ends: 24 h later.
    public static func end(_ start: Date) -> Date { start.addingTimeInterval(86_400) }

    /// The promise window of a parcel first scanned at `handoff`: from then to the end of the
    /// promised day, in seconds (≤ 0 when the day had already ended).
    public static func window(_ start: Date, handoff: Date) -> Double { end(start).timeIntervalSince(handoff) }
}

/// A lane: where parcels start and end (regions), optionally for one carrier.
public struct LaneKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var carrier: String?
    /// Origin region, `?` when unknown, `*` for any.
    public var origin: String
    /// Destination region, `?` when unknown, `*` for any.
    public var destination: String

    public init(carrier: String? = nil, origin: String?, destination: String?) {
        self.carrier = carrier
        self.origin = origin ?? "?"
        self.destination = destination ?? "?"
    }

    /// Finest first: carrier+lane → lane → any origin to the destination → everything.
    public var fallbackChain: [LaneKey] {
        var chain: [LaneKey] = []
        if carrier != nil { chain.append(self) }
        chain.append(LaneKey(origin: origin, destination: destination))
        chain.append(LaneKey(origin: "*", destination: destination))
        chain.append(LaneKey(origin: "*", destination: "*"))
        return chain
    }

    public var description: String { "\(carrier ?? "*")|\(origin)|\(destination)" }

    public init?(description: String) {
        let parts = description.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return nil }
        carrier = parts[0] == "*" ? nil : parts[0]
        origin = parts[1]
        destination = parts[2]
    }
}

/// How much of its promise window a parcel on a lane uses, learned from delivered parcels, and
/// what that says about an open parcel: the risk that it misses its promised day, when that
/// risk crosses the warning threshold, and its likely delivery window.
///
/// The learned variable is U = transit ÷ W, where W runs from the first scan to the end of the
/// promised day (U ≥ 1 means late). Normalizing by each order's own promise makes lanes and
/// promises comparable. For an open parcel at elapsed t (u = t ÷ W):
/// P(late | not delivered by t) = (#{U ≥ 1} + α) ÷ (#{U > u} + α), and 1 once t ≥ W.
/// On the Olist data this beats "transit > 1.2 × lane mean" by 1.7× in F1 (docs/olist-evaluation.md).
public struct LaneRiskModel: Sendable {
    /// The learned U values of one key: sorted for queries, in arrival order for capping.
    public struct Samples: Sendable, Hashable, Codable {
        public private(set) var sorted: [Double] = []
        private var arrival: [Double] = []

        public init() {}

        public init(values: [Double]) {
            arrival = values
            sorted = values.sorted()
        }

        public var count: Int { sorted.count }

        /// The values in arrival order (oldest first), for persistence.
        public var values: [Double] { arrival }

        mutating func add(_ value: Double, cap: Int) {
            arrival.append(value)
            sorted.insert(value, at: upperBound(value))
            if arrival.count > cap {
                let oldest = arrival.removeFirst()
                let index = lowerBound(oldest)
                if index < sorted.count, sorted[index] == oldest { sorted.remove(at: index) }
            }
        }

        /// Index of the first element ≥ value.
        func lowerBound(_ value: Double) -> Int {
            var low = 0
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] < value { low = mid + 1 } else { high = mid }
            }
            return low
        }

        /// Index of the first element > value.
        func upperBound(_ value: Double) -> Int {
            var low = 0
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] <= value { low = mid + 1 } else { high = mid }
            }
            return low
        }

        /// Samples at or above 1: late deliveries.
        var late: Int { count - lowerBound(1) }
    }

    public struct Policy: Sendable, Hashable {
        /// Samples a key needs before it is used instead of a coarser one.
        public var minimumSamples: Int
        /// Smoothing of the risk ratio.
        public var alpha: Double
        /// Most samples kept per key (the oldest drop out, so the model follows drift).
        public var cap: Int

        public init(minimumSamples: Int = 100, alpha: Double = 0.5, cap: Int = 4096) {
            self.minimumSamples = minimumSamples
            self.alpha = alpha
            self.cap = cap
        }
    }

    public var policy: Policy
    public private(set) var samples: [LaneKey: Samples]
    public private(set) var dirty: Set<LaneKey> = []

    public init(policy: Policy = Policy(), samples: [LaneKey: Samples] = [:]) {
        self.policy = policy
        self.samples = samples
    }

    /// Learns one delivered parcel: it used `transit` of a promise window `window` (both seconds).
    public mutating func learn(_ lane: LaneKey, transit: Double, window: Double) {
        guard transit > 0, window > 0 else { return }
        let u = transit / window
        for key in lane.fallbackChain {
            samples[key, default: Samples()].add(u, cap: policy.cap)
            dirty.insert(key)
        }
    }

    /// The distribution used for a lane: the finest key with enough samples, else the global one.
    public func distribution(for lane: LaneKey) -> (key: LaneKey, samples: Samples)? {
        let chain = lane.fallbackChain
        for key in chain.dropLast() {
            if let found = samples[key], found.count >= policy.minimumSamples { return (key, found) }
        }
        guard let global = chain.last, let found = samples[global], found.count > 0 else { return nil }
        return (global, found)
    }

    /// P(late | not delivered after `elapsed` of a `window`), in 0…1; nil when nothing is learned,
    /// 0 before the window ends when the lane has never been late.
    public func risk(_ lane: LaneKey, elapsed: Double, window: Double) -> Double? {
        if window <= 0 || elapsed >= window { return 1 }
        guard let (_, values) = distribution(for: lane) else { return nil }
        // A lane that has never been late gives no evidence that this parcel will be.
        guard values.late > 0 else { return 0 }
        let u = max(0, elapsed) / window
        let stillOpen = Double(values.count - values.upperBound(u))
        return min(1, (Double(values.late) + policy.alpha) / (stillOpen + policy.alpha))
    }

    /// The first instant at which the risk reaches `threshold`, for a parcel first scanned at
    /// `handoff` with promise window `window` seconds; rounded up to the next second. Nil when
    /// nothing is learned or the lane has never been late.
    public func dueTime(_ lane: LaneKey, handoff: Date, window: Double, threshold: Double) -> Date? {
        if window <= 0 { return handoff }
        guard let (_, values) = distribution(for: lane), values.late > 0 else { return nil }
        let n = values.count
        // #{U > u} may be at most m for the risk to reach the threshold.
        let m = Int(floor((Double(values.late) + policy.alpha) / threshold - policy.alpha + 1e-9))
        var u = m >= n ? 0 : values.sorted[n - m - 1]
        u = min(u, 1)
        var due = (handoff.timeIntervalSince1970 + u * window).rounded(.up)
        if let risk = risk(lane, elapsed: due - handoff.timeIntervalSince1970, window: window), risk < threshold {
            due += 1
        }
        return Date(timeIntervalSince1970: due)
    }

    /// Delivery instants at the given quantiles, given the parcel is still open after `elapsed`.
    public func deliveryWindow(
        _ lane: LaneKey, handoff: Date, window: Double, elapsed: Double, quantiles: [Double] = [0.1, 0.5, 0.9]
    ) -> [Date]? {
        guard window > 0, let (_, values) = distribution(for: lane) else { return nil }
        let start = values.upperBound(max(0, elapsed) / window)
        guard start < values.count else { return nil }
        return quantiles.map { q in
            let index = min(values.count - 1, start + Int(floor(q * Double(values.count - start))))
            return handoff.addingTimeInterval(values.sorted[index] * window)
        }
    }

    public mutating func takeDirtyKeys() -> [LaneKey: Samples] {
        defer { dirty.removeAll() }
        return Dictionary(uniqueKeysWithValues: dirty.compactMap { key in samples[key].map { (key, $0) } })
    }

    public mutating func restore(_ stored: [LaneKey: Samples]) {
        samples.merge(stored) { _, stored in stored }
    }
}
