import DelayGateModel

/// Where a dwell happens: a carrier's facility at a milestone (arrival and departure at one hub
/// are different nodes). Coarser keys leave parts out, for the fallback chain.
public struct NodeKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var carrier: String?
    public var facility: String?
    public var milestone: Milestone

    public init(carrier: String?, facility: String?, milestone: Milestone) {
        self.carrier = carrier
        self.facility = facility
        self.milestone = milestone
    }

    /// The node of a shipment's current state (facility by code, else name, else city).
    public init(shipment: Shipment) {
        self.init(
            carrier: shipment.key.carrier,
            facility: shipment.node.facilityCode ?? shipment.node.facilityName ?? shipment.node.city,
            milestone: shipment.milestone)
    }

    /// The node an event happened at.
    public init(event: TrackingEvent) {
        self.init(
            carrier: event.carrier, facility: event.node.facilityCode ?? event.node.facilityName ?? event.node.city,
            milestone: event.milestone)
    }

    /// This key and its fallbacks, finest first: carrier+facility+milestone → facility+milestone
    /// → carrier+milestone → milestone.
    public var fallbackChain: [NodeKey] {
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

    /// A stable text form: `carrier|facility|milestone` with `*` for left-out parts.
    public var description: String {
        "\(carrier ?? "*")|\(facility ?? "*")|\(milestone.rawValue)"
    }

    public init?(description: String) {
        let parts = description.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let milestone = Milestone(rawValue: parts[2]) else { return nil }
        self.init(
            carrier: parts[0] == "*" ? nil : parts[0], facility: parts[1] == "*" ? nil : parts[1], milestone: milestone)
    }
}
