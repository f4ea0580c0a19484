import Foundation

/// Identifies one parcel: a carrier and its tracking number.
public struct ShipmentKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var carrier: String
    public var trackingNumber: String

    public init(carrier: String, trackingNumber: String) {
        self.carrier = carrier
        self.trackingNumber = trackingNumber
    }

    public var description: String { "\(carrier)/\(trackingNumber)" }
}

/// The current state of one parcel, folded from its events.
///
/// State only moves forward: ``apply(_:)`` ignores an event that is older than the one the
/// state came from, and a shipment closed by a terminal milestone stays closed whatever
/// arrives afterwards. The fold therefore gives the same state whatever order events arrive in.
public struct Shipment: Hashable, Sendable {
    public enum State: String, Hashable, Sendable, Codable {
        case open
        case closed
    }

    public var key: ShipmentKey
    public var direction: Direction
    /// Milestone of the event the state came from.
    public var milestone: Milestone
    /// The carrier's raw status of that event.
    public var carrierStatus: CarrierStatus
    /// Where the parcel is now.
    public var node: TrackingNode
    /// Where its first known scan happened: the origin of its lane.
    public var origin: TrackingNode
    /// Instant of the event the state came from: the start of the current dwell.
    public var currentSince: Date
    /// The latest event instant seen for this parcel, including events that did not change state.
    public var lastEventAt: Date
    /// The earliest event instant seen.
    public var firstEventAt: Date
    /// When the alert evaluator should look at this parcel next; nil when nothing is due.
    public var nextCheckAt: Date?
    public var state: State
    /// Number of distinct events folded in.
    public var eventCount: Int

    /// Starts a shipment from its first known event.
    public init(firstEvent event: TrackingEvent) {
        self.key = event.shipmentKey
        self.direction = event.direction
        self.milestone = event.milestone
        self.carrierStatus = event.carrierStatus
        self.node = event.node
        self.origin = event.node
        self.currentSince = event.time.instant
        self.lastEventAt = event.time.instant
        self.firstEventAt = event.time.instant
        self.nextCheckAt = nil
        self.state = event.milestone.isTerminal ? .closed : .open
        self.eventCount = 1
    }

    /// Rebuilds a stored shipment.
    public init(
        key: ShipmentKey,
        direction: Direction,
        milestone: Milestone,
        carrierStatus: CarrierStatus,
        node: TrackingNode,
        origin: TrackingNode,
        currentSince: Date,
        lastEventAt: Date,
        firstEventAt: Date,
        nextCheckAt: Date?,
        state: State,
        eventCount: Int
    ) {
        self.key = key
        self.direction = direction
        self.milestone = milestone
        self.carrierStatus = carrierStatus
        self.node = node
        self.origin = origin
        self.currentSince = currentSince
        self.lastEventAt = lastEventAt
        self.firstEventAt = firstEventAt
        self.nextCheckAt = nextCheckAt
        self.state = state
        self.eventCount = eventCount
    }

    public var isOpen: Bool { state == .open }

    /// Folds one new (not previously applied) event into the state.
    ///
    /// - Returns: true when the current milestone, node or open/closed state changed.
    @discardableResult
    public mutating func apply(_ event: TrackingEvent) -> Bool {
        precondition(event.shipmentKey == key, "event for \(event.shipmentKey) applied to \(key)")
        eventCount += 1
        let instant = event.time.instant
        lastEventAt = max(lastEventAt, instant)
        if instant < firstEventAt {
            firstEventAt = instant
            origin = event.node
        }

        guard supersedesCurrentState(event) else { return false }
        milestone = event.milestone
        carrierStatus = event.carrierStatus
        node = event.node
        currentSince = instant
        direction = event.direction
        if event.milestone.isTerminal {
            state = .closed
            nextCheckAt = nil
        }
        return true
    }

    /// Whether `event` should become the current state.
    ///
    /// An open shipment follows its newest event (same instant: the further milestone wins). A
    /// terminal event closes an open shipment even when it is older than the newest scan,
    /// because carriers often upload the delivery scan late. A closed shipment only yields to
    /// a newer terminal event (e.g. `returned` after `delivered`). A status-only report (no
    /// scan happened) never moves the shipment.
    private func supersedesCurrentState(_ event: TrackingEvent) -> Bool {
        if event.details.statusOnly { return false }
        let instant = event.time.instant
        let isNewer =
            instant > currentSince
            || (instant == currentSince && event.milestone.progressRank > milestone.progressRank)
        switch state {
        case .open:
            return event.milestone.isTerminal || isNewer
        case .closed:
            return event.milestone.isTerminal && isNewer
        }
    }
}
