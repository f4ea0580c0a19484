import Foundation
import Synchronization

/// How each adapter is doing, for `GET /v1/adapters`: the last success and failure, and the
/// error rate over the last hour, for inbound adapters (requests) and outbound ones (deliveries).
///
/// Counts are kept in memory, per minute, since the process started; recording one outcome costs
/// a lock and a dictionary lookup, so the ingest path can afford it.
///
/// ```swift
/// health.record(adapter: "kdniao", success: true, at: now)
/// health.record(adapter: "kdniao", success: false, error: "signature does not match", at: now)
/// health.snapshot(at: now)["kdniao"]?.errorRate   // 0.5
/// ```
public final class AdapterHealth: Sendable {
    /// One adapter's figures.
    public struct Figures: Sendable, Hashable {
        public var lastSuccessAt: Date?
        public var lastFailureAt: Date?
        /// Why the last failure failed (phone numbers and secrets never appear here).
        public var lastError: String?
        /// Outcomes in the window.
        public var successes: Int
        public var failures: Int

        /// Failures over all outcomes in the window; nil when there were none.
        public var errorRate: Double? {
            successes + failures == 0 ? nil : Double(failures) / Double(successes + failures)
        }
    }

    private struct Adapter {
        var lastSuccessAt: Date?
        var lastFailureAt: Date?
        var lastError: String?
        /// Minute number → (successes, failures); only the window's minutes are kept.
        var minutes: [Int64: (successes: Int, failures: Int)] = [:]

        /// Counts one outcome in `minute`; drops the minutes before `oldest` once more than
        /// `kept` have piled up.
        mutating func record(
            success: Bool, error: String?, at now: Date, minute: Int64, keeping kept: Int, from oldest: Int64
        ) {
            if success {
                lastSuccessAt = now
                minutes[minute, default: (0, 0)].successes += 1
            } else {
                lastFailureAt = now
                lastError = error
                minutes[minute, default: (0, 0)].failures += 1
            }
            if minutes.count > kept { minutes = minutes.filter { $0.key >= oldest } }
        }
    }

    /// How far back the error rate looks.
    public let window: Duration
    /// When counting began.
    public let since: Date
    private let adapters = Mutex<[String: Adapter]>([:])

    public init(window: Duration = .seconds(3600), since: Date = Date()) {
        self.window = window
        self.since = since
    }

    public func record(adapter name: String, success: Bool, error: String? = nil, at now: Date) {
        let minute = Int64(now.timeIntervalSince1970 / 60)
        let oldest = minute - Int64(window.components.seconds / 60)
        let kept = 2 * max(1, Int(window.components.seconds / 60))
        adapters.withLock { adapters in
            // Changed in place: a copy taken out and stored back would copy its minutes every time.
            adapters[name, default: Adapter()].record(
                success: success, error: error, at: now, minute: minute, keeping: kept, from: oldest)
        }
    }

    /// Every adapter seen so far, with the outcomes of the window ending at `now`.
    public func snapshot(at now: Date) -> [String: Figures] {
        let minute = Int64(now.timeIntervalSince1970 / 60)
        let oldest = minute - Int64(window.components.seconds / 60)
        return adapters.withLock { adapters in
            adapters.mapValues { adapter in
                let recent = adapter.minutes.filter { $0.key > oldest && $0.key <= minute }.values
                return Figures(
                    lastSuccessAt: adapter.lastSuccessAt, lastFailureAt: adapter.lastFailureAt,
                    lastError: adapter.lastError, successes: recent.reduce(0) { $0 + $1.successes },
                    failures: recent.reduce(0) { $0 + $1.failures })
            }
        }
    }
}
