import DelayGateAlerting
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// An alert just recorded, with everything its actions need.
public struct RecordedAlert: Sendable {
    public var alertID: Int64
    public var episodeID: Int64
    public var alert: NewAlert
    public var finding: Finding
    public var shipment: ShipmentKey?
    public var order: Order?
    /// Where the parcel is (nil for order findings).
    public var node: TrackingNode?
    public var deliveryWindow: [Date]?
    /// The playbook's actions with their idempotency keys (`episode:<id>:<level>:<action>`).
    public var actions: [(action: Playbook.Action, idempotencyKey: String)]
    public var raisedAt: Date
}

/// Turns an alert's planned actions into deliveries, inside the transaction that records the
/// alert (so an alert and its outbox rows are committed together or not at all).
public protocol ActionPlanner: Sendable {
    func plan(_ alert: RecordedAlert, in db: Database) throws
}
