/// The canonical milestone taxonomy every carrier's status codes are mapped onto.
///
/// Adapters translate a carrier's own codes through a crosswalk table; a code the table
/// does not know becomes ``unknown`` and the event keeps the carrier's raw code in
/// ``TrackingEvent/carrierStatus``, so nothing a carrier sends is dropped.
///
/// ```swift
/// let milestone = Milestone(rawValue: "hub_arrival") // .hubArrival
/// milestone?.isTerminal                             // false
/// ```
public enum Milestone: String, CaseIterable, Codable, Hashable, Sendable {
    case labelCreated = "label_created"
    case pickedUp = "picked_up"
    case hubArrival = "hub_arrival"
    case hubDeparture = "hub_departure"
    case customsStarted = "customs_started"
    case customsDocsRequired = "customs_docs_required"
    case customsHeld = "customs_held"
    case customsCleared = "customs_cleared"
    case outForDelivery = "out_for_delivery"
    case awaitingPickup = "awaiting_pickup"
    case attemptFailed = "attempt_failed"
    case delivered
    case returning
    case returned
    case lostOrDamaged = "lost_or_damaged"
    case exception
    /// A carrier code no crosswalk knows yet; the raw code lives on the event.
    case unknown

    /// Terminal milestones close a shipment: later-arriving events are stored but never reopen it.
    public var isTerminal: Bool {
        switch self {
        case .delivered, .returned, .lostOrDamaged: true
        default: false
        }
    }

    /// Position along a parcel's journey, used only to order two events that carry the same
    /// instant (a carrier often stamps arrival and departure scans with one second).
    public var progressRank: Int {
        switch self {
        case .unknown: 0
        case .labelCreated: 1
        case .pickedUp: 2
        case .hubArrival: 3
        case .exception: 4
        case .hubDeparture: 5
        case .customsStarted: 6
        case .customsDocsRequired: 7
        case .customsHeld: 8
        case .customsCleared: 9
        case .outForDelivery: 10
        case .attemptFailed: 11
        case .awaitingPickup: 12
        case .returning: 13
        case .lostOrDamaged: 14
        case .delivered: 15
        case .returned: 16
        }
    }
}

extension Milestone: CustomStringConvertible {
    public var description: String { rawValue }
}
