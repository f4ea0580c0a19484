import Foundation

/// A streaming, exponentially decayed histogram of durations on a logarithmic scale, for
/// quantiles of dwell times that follow drift (a hub that gets slower is learned within a few
/// half-lives).
///
/// Buckets grow by 10 % from 10 s to about 90 days, so a quantile is within one bucket (10 %) of
/// the true value, usually much closer; memory is fixed (~140 weights) whatever the number of samples.
public struct QuantileSketch: Sendable, Hashable, Codable {
    static let minimum = 10.0
    static let growth = 1.1
    static let bucketCount = 142

    /// Decayed weight per bucket.
    public private(set) var weights: [Double]
    public private(set) var totalWeight: Double

    public init() {
        weights = Array(repeating: 0, count: Self.bucketCount)
        totalWeight = 0
    }

    static func bucket(of seconds: Double) -> Int {
        guard seconds > minimum else { return 0 }
        return min(bucketCount - 1, Int(log(seconds / minimum) / log(growth)) + 1)
    }

    /// The lower edge of a bucket.
    static func lowerEdge(_ bucket: Int) -> Double {
        bucket == 0 ? 0 : minimum * pow(growth, Double(bucket - 1))
    }

    /// Adds a sample with weight 1 after multiplying the existing weights by `decay`.
    public mutating func add(_ seconds: Double, decay: Double) {
        if decay < 1 {
            for index in weights.indices where weights[index] > 0 { weights[index] *= decay }
            totalWeight *= decay
        }
        weights[Self.bucket(of: seconds)] += 1
        totalWeight += 1
    }

    /// The q-quantile (0…1), interpolated geometrically inside its bucket; nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard totalWeight > 0 else { return nil }
        let target = min(max(q, 0), 1) * totalWeight
        var cumulative = 0.0
        for (index, weight) in weights.enumerated() where weight > 0 {
            if cumulative + weight >= target {
                let fraction = (target - cumulative) / weight
                let low = index == 0 ? 1 : Self.lowerEdge(index)
                let high = Self.lowerEdge(index + 1)
                return low * pow(high / low, fraction)
            }
            cumulative += weight
        }
        return Self.lowerEdge(Self.bucketCount)
    }
}
