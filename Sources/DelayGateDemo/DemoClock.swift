import Foundation
import Synchronization

/// The demo's accelerated clock: simulated time runs `speed` times faster than the wall clock,
/// from `start`. The gateway, its scheduler and its outbox read it; the traffic driver sleeps on
/// it. The speed can change on the way (fast-forwarding quiet days) without time jumping, and
/// time can be held still while the gateway catches up with the traffic.
///
/// ```swift
/// let clock = DemoClock(start: day.day, speed: 3600)   // one simulated hour per second
/// gateway = try Gateway(…, clock: clock.now)
/// clock.run()
/// await clock.sleep(until: event.time.instant)
/// ```
public final class DemoClock: Sendable {
    private struct State {
        /// The wall-clock instant and simulated instant the current speed runs from.
        var wall: ContinuousClock.Instant?
        var simulated: Date
        var speed: Double
        var held = false
    }

    private let state: Mutex<State>

    public init(start: Date, speed: Double) {
        precondition(speed > 0, "the demo clock must move forward")
        state = Mutex(State(wall: nil, simulated: start, speed: speed))
    }

    public var speed: Double { state.withLock { $0.speed } }

    /// Starts the clock (time stands still before this).
    public func run() {
        state.withLock { $0.wall = $0.wall ?? .now }
    }

    /// Runs faster or slower from now on.
    public func setSpeed(_ speed: Double) {
        precondition(speed > 0, "the demo clock must move forward")
        state.withLock { state in
            state.simulated = Self.now(state)
            if state.wall != nil { state.wall = .now }
            state.speed = speed
        }
    }

    /// Stops simulated time where it is, until ``resume()``.
    ///
    /// An accelerated clock turns any lag into simulated hours: a scan the gateway has not yet
    /// normalized would make a moving parcel look stalled. Holding the clock while the gateway
    /// catches up keeps what it judges true to the simulated day.
    public func hold() {
        state.withLock { state in
            guard state.wall != nil else { return }
            state.simulated = Self.now(state)
            state.wall = nil
            state.held = true
        }
    }

    /// Lets held time run again from where it stopped.
    public func resume() {
        state.withLock { state in
            guard state.held else { return }
            state.wall = .now
            state.held = false
        }
    }

    /// The simulated instant now.
    public var now: @Sendable () -> Date {
        { [self] in state.withLock { Self.now($0) } }
    }

    private static func now(_ state: State) -> Date {
        guard let wall = state.wall else { return state.simulated }
        let (seconds, attoseconds) = (ContinuousClock.now - wall).components
        return state.simulated.addingTimeInterval((Double(seconds) + Double(attoseconds) / 1e18) * state.speed)
    }

    /// Returns once the simulated clock reaches `instant` (checking at least every 100 ms, so a
    /// change of speed is followed).
    public func sleep(until instant: Date) async {
        while true {
            let ahead = instant.timeIntervalSince(now())
            guard ahead > 0 else { return }
            let real = min(0.1, ahead / speed)
            try? await Task.sleep(for: .nanoseconds(Int64(real * 1e9)))
        }
    }
}
