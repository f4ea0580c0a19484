import DelayGateModel
import Foundation

/// One injected problem, the ground truth an alert engine is scored against.
///
/// Every incident is exact: no event of ``shipment`` happens strictly between ``startsAt`` and
/// ``endsAt`` (an event at ``startsAt``, where there is one, is the scan that starts the
/// incident; the event at ``endsAt`` ends it), and none at all after ``startsAt`` when
/// ``endsAt`` is nil (the parcel is still stuck when the window ends; for a lost parcel the
/// shipment is closed).
///
/// | kind | ``startsAt`` | ``endsAt`` |
/// | --- | --- | --- |
/// | `stall` | the scan that put the parcel at the node | its next scan |
/// | `customsHold` | the `customs_docs_required` / `customs_held` event | `customs_cleared` |
/// | `returnStall` | the return's last scan before the gap | its next scan |
/// | `presaleSlip` | the order update that carries the late supplier ETA | the label scan (goods shipped) |
/// | `disruption` | the later of the parcel's arrival at the node and the notice's `validFrom` | its next scan |
/// | `lostOrDamaged` | the `lost_or_damaged` event | always nil |
public struct InjectedIncident: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The parcel sits at a node far longer than normal: `stallSeconds` from the scan that
        /// put it there to its next scan (or to the end of the window when it never moves
        /// again), against `nominalP90Seconds`, the node's true p90 times the calendar factor
        /// of the day the dwell started. Never at a `hub_departure` (a linehaul leg).
        case stall(facilityCode: String, milestone: Milestone, stallSeconds: Double, nominalP90Seconds: Double)
        /// Customs asked for documents (`customs_docs_required` with these missing documents) or
        /// held the parcel for duties (`customs_held`, no documents, tax due on the event).
        case customsHold(missingDocuments: [String])
        /// A return shipment (direction `return`) with no scan for more than 30 hours.
        case returnStall
        /// The presale supplier's ETA is later than the promised ship date.
        case presaleSlip(supplierETA: Date, promisedShipDate: Date)
        /// The parcel sat in a region hit by this route-interrupting notice while it was in force.
        case disruption(noticeID: String)
        /// A `lost_or_damaged` event closed the shipment.
        case lostOrDamaged
    }

    /// The level the generator meant the incident to reach. The alert engine's own levels may
    /// be named or cut differently; see the table on ``InjectedIncident``.
    public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case warning, urgent, extreme

        private var rank: Int {
            switch self {
            case .warning: 0
            case .urgent: 1
            case .extreme: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var shipment: ShipmentKey
    public var orderID: String
    public var kind: Kind
    public var startsAt: Date
    public var endsAt: Date?
    /// Where the parcel sits during the incident (nil for a presale slip).
    public var facilityCode: String?
    /// The milestone of the parcel's last scan when the incident starts (nil for a presale slip).
    public var milestone: Milestone?

    public init(
        shipment: ShipmentKey, orderID: String, kind: Kind, startsAt: Date, endsAt: Date?,
        facilityCode: String? = nil, milestone: Milestone? = nil
    ) {
        self.shipment = shipment
        self.orderID = orderID
        self.kind = kind
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.facilityCode = facilityCode
        self.milestone = milestone
    }

    /// Short stable name of the kind: `stall`, `customs_hold`, `return_stall`, `presale_slip`,
    /// `disruption`, `lost_or_damaged`.
    public var kindName: String {
        switch kind {
        case .stall: "stall"
        case .customsHold: "customs_hold"
        case .returnStall: "return_stall"
        case .presaleSlip: "presale_slip"
        case .disruption: "disruption"
        case .lostOrDamaged: "lost_or_damaged"
        }
    }

    /// For a stall, how many times the nominal p90 the parcel sat (about 1.35 or 2.2 when it
    /// moved again; larger when it never did).
    public var stallRatio: Double? {
        guard case .stall(_, _, let seconds, let p90) = kind else { return nil }
        return seconds / p90
    }

    /// For a stall, the instant its dwell reaches `multiple` × the nominal p90, or nil when the
    /// parcel moves on before that (a warning-level stall never reaches 2 × p90).
    public func instantDwellReaches(_ multiple: Double) -> Date? {
        guard case .stall(_, _, let seconds, let p90) = kind else { return nil }
        let reach = multiple * p90
        guard endsAt == nil || reach < seconds else { return nil }
        return startsAt.addingTimeInterval(reach)
    }

    /// The level the generator meant: a stall that moves on below 2 × p90 is a warning, a longer
    /// or unending one urgent; a customs hold is urgent; a return stall or a presale slip a
    /// warning; a route-interrupting disruption or a lost parcel extreme.
    public var severity: Severity {
        switch kind {
        case .stall:
            guard endsAt != nil, let ratio = stallRatio, ratio < 2 else { return .urgent }
            return .warning
        case .customsHold: return .urgent
        case .returnStall, .presaleSlip: return .warning
        case .disruption, .lostOrDamaged: return .extreme
        }
    }
}
