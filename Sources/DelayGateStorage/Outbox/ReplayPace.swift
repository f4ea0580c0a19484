import Foundation

/// When replayed dead deliveries fall due: all at once, or spread at a steady rate.
///
/// A replay of many dead letters, all due at once, has the dispatcher deliver them as fast as
/// it can, which takes the machine's cores from live traffic (and may trip the receiver's rate
/// limits). Spread at a rate, they fall due in steps of about 50 ms (a step holds
/// `rate / 20` deliveries), so the dispatcher still claims them in groups rather than one
/// write transaction per delivery.
///
/// ```swift
/// let pace = ReplayPace(start: Date(), perSecond: 500)
/// pace.due(position: 1_000)  // start + 2 s
/// ```
public struct ReplayPace: Sendable, Hashable {
    /// When the first replayed delivery falls due.
    public var start: Date
    /// Deliveries per second, or nil for all at `start`.
    public var perSecond: Double?

    /// The rates a pace accepts, in deliveries per second: from one every 100 s to a million a
    /// second (beyond that, all at once is the same thing).
    public static let rates: ClosedRange<Double> = 0.01...1_000_000

    /// - Precondition: `perSecond`, when given, lies in ``rates``.
    public init(start: Date, perSecond: Double? = nil) {
        precondition(perSecond.map(Self.rates.contains) ?? true, "a replay rate must lie in \(Self.rates)")
        self.start = start
        self.perSecond = perSecond
    }

    /// How many deliveries fall due together.
    var rowsPerStep: Int {
        guard let perSecond else { return Int(Int32.max) }
        return max(1, Int(perSecond / 20))
    }

    /// The time between one step and the next.
    var step: Duration {
        guard let perSecond else { return .zero }
        return .nanoseconds(Int64(Double(rowsPerStep) / perSecond * 1e9))
    }

    /// When the delivery replayed at `position` (0 for the first) falls due, to the millisecond
    /// as stored (the same arithmetic as ``OutboxStore/replayDead(after:limit:pace:replayed:at:in:)``
    /// does in SQL, so a replay by id and a replay of all dead letters agree).
    public func due(position: Int) -> Date {
        let offset = Int64(Double(position / rowsPerStep) * (step.seconds * 1000))
        return Date(millisecondsSince1970: start.millisecondsSince1970 + offset)
    }

    /// Seconds from the first of `count` replayed deliveries falling due to the last.
    public func span(count: Int) -> TimeInterval {
        count == 0 ? 0 : due(position: count - 1).timeIntervalSince(start)
    }
}
