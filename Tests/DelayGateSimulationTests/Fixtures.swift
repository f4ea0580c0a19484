import DelayGateModel
import DelayGateSimulation
import Foundation

/// Generated once and shared by the suites (global lets are initialised lazily and once).
let standardDay = Simulator.generate(
    SimulationConfig(orders: 20_000, seed: 11, historyDays: 3, historyOrdersPerDay: 2_000))

/// An evaluated day inside Double 11, with history across its start, so peak factors apply.
let peakDay = Simulator.generate(
    SimulationConfig(
        orders: 5_000, seed: 5, day: shanghai("2026-11-12T00:00:00+08:00"), historyDays: 2,
        historyOrdersPerDay: 3_000))

func shanghai(_ text: String) -> Date {
    ISO8601DateFormatter().date(from: text)!
}

extension SimulatedDay {
    /// Every parcel of the day and of the history.
    var allShipments: [ShipmentKey] {
        (Array(historyOrders) + Array(orders)).flatMap(\.shipments)
    }

    /// Shipments that carry any incident.
    var shipmentsWithIncidents: Set<ShipmentKey> {
        Set(incidents.map(\.shipment))
    }
}
