import Foundation

/// A region- or facility-level disruption (a typhoon, a closed road, a hub shut down) that the
/// alert evaluator weighs: it stretches expected dwell and, when the route is interrupted,
/// raises extreme alerts for the parcels it touches.
public struct DisruptionNotice: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case weather, traffic, closure, other
    }

    public enum Severity: String, Hashable, Sendable, Codable, CaseIterable, Comparable {
        case minor, major, severe

        private var rank: Int {
            switch self {
            case .minor: 0
            case .major: 1
            case .severe: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// The issuer's id; a notice sent again with the same id replaces the earlier one.
    public var id: String
    public var kind: Kind
    public var severity: Severity
    /// Parcels in the affected area cannot move on at all (an extreme alert, not a slower one).
    public var routeInterrupted: Bool
    /// Affected provinces/regions, as carriers name them (`浙江省`).
    public var regions: [String]
    /// Affected facilities by code.
    public var facilities: [String]
    public var validFrom: Date
    public var validTo: Date?
    public var title: String
    public var detail: String?
    /// The source that published the notice (adapter name).
    public var source: String

    public init(
        id: String,
        kind: Kind,
        severity: Severity,
        routeInterrupted: Bool,
        regions: [String] = [],
        facilities: [String] = [],
        validFrom: Date,
        validTo: Date? = nil,
        title: String,
        detail: String? = nil,
        source: String
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.routeInterrupted = routeInterrupted
        self.regions = regions
        self.facilities = facilities
        self.validFrom = validFrom
        self.validTo = validTo
        self.title = title
        self.detail = detail
        self.source = source
    }

    /// Whether the notice is in force at `instant`.
    public func isActive(at instant: Date) -> Bool {
        instant >= validFrom && (validTo.map { instant < $0 } ?? true)
    }

    /// Whether the notice covers a node (by facility code or region).
    public func covers(_ node: TrackingNode) -> Bool {
        if let code = node.facilityCode, facilities.contains(code) { return true }
        if let region = node.region, regions.contains(region) { return true }
        return false
    }
}
