import Foundation

/// How resolved tickets tune a node's expected dwell (the closed loop).
///
/// A node whose alerts are resolved as false alarms `falseAlarmsToRaise` times in a row gets its
/// feedback factor raised by `raiseStep` (its expected dwell grows, so it alerts later), never
/// beyond `maximumFactor`; each further false alarm raises it again. A confirmed delay ends the
/// streak and moves the factor `decay` of the way back to 1. The factor never drops below 1:
/// feedback only quiets a node that cries wolf, it never makes a node stricter than it learned.
public struct FeedbackPolicy: Sendable, Hashable {
    public var falseAlarmsToRaise: Int
    public var raiseStep: Double
    public var maximumFactor: Double
    public var decay: Double
    /// Half-life of the knowledge graph's edge weights, seconds.
    public var graphHalfLife: TimeInterval

    public init(
        falseAlarmsToRaise: Int = 3, raiseStep: Double = 0.1, maximumFactor: Double = 1.5, decay: Double = 0.5,
        graphHalfLife: TimeInterval = 30 * 86_400
    ) {
        self.falseAlarmsToRaise = falseAlarmsToRaise
        self.raiseStep = raiseStep
        self.maximumFactor = maximumFactor
        self.decay = decay
        self.graphHalfLife = graphHalfLife
    }

    /// A node's factor and streak after one more verdict, with the reason when the factor changed.
    public struct Step: Sendable, Hashable {
        public var factor: Double
        public var falseAlarmStreak: Int
        /// Why the factor changed; nil when it did not.
        public var reason: String?
    }

    /// What a verdict does to a node with `factor` and `streak`.
    public func step(factor: Double, streak: Int, falseAlarm: Bool) -> Step {
        if falseAlarm {
            let streak = streak + 1
            guard streak >= falseAlarmsToRaise else { return Step(factor: factor, falseAlarmStreak: streak) }
            let raised = Self.rounded(min(maximumFactor, factor * (1 + raiseStep)))
            guard raised > factor else { return Step(factor: factor, falseAlarmStreak: streak) }
            return Step(
                factor: raised, falseAlarmStreak: streak,
                reason: "\(streak) false alarms in a row: expected dwell × \(Self.format(raised))")
        }
        var decayed = Self.rounded(1 + (factor - 1) * (1 - decay))
        if decayed - 1 < 0.005 { decayed = 1 }
        guard decayed != factor else { return Step(factor: factor, falseAlarmStreak: 0) }
        return Step(
            factor: decayed, falseAlarmStreak: 0,
            reason: "confirmed delay: expected dwell × \(Self.format(decayed))")
    }

    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}
