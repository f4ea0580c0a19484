import DelayGateModel
import Foundation

/// The result of ``Simulator/generate(_:)``: a history of clean days, the evaluated day, every
/// event of both in time order, and the ground truth.
///
/// Orders and events are kept compact and built on demand, so a million orders fit in a few
/// hundred megabytes: iterate ``events()`` rather than collecting it.
///
/// ```swift
/// let day = Simulator.generate(SimulationConfig(orders: 50_000, seed: 3))
/// for event in day.events() where event.time.instant >= day.day { … }
/// for incident in day.incidents where incident.kindName == "stall" { … }
/// ```
public struct SimulatedDay: Sendable {
    /// The configuration this was generated from.
    public var config: SimulationConfig { store.config }
    /// The network, with the true distribution of every dwell and the peak calendar.
    public var network: SimulatedNetwork { store.planner.network }
    /// Orders of the history days, oldest first. Clean: no incident is injected into them (the
    /// typhoon can still catch those of their parcels still moving on the evaluated day).
    public let historyOrders: SimulatedOrders
    /// The evaluated day's orders, oldest first: domestic, cross-border, return and presale
    /// orders, with promised delivery dates (none for returns).
    public let orders: SimulatedOrders
    /// The typhoon notice (empty when ``SimulationConfig/typhoon`` is off).
    public let disruptions: [DisruptionNotice]
    /// Ground truth, ordered by ``InjectedIncident/startsAt``.
    public let incidents: [InjectedIncident]
    /// 00:00 +08:00 of the first history day.
    public let historyStart: Date
    /// 00:00 +08:00 of the evaluated day (history orders are all created before it).
    public let day: Date
    /// End of the simulated window: no event happens after it. Parcels not finished by then
    /// (stuck ones) simply have no more events.
    public let windowEnd: Date

    let store: SimulationStore

    init(
        store: SimulationStore, disruptions: [DisruptionNotice], incidents: [InjectedIncident], historyStart: Date,
        day: Date, windowEnd: Date
    ) {
        self.store = store
        self.historyOrders = SimulatedOrders(store: store, range: 0..<store.historyCount)
        self.orders = SimulatedOrders(store: store, range: store.historyCount..<store.records.count)
        self.disruptions = disruptions
        self.incidents = incidents
        self.historyStart = historyStart
        self.day = day
        self.windowEnd = windowEnd
    }

    /// Where history ends and the evaluated day begins (the same instant as ``day``).
    public var historyEnd: Date { day }

    /// Number of events ``events()`` yields.
    public var eventCount: Int { store.steps.count }

    /// Every event of the history and of the evaluated day, ordered by instant, then carrier,
    /// then tracking number. Lazily merged from per-parcel lists with a heap; each event is
    /// built when it is reached.
    public func events() -> SimulatedEventSequence {
        SimulatedEventSequence(store: store)
    }

    /// All events of one parcel, oldest first (empty for a tracking number this simulation did
    /// not issue, or a presale parcel not shipped within the window).
    public func events(of shipment: ShipmentKey) -> [TrackingEvent] {
        guard let index = store.orderIndex(for: shipment) else { return [] }
        return store.events(order: index)
    }

    /// The scans a parcel would have had on a clean run, in order (incidents add customs or
    /// `lost_or_damaged` scans, or cut the list short).
    public func plannedRoute(of shipment: ShipmentKey) -> [RouteStop]? {
        guard let index = store.orderIndex(for: shipment) else { return nil }
        let facilities = store.planner.network.facilities
        return store.plannedRoute(order: index).map {
            RouteStop(facilityCode: facilities[Int($0.facility)].code, milestone: $0.milestone)
        }
    }

    /// The order a parcel belongs to.
    public func order(for shipment: ShipmentKey) -> Order? {
        store.orderIndex(for: shipment).map(store.order(at:))
    }
}

/// A read-only, random-access collection of orders, each built when it is read.
public struct SimulatedOrders: RandomAccessCollection, Sendable {
    let store: SimulationStore
    let range: Range<Int>

    public var startIndex: Int { 0 }
    public var endIndex: Int { range.count }

    public subscript(position: Int) -> Order {
        precondition(indices.contains(position), "order index out of range")
        return store.order(at: range.lowerBound + position)
    }
}
