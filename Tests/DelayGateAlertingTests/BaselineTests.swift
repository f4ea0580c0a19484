import DelayGateAlerting
import DelayGateModel
import Foundation
import Testing

@Suite("Learned baselines")
struct BaselineTests {
    let start = Date(timeIntervalSince1970: 1_794_000_000)

    @Test("quantiles of the sketch are within the bucket width of the true ones")
    func sketchAccuracy() {
        var sketch = QuantileSketch()
        var generator = SplitMix(seed: 7)
        var values: [Double] = []
        for _ in 0..<20_000 {
            let value = 3600 * exp(0.3 * generator.normal())  // lognormal around 1 h
            values.append(value)
            sketch.add(value, decay: 1)
        }
        values.sort()
        for q in [0.1, 0.5, 0.9, 0.99] {
            let truth = values[Int(q * Double(values.count))]
            let estimate = sketch.quantile(q)!
            #expect(abs(estimate / truth - 1) < 0.06, "q\(q): \(estimate) vs \(truth)")
        }
    }

    @Test("decay lets the baseline follow a node that gets slower")
    func drift() {
        var stats = DwellStatistics()
        for i in 0..<200 {
            stats.learn(3600, at: start.addingTimeInterval(Double(i) * 600), halfLife: .seconds(86_400))
        }
        for i in 0..<200 {
            stats.learn(7200, at: start.addingTimeInterval(86_400 * 10 + Double(i) * 600), halfLife: .seconds(86_400))
        }
        #expect(stats.samples == 400)
        #expect(abs(stats.mean! - 7200) < 200)
        #expect(stats.quantile(0.5)! > 6000)
    }

    @Test("a node with too few samples falls back to coarser keys, then to the configured default")
    func fallbackChain() {
        var baselines = DwellBaselines(policy: .init(minimumSamples: 30))
        let hangzhou = NodeKey(carrier: "zto", facility: "HZHUB", milestone: .hubArrival)
        let other = NodeKey(carrier: "zto", facility: "SHHUB", milestone: .hubArrival)
        #expect(baselines.expected(for: hangzhou).key == nil)
        #expect(baselines.expected(for: hangzhou).seconds == 12 * 3600)
        for i in 0..<40 { baselines.learn(other, seconds: 3600 + Double(i), at: start) }
        // Hangzhou has no samples of its own: the carrier's arrivals anywhere are used.
        let carrierWide = baselines.expected(for: hangzhou)
        #expect(carrierWide.key == NodeKey(carrier: "zto", facility: nil, milestone: .hubArrival))
        for i in 0..<40 { baselines.learn(hangzhou, seconds: 7200 + Double(i), at: start) }
        let own = baselines.expected(for: hangzhou)
        #expect(own.key == hangzhou)
        #expect(abs(own.seconds / 7236 - 1) < 0.1)  // one bucket
        #expect(NodeKey(description: hangzhou.description) == hangzhou)
        #expect(baselines.takeDirtyKeys().count == 6)  // the union of both chains
        #expect(baselines.takeDirtyKeys().isEmpty)
    }

    @Test("peak seasons by month-day every year, and by fixed dates")
    func calendar() {
        let calendar = SeasonCalendar(
            windows: SeasonCalendar.standard + [
                .init(
                    name: "Spring Festival 2027",
                    span: .dates(
                        from: Date(timeIntervalSince1970: 1_801_929_600), to: Date(timeIntervalSince1970: 1_803_139_200)
                    ),
                    factor: 2.0)
            ])
        // 2026-11-11 12:00 +08:00 and 2027-11-12 are both inside Double-11.
        #expect(calendar.factor(at: Date(timeIntervalSince1970: 1_794_369_600)) == (1.6, "Double-11"))
        #expect(calendar.factor(at: Date(timeIntervalSince1970: 1_794_369_600 + 365 * 86_400)).factor == 1.6)
        #expect(calendar.factor(at: Date(timeIntervalSince1970: 1_795_000_000)).factor == 1)
        #expect(calendar.factor(at: Date(timeIntervalSince1970: 1_802_000_000)) == (2.0, "Spring Festival 2027"))
    }
}

/// A small deterministic generator for tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal() -> Double {
        let u1 = max(Double.random(in: 0..<1, using: &self), 1e-12)
        let u2 = Double.random(in: 0..<1, using: &self)
        return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
    }
}
