/// Faults a mock injects, shared by every mock: a scripted queue consumed first, then an optional seeded
/// random mode for reliability runs.
///
/// Each mock consults its plan once per request to a fault-able endpoint (the ones that create objects;
/// lookups and token endpoints are listed per mock in `mocks/README.md`). A request answered with a
/// fault never creates an object, except `.delay`, which is a slow answer rather than a failure.
///
/// ```swift
/// zendesk.setFaults(FaultPlan(script: [.status(503), .status(503), .status(503)]))
/// zendesk.setFaults(.random(probability: 0.2, seed: 42, delay: .seconds(3)))
/// ```
public struct FaultPlan: Sendable, Hashable {
    /// One injected answer.
    public enum Fault: Sendable, Hashable {
        /// Answer this HTTP status in the vendor's error shape, with `Retry-After` when given.
        case status(Int, retryAfter: Int? = nil)
        /// The vendor's own flow-control answer: HTTP 429 with `Retry-After` in the vendor's shape
        /// (Aliyun answers HTTP 200 with `Code` `isv.BUSINESS_LIMIT_CONTROL` instead, as it does).
        case rateLimited(retryAfter: Int? = 1)
        /// Handle the request normally (the object is created), but hold the answer this long. A
        /// client whose timeout is shorter sees a timeout for a request that did take effect.
        case delay(Duration)
        /// Close the TCP connection without answering; nothing is created.
        case drop
    }

    /// How the random mode picks a fault, with relative weights.
    public struct Random: Sendable, Hashable {
        /// Chance that a request is faulted, 0…1.
        public var probability: Double
        /// Seed of the generator; the same seed and request order give the same faults.
        public var seed: UInt64
        /// Relative weight of `.status(500)`.
        public var serverErrorWeight: Double
        /// Relative weight of `.rateLimited(retryAfter:)`.
        public var rateLimitedWeight: Double
        /// Relative weight of `.delay(delay)`.
        public var delayWeight: Double
        /// Relative weight of `.drop`.
        public var dropWeight: Double
        /// How long a delayed answer is held; choose it beyond the client's timeout.
        public var delay: Duration
        /// The `Retry-After` seconds of rate-limited answers.
        public var retryAfter: Int

        public init(
            probability: Double, seed: UInt64, serverErrorWeight: Double = 1, rateLimitedWeight: Double = 1,
            delayWeight: Double = 1, dropWeight: Double = 1, delay: Duration = .seconds(2), retryAfter: Int = 1
        ) {
            self.probability = probability
            self.seed = seed
            self.serverErrorWeight = serverErrorWeight
            self.rateLimitedWeight = rateLimitedWeight
            self.delayWeight = delayWeight
            self.dropWeight = dropWeight
            self.delay = delay
            self.retryAfter = retryAfter
        }
    }

    /// Answers still to give, first to last; consumed before the random mode is asked.
    public var script: [Fault]
    /// The random mode, if any.
    public var random: Random? {
        didSet { generator = SplitMix64(seed: random?.seed ?? 0) }
    }
    private var generator: SplitMix64

    public init(script: [Fault] = [], random: Random? = nil) {
        self.script = script
        self.random = random
        self.generator = SplitMix64(seed: random?.seed ?? 0)
    }

    /// No faults.
    public static var none: FaultPlan { FaultPlan() }

    /// The given answers in order, then normal service.
    public static func scripted(_ faults: Fault...) -> FaultPlan { FaultPlan(script: faults) }

    /// Seeded random faults: a 500, a rate-limit answer, a delayed answer or a dropped connection in equal
    /// measure, each request with chance `probability`.
    public static func random(
        probability: Double, seed: UInt64, delay: Duration = .seconds(2), retryAfter: Int = 1
    ) -> FaultPlan {
        FaultPlan(random: Random(probability: probability, seed: seed, delay: delay, retryAfter: retryAfter))
    }

    /// Whether neither a scripted answer nor a random mode is left.
    public var isEmpty: Bool { script.isEmpty && random == nil }

    /// The fault for the next request, or `nil` for a normal answer.
    public mutating func next() -> Fault? {
        if !script.isEmpty { return script.removeFirst() }
        guard let random, random.probability > 0 else { return nil }
        guard generator.nextUnit() < random.probability else { return nil }
        let weights = [
            random.serverErrorWeight, random.rateLimitedWeight, random.delayWeight, random.dropWeight,
        ].map { max(0, $0) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return nil }
        var pick = generator.nextUnit() * total
        var index = 0
        while index < weights.count - 1 && pick >= weights[index] {
            pick -= weights[index]
            index += 1
        }
        switch index {
        case 0: return .status(500)
        case 1: return .rateLimited(retryAfter: random.retryAfter)
        case 2: return .delay(random.delay)
        default: return .drop
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same sequence on every platform.
struct SplitMix64: Sendable, Hashable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
