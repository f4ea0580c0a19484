import DelayGateConfig
import DelayGateOutbound
import Testing

/// The retry schedule of `actions.yaml`: exponential, spread by ±jitter, days long by default.
@Suite("Retry schedule")
struct RetryScheduleTests {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test("each delay falls within ±jitter of base × 2^(n-1), capped, never zero")
    func spreadAroundTheNominalDelay() {
        let retry = ActionSettings.Retry(base: .seconds(30), cap: .seconds(3600), maxAttempts: 10, jitter: 0.2)
        for attempt in 1...12 {
            let nominal = min(3600, 30 * Double(1 << (attempt - 1)))
            #expect(Self.seconds(retry.delay(afterAttempt: attempt, random: 0)) == nominal * 0.8)
            #expect(Self.seconds(retry.delay(afterAttempt: attempt, random: 0.5)) == nominal)
            #expect(Self.seconds(retry.delay(afterAttempt: attempt, random: 0.999_999)) < nominal * 1.2)
            #expect(Self.seconds(retry.delay(afterAttempt: attempt, random: 0.999_999)) > nominal * 1.199)
        }
    }

    @Test("the default schedule retries for at least three days, even with every delay at its shortest")
    func defaultSpansThreeDays() {
        let retry = ActionSettings.Retry()
        #expect(retry.jitter == 0.2)
        #expect(Self.seconds(retry.shortestSpan) >= 3 * 86_400)
        #expect(Self.seconds(retry.worstCaseSpan) / Self.seconds(retry.shortestSpan) > 1.49)
    }

    @Test("retry.jitter is read from actions.yaml, defaults to 0.2, and is refused outside 0 ..< 1")
    func jitterSetting() throws {
        let decoder = ConfigDecoder(environment: [:])
        let set = try ActionSettings.parse(
            yaml: "retry: {base_seconds: 5, jitter: 0.5}", path: "a.yaml", decoder: decoder)
        #expect(set.retry.jitter == 0.5)
        #expect(throws: ConfigError.self) {
            try ActionSettings.parse(yaml: "retry: {jitter: 1}", path: "a.yaml", decoder: decoder)
        }
        #expect(set.retry.base == .seconds(5))
        #expect(set.retry.maxAttempts == ActionSettings.Retry().maxAttempts)
        let unset = try ActionSettings.parse(yaml: "retry: {base_seconds: 5}", path: "a.yaml", decoder: decoder)
        #expect(unset.retry.jitter == 0.2)
        #expect(throws: ConfigError.self) {
            try ActionSettings.parse(yaml: "retry: {jitter: 1.5}", path: "a.yaml", decoder: decoder)
        }
        do {
            _ = try ActionSettings.parse(yaml: "retry: {jitter: -0.1}", path: "a.yaml", decoder: decoder)
            Issue.record("a negative jitter was accepted")
        } catch {
            #expect("\(error)".contains("retry.jitter"))
        }
    }
}
