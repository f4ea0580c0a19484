import Foundation

/// The true distribution of one dwell: how long a parcel stays at a node (or on a linehaul
/// leg) before its next scan, on a day without a peak.
///
/// It is a lognormal with median ``medianSeconds`` and shape ``sigma``, truncated to
/// [``minSeconds``, ``maxSeconds``]: clean parcels never dwell outside that range, and the upper
/// bound is exactly 1.1 × ``p90Seconds`` so no clean parcel looks like a stall. On a peak day
/// every dwell that starts that day is multiplied by the ``PeakCalendar`` factor, so the bounds
/// and quantiles scale by the same factor (``scaled(by:)``).
///
/// ```swift
/// let hub = day.network.dwell(carrier: "zto", facilityCode: "ZT571H", milestone: .hubArrival)!
/// hub.p90Seconds               // 90 % of clean parcels leave the hub within this
/// hub.scaled(by: 1.6).maxSeconds // the longest clean dwell for arrivals on 11 November
/// ```
public struct DwellDistribution: Hashable, Sendable, Codable {
    /// Median of the underlying (untruncated) lognormal, e^μ.
    public var medianSeconds: Double
    /// Shape of the lognormal (standard deviation of the log dwell).
    public var sigma: Double
    /// Shortest clean dwell (the lognormal's 0.5 % quantile, at least a minute).
    public var minSeconds: Double
    /// Longest clean dwell: 1.1 × ``p90Seconds``.
    public var maxSeconds: Double
    /// Median of the truncated distribution (what clean parcels actually show).
    public var p50Seconds: Double
    /// 90th percentile of the truncated distribution: the yardstick injected stalls are sized by.
    public var p90Seconds: Double

    /// The truncated lognormal with this median and shape; bounds and quantiles are computed.
    public init(medianSeconds: Double, sigma: Double) {
        precondition(medianSeconds > 0 && sigma > 0)
        self.medianSeconds = medianSeconds
        self.sigma = sigma
        let low = max(60, medianSeconds * exp(sigma * StandardNormal.quantile(0.005)))
        // The upper bound is 1.1 × the p90 of the distribution it truncates: a fixed point of
        // high ↦ 1.1 × p90(high). The map contracts (cutting the tail moves the p90 less than
        // the cut), but for wide shapes only by about half a step, so iterate until it settles.
        var high = 1.1 * medianSeconds * exp(sigma * StandardNormal.quantile(0.9))
        for _ in 0..<200 {
            let next = 1.1 * Self.truncatedQuantile(0.9, median: medianSeconds, sigma: sigma, low: low, high: high)
            let settled = abs(next - high) <= 1e-12 * high
            high = next
            if settled { break }
        }
        minSeconds = low
        maxSeconds = high
        p50Seconds = Self.truncatedQuantile(0.5, median: medianSeconds, sigma: sigma, low: low, high: high)
        p90Seconds = Self.truncatedQuantile(0.9, median: medianSeconds, sigma: sigma, low: low, high: high)
    }

    /// The `p` quantile (0 < p < 1) of the truncated distribution, in seconds.
    public func quantile(_ p: Double) -> Double {
        Self.truncatedQuantile(p, median: medianSeconds, sigma: sigma, low: minSeconds, high: maxSeconds)
    }

    /// The distribution of a dwell that starts on a day with calendar factor `factor`: every
    /// draw, bound and quantile multiplied by it.
    public func scaled(by factor: Double) -> DwellDistribution {
        var copy = self
        copy.medianSeconds *= factor
        copy.minSeconds *= factor
        copy.maxSeconds *= factor
        copy.p50Seconds *= factor
        copy.p90Seconds *= factor
        return copy
    }

    static func truncatedQuantile(_ p: Double, median: Double, sigma: Double, low: Double, high: Double) -> Double {
        let a = StandardNormal.cdf(log(low / median) / sigma)
        let b = StandardNormal.cdf(log(high / median) / sigma)
        return median * exp(sigma * StandardNormal.quantile(a + p * (b - a)))
    }
}

/// A dwell distribution with its truncation masses computed once, for fast sampling.
struct DwellSampler: Sendable {
    let distribution: DwellDistribution
    private let lowerMass: Double
    private let massWidth: Double
    private let logMedian: Double

    init(_ distribution: DwellDistribution) {
        self.distribution = distribution
        let a = StandardNormal.cdf(log(distribution.minSeconds / distribution.medianSeconds) / distribution.sigma)
        let b = StandardNormal.cdf(log(distribution.maxSeconds / distribution.medianSeconds) / distribution.sigma)
        lowerMass = a
        massWidth = b - a
        logMedian = log(distribution.medianSeconds)
    }

    /// A clean dwell in whole seconds for a dwell that starts on a day with calendar `factor`;
    /// always within [⌊min × factor⌋, ⌊max × factor⌋].
    func draw(_ rng: inout Xoshiro256StarStar, factor: Double) -> Int32 {
        let p = lowerMass + rng.unit() * massWidth
        let clamped = min(max(p, 1e-300), 1 - 1e-16)
        var seconds = exp(logMedian + distribution.sigma * StandardNormal.approximateQuantile(clamped))
        // Guard the bounds against rounding in the approximation.
        seconds = min(max(seconds, distribution.minSeconds), distribution.maxSeconds)
        return Int32((seconds * factor).rounded(.down))
    }
}
