import DelayGateMocks
import Testing

@Suite("FaultPlan")
struct FaultPlanTests {
    @Test("the script is consumed in order, then normal service")
    func script() {
        var plan = FaultPlan.scripted(.status(503), .drop, .delay(.seconds(1)))
        #expect(plan.next() == .status(503))
        #expect(plan.next() == .drop)
        #expect(plan.next() == .delay(.seconds(1)))
        #expect(plan.next() == nil)
        #expect(plan.isEmpty)
    }

    @Test("the random mode is repeatable from its seed and mixes every kind of fault")
    func random() {
        func draw(_ seed: UInt64) -> [FaultPlan.Fault?] {
            var plan = FaultPlan.random(probability: 0.3, seed: seed)
            return (0..<400).map { _ in plan.next() }
        }
        let first = draw(42)
        #expect(first == draw(42))
        #expect(first != draw(43))
        let faults = first.compactMap { $0 }
        #expect((80...160).contains(faults.count))
        #expect(faults.contains(.status(500)))
        #expect(faults.contains(.rateLimited(retryAfter: 1)))
        #expect(faults.contains(.delay(.seconds(2))))
        #expect(faults.contains(.drop))
    }

    @Test("scripted faults come before random ones; weights can exclude kinds")
    func weights() {
        var plan = FaultPlan(
            script: [.status(502)],
            random: .init(
                probability: 1, seed: 1, serverErrorWeight: 0, rateLimitedWeight: 0, delayWeight: 0, dropWeight: 1))
        #expect(plan.next() == .status(502))
        #expect((0..<10).allSatisfy { _ in plan.next() == .drop })
    }
}
