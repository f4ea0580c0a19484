/// How bad a situation is. Levels only ever escalate within an episode.
public enum AlertLevel: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none
    case warning
    case urgent
    case extreme

    private var rank: Int {
        switch self {
        case .none: 0
        case .warning: 1
        case .urgent: 2
        case .extreme: 3
        }
    }

    public static func < (lhs: AlertLevel, rhs: AlertLevel) -> Bool { lhs.rank < rhs.rank }
}

/// Why an alert was raised.
public enum Scenario: String, Sendable, Hashable, Codable, CaseIterable {
    /// The parcel sits at a node longer than the node's expected dwell.
    case dwell
    /// Given its lane and the time already elapsed, the parcel will likely miss the promised date.
    case deliveryRisk = "delivery_risk"
    /// Customs asks for documents or holds the parcel.
    case customs
    /// A return has had no scan for too long.
    case returnStall = "return_stall"
    /// A presale order's supplier delivery makes the promised ship date unreachable.
    case presale
    /// A disruption interrupts the parcel's route.
    case disruption
    /// The carrier reports the parcel lost, damaged or disposed of.
    case lostOrDamaged = "lost_or_damaged"

    /// Which episode an alert of this scenario belongs to. Node scenarios end when the parcel
    /// moves on; journey scenarios concern the whole trip and end when it is delivered.
    public var track: EpisodeTrack {
        switch self {
        case .dwell, .customs, .returnStall, .disruption, .lostOrDamaged: .node
        case .deliveryRisk: .journey
        case .presale: .order
        }
    }
}

/// The independent episode tracks of one shipment (or order).
public enum EpisodeTrack: String, Sendable, Hashable, Codable, CaseIterable {
    case node
    case journey
    case order
}
