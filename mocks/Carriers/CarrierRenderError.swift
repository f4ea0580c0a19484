/// Why a renderer cannot put events into its vendor's request.
public enum CarrierRenderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing to send: the vendor never posts an empty update.
    case noEvents(kind: String)
    /// The vendor's request describes one tracking number, and the events belong to several.
    case severalShipments(kind: String, count: Int)
    /// The vendor has no code for this carrier in the renderer's table (17TRACK's numeric keys).
    case unmappedCarrier(kind: String, carrier: String)

    public var description: String {
        switch self {
        case .noEvents(let kind): "\(kind): no events to send"
        case .severalShipments(let kind, let count): "\(kind): one request carries one shipment, not \(count)"
        case .unmappedCarrier(let kind, let carrier): "\(kind): no vendor code for carrier '\(carrier)'"
        }
    }
}
