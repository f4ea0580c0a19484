import DelayGateModel

extension Array where Element == TrackingEvent {
    /// The events grouped by shipment, in the order each shipment first appears.
    func groupedByShipment() -> [[TrackingEvent]] {
        var order: [ShipmentKey] = []
        var groups: [ShipmentKey: [TrackingEvent]] = [:]
        for event in self {
            if groups[event.shipmentKey] == nil { order.append(event.shipmentKey) }
            groups[event.shipmentKey, default: []].append(event)
        }
        return order.map { groups[$0]! }
    }

    /// The events of the single shipment a one-tracking vendor request describes.
    func singleShipment(kind: String) throws(CarrierRenderError) -> [TrackingEvent] {
        let groups = groupedByShipment()
        guard let first = groups.first else { throw .noEvents(kind: kind) }
        guard groups.count == 1 else { throw .severalShipments(kind: kind, count: groups.count) }
        return first
    }
}
