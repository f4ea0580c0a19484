import DelayGateAlerting
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Synchronization

/// The alert engine's learned state, shared by the normalizer (which teaches it) and the
/// scheduler (which reads a snapshot per tick).
public final class AlertModel: Sendable {
    private struct State: Sendable {
        var baselines: DwellBaselines
        var lanes: LaneRiskModel
        var disruptions: [String: DisruptionNotice] = [:]
        /// Feedback factor by node identifier (``TrackingNode/identifier``); 1 when absent.
        var feedbackFactors: [String: Double] = [:]
        /// Whether lanes learn from deliveries as they happen (off when replaying a frozen evaluation).
        var learnsLanes = true
        /// Whether nodes learn from completed dwells as they happen (off for a frozen evaluation).
        var learnsDwells = true
    }

    public let policy: AlertPolicy
    public let calendar: SeasonCalendar
    public let playbook: Playbook
    /// Turns recorded alerts into outbox deliveries; nil records the playbook's actions only.
    public let planner: (any ActionPlanner)?
    private let state: Mutex<State>

    public init(
        policy: AlertPolicy = AlertPolicy(), calendar: SeasonCalendar = SeasonCalendar(),
        playbook: Playbook = Playbook(), planner: (any ActionPlanner)? = nil
    ) {
        self.policy = policy
        self.calendar = calendar
        self.playbook = playbook
        self.planner = planner
        self.state = Mutex(
            State(baselines: DwellBaselines(policy: policy.baselines), lanes: LaneRiskModel(policy: policy.lanes)))
    }

    /// An evaluator over a snapshot of what has been learned so far.
    public func evaluator() -> AlertEvaluator {
        state.withLock { AlertEvaluator(policy: policy, baselines: $0.baselines, lanes: $0.lanes, calendar: calendar) }
    }

    /// Disruption notices in force at `instant` or announced for later.
    public func disruptions(notEndedAt instant: Date) -> [DisruptionNotice] {
        state.withLock {
            $0.disruptions.values.filter { notice in notice.validTo.map { $0 > instant } ?? true }.sorted {
                $0.id < $1.id
            }
        }
    }

    /// Freezes (or resumes) live lane learning; ``teachLane(_:transit:window:)`` still teaches.
    public func setLearnsLanes(_ learns: Bool) {
        state.withLock { $0.learnsLanes = learns }
    }

    /// Freezes (or resumes) live dwell learning through ``learnDwells(before:events:)``;
    /// ``learnDwell(_:seconds:since:)`` still teaches.
    public func setLearnsDwells(_ learns: Bool) {
        state.withLock { $0.learnsDwells = learns }
    }

    // MARK: Learning

    /// Learns a completed dwell: the parcel sat at `node` from `since` for `seconds`.
    public func learnDwell(_ node: NodeKey, seconds: Double, since: Date) {
        // Stored de-seasonalized, so that a peak week does not teach that slow is normal.
        let factor = calendar.factor(at: since).factor
        state.withLock { $0.baselines.learn(node, seconds: seconds / factor, at: since) }
    }

    /// Learns every dwell that `events` complete for one shipment: from the state `before` them
    /// (when the parcel was open) and between consecutive scans, in time order. Events older
    /// than the known state, status reports and anything after a terminal milestone teach
    /// nothing. `destination` (the parcel's destination region) keys departures, whose length
    /// depends on where the parcel goes. Returns how many dwells were learned.
    @discardableResult
    public func learnDwells(before: Shipment?, events: [TrackingEvent], destination: String? = nil) -> Int {
        guard state.withLock({ $0.learnsDwells }) else { return 0 }
        var points: [(since: Date, node: NodeKey)] = []
        var previousEnd = Date.distantPast
        if let before {
            guard before.isOpen else { return 0 }
            points.append((before.currentSince, NodeKey(shipment: before, destination: destination)))
            previousEnd = before.currentSince
        }
        let fresh = events.filter { !$0.details.statusOnly && $0.time.instant > previousEnd }
            .sorted { $0.time.instant < $1.time.instant }
        for event in fresh {
            points.append((event.time.instant, NodeKey(event: event, destination: destination)))
            if event.milestone.isTerminal { break }
        }
        var learned = 0
        for (start, end) in zip(points, points.dropFirst())
        where end.since > start.since && !start.node.milestone.isTerminal {
            learnDwell(start.node, seconds: end.since.timeIntervalSince(start.since), since: start.since)
            learned += 1
        }
        return learned
    }

    /// Learns a delivered parcel's use of its promise window.
    public func learnLane(_ lane: LaneKey, transit: Double, window: Double) {
        state.withLock { state in
            guard state.learnsLanes else { return }
            state.lanes.learn(lane, transit: transit, window: window)
        }
    }

    /// Learns a lane sample even while live lane learning is off (bootstrapping from history).
    public func teachLane(_ lane: LaneKey, transit: Double, window: Double) {
        state.withLock { $0.lanes.learn(lane, transit: transit, window: window) }
    }

    /// Learns one finished journey of history (a bootstrap, as `delaygate baselines import`
    /// does): the dwells of its events and, when it was delivered against a promise, its lane.
    /// - Returns: how many dwells were learned.
    @discardableResult
    public func teachJourney(_ events: [TrackingEvent], of order: Order) -> Int {
        let learned = learnDwells(before: nil, events: events, destination: order.destination.region)
        if let promised = order.promisedDeliveryDate, let first = events.first,
            let delivered = events.first(where: { $0.milestone == .delivered })
        {
            teachLane(
                LaneKey(carrier: first.carrier, origin: first.node.region, destination: order.destination.region),
                transit: delivered.time.instant.timeIntervalSince(first.time.instant),
                window: PromisedDay.window(promised, handoff: first.time.instant))
        }
        return learned
    }

    /// The multiplier resolved tickets put on a node's expected dwell (1 when none did).
    public func feedbackFactor(for node: String?) -> Double {
        guard let node else { return 1 }
        return state.withLock { $0.feedbackFactors[node] ?? 1 }
    }

    /// Sets a node's feedback factor (the closed loop, after a helpdesk verdict).
    public func setFeedbackFactor(_ factor: Double, for node: String) {
        state.withLock { $0.feedbackFactors[node] = factor == 1 ? nil : factor }
    }

    public func remember(_ notice: DisruptionNotice) {
        state.withLock { $0.disruptions[notice.id] = notice }
    }

    // MARK: Persistence

    /// Loads stored baselines, lanes, disruption notices and feedback factors (at start-up).
    public func load(from database: any DatabaseReader) throws {
        let (baselines, lanes, notices, factors) = try database.read { db in
            (
                try LearnedStateStore.load(.baselines, in: db), try LearnedStateStore.load(.lanes, in: db),
                try DisruptionStore.all(in: db), try FeedbackStore.factors(in: db)
            )
        }
        let decoder = JSONDecoder()
        let stats = Dictionary(
            uniqueKeysWithValues: baselines.compactMap { key, json -> (NodeKey, DwellStatistics)? in
                guard let node = NodeKey(description: key),
                    let value = try? decoder.decode(DwellStatistics.self, from: Data(json.utf8))
                else { return nil }
                return (node, value)
            })
        let samples = Dictionary(
            uniqueKeysWithValues: lanes.compactMap { key, json -> (LaneKey, LaneRiskModel.Samples)? in
                guard let lane = LaneKey(description: key),
                    let values = try? decoder.decode([Double].self, from: Data(json.utf8))
                else { return nil }
                return (lane, LaneRiskModel.Samples(values: values))
            })
        state.withLock { state in
            state.baselines.restore(stats)
            state.lanes.restore(samples)
            for notice in notices { state.disruptions[notice.id] = notice }
            state.feedbackFactors = factors.filter { $0.value != 1 }
        }
    }

    /// What changed since the last call, as JSON rows for ``LearnedStateStore``.
    public func takeChanges() -> (baselines: [String: String], lanes: [String: String]) {
        let (stats, samples) = state.withLock { ($0.baselines.takeDirtyKeys(), $0.lanes.takeDirtyKeys()) }
        let encoder = JSONEncoder()
        return (
            Dictionary(
                uniqueKeysWithValues: stats.compactMap { key, value in
                    (try? encoder.encode(value)).map { (key.description, String(decoding: $0, as: UTF8.self)) }
                }),
            Dictionary(
                uniqueKeysWithValues: samples.compactMap { key, value in
                    (try? encoder.encode(value.values)).map { (key.description, String(decoding: $0, as: UTF8.self)) }
                })
        )
    }
}
