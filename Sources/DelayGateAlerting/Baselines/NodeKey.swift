import DelayGateModel

/// Where a dwell happens: a carrier's facility at a milestone (arrival and departure at one hub
/// are different nodes). Coarser keys leave parts out, for the fallback chain.
///
/// A departure's "dwell" is the linehaul to the next node, whose length depends on where the
/// parcel is going, so departure keys also carry the destination region (``toward``) when known.
public struct NodeKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var carrier: String?
    public var facility: String?
    public var milestone: Milestone
    /// The parcel's destination region, for departures only.
    public var toward: String?

    public init(carrier: String?, facility: String?, milestone: Milestone, toward: String? = nil) {
        self.carrier = carrier
        self.facility = facility
        self.milestone = milestone
        self.toward = toward
    }

    /// The node of a shipment's current state (facility by code, else name, else city), for a
    /// parcel bound for `destination` (a region).
    public init(shipment: Shipment, destination: String? = nil) {
        self.init(
            carrier: shipment.key.carrier,
            facility: shipment.node.identifier,
            milestone: shipment.milestone, toward: Self.toward(shipment.milestone, destination))
    }

    /// The node an event happened at, for a parcel bound for `destination` (a region).
    public init(event: TrackingEvent, destination: String? = nil) {
        self.init(
            carrier: event.carrier, facility: event.node.identifier,
            milestone: event.milestone, toward: Self.toward(event.milestone, destination))
    }

    /// Only departures are keyed by destination.
    static func toward(_ milestone: Milestone, _ destination: String?) -> String? {
        milestone == .hubDeparture ? destination : nil
    }

    /// This key and its fallbacks, finest first: (carrier+facility+milestone+destination →)
    /// carrier+facility+milestone → facility+milestone → carrier+milestone → milestone.
    public var fallbackChain: [NodeKey] {
        if toward != nil {
            return [self] + NodeKey(carrier: carrier, facility: facility, milestone: milestone).fallbackChain
        }
        var chain = [self]
        if carrier != nil, facility != nil {
            chain.append(NodeKey(carrier: nil, facility: facility, milestone: milestone))
        }
        if facility != nil, carrier != nil {
            chain.append(NodeKey(carrier: carrier, facility: nil, milestone: milestone))
        }
        if carrier != nil || facility != nil {
            chain.append(NodeKey(carrier: nil, facility: nil, milestone: milestone))
        }
        return chain
    }

    /// A stable text form: `carrier|facility|milestone`, then `|destination` for a departure
    /// key that has one, with `*` for left-out parts.
    public var description: String {
        "\(carrier ?? "*")|\(facility ?? "*")|\(milestone.rawValue)" + (toward.map { "|\($0)" } ?? "")
    }

    public init?(description: String) {
        let parts = description.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, let milestone = Milestone(rawValue: parts[2]) else { return nil }
        self.init(
            carrier: parts[0] == "*" ? nil : parts[0], facility: parts[1] == "*" ? nil : parts[1], milestone: milestone,
            toward: parts.count == 4 ? parts[3] : nil)
    }
}
