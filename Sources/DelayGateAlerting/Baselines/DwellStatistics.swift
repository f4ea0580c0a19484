import Foundation

/// What DelayGate has learned about the dwell at one node: a decayed mean and a decayed
/// quantile sketch, both with the same half-life, and how many samples it has seen.
public struct DwellStatistics: Sendable, Hashable, Codable {
    /// Samples seen (not decayed): a key is trusted once this reaches the policy's minimum.
    public private(set) var samples: Int
    public private(set) var decayedSum: Double
    public private(set) var decayedWeight: Double
    public private(set) var sketch: QuantileSketch
    /// Instant of the last sample (seconds since 1970), for decay.
    public private(set) var lastUpdate: Double

    public init() {
        samples = 0
        decayedSum = 0
        decayedWeight = 0
        sketch = QuantileSketch()
        lastUpdate = 0
    }

    /// Learns one completed dwell, observed at `instant`.
    public mutating func learn(_ seconds: Double, at instant: Date, halfLife: Duration) {
        let now = instant.timeIntervalSince1970
        let halfLifeSeconds = Double(halfLife.components.seconds)
        let elapsed = max(0, now - lastUpdate)
        let decay = samples == 0 || halfLifeSeconds <= 0 ? 1 : pow(0.5, elapsed / halfLifeSeconds)
        decayedSum = decayedSum * decay + seconds
        decayedWeight = decayedWeight * decay + 1
        sketch.add(seconds, decay: decay)
        samples += 1
        lastUpdate = max(lastUpdate, now)
    }

    /// The decayed mean dwell in seconds.
    public var mean: Double? { decayedWeight > 0 ? decayedSum / decayedWeight : nil }

    public func quantile(_ q: Double) -> Double? { sketch.quantile(q) }
}
