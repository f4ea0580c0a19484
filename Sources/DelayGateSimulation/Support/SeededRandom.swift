/// SplitMix64 (Steele, Lea, Flood 2014): turns one 64-bit seed into a stream of well-mixed
/// words. Used to derive independent per-order streams and to seed ``Xoshiro256StarStar``.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One-shot mix of a few words into one (a seed for a sub-stream).
    static func mix(_ words: UInt64...) -> UInt64 {
        var generator = SplitMix64(seed: 0x5EED_DE1A_9A7E_0001)
        var result: UInt64 = 0
        for word in words {
            generator.state ^= word
            result = generator.next()
        }
        return result
    }
}

/// xoshiro256** (Blackman, Vigna 2018): the simulator's generator. Deterministic for a seed on
/// every platform, unlike `SystemRandomNumberGenerator`.
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    init(seed: UInt64) {
        var seeder = SplitMix64(seed: seed)
        s0 = seeder.next()
        s1 = seeder.next()
        s2 = seeder.next()
        s3 = seeder.next()
    }

    /// A generator for one sub-stream (an order, the network, a day's order times).
    init(seed: UInt64, stream: UInt64, index: UInt64 = 0) {
        self.init(seed: SplitMix64.mix(seed, stream, index))
    }

    mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [lower, upper).
    mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * unit()
    }

    /// Uniform integer in 0..<count.
    mutating func below(_ count: Int) -> Int {
        precondition(count > 0)
        return Int(next() % UInt64(count))
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// An index drawn with the given cumulative weights (last element = total).
    mutating func pick(cumulative: [Double]) -> Int {
        let target = unit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}

/// Running sums of weights, for ``Xoshiro256StarStar/pick(cumulative:)``.
func cumulativeSums(_ weights: [Double]) -> [Double] {
    var total = 0.0
    return weights.map { weight in
        total += weight
        return total
    }
}
