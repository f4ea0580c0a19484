import DelayGateModel
import Foundation

/// The simulated network: carriers, their facilities, the lanes between provinces and, for
/// every dwell a parcel can have, the true distribution it was drawn from.
///
/// A *dwell* is the time from one scan of a parcel to its next. Its distribution depends on
/// where the parcel is and what the scan was, keyed by ``DwellKey``: the carrier, the facility
/// code and the milestone of the scan that starts it (`hub_arrival` at `ZT571H` is the time to
/// sort a parcel at ZTO's Hangzhou hub). After a `hub_departure` the parcel is on a linehaul
/// truck or plane, and that dwell depends on where it goes, so those keys also name the next
/// facility (``DwellKey/nextFacilityCode``); no other dwell depends on the next stop.
///
/// ```swift
/// let day = Simulator.generate(SimulationConfig(orders: 1000, seed: 7))
/// let sorting = day.network.dwell(carrier: "sf-express", facilityCode: "SF571H", milestone: .hubArrival)
/// let linehaul = day.network.dwell(
///     carrier: "sf-express", facilityCode: "SF571H", milestone: .hubDeparture, nextFacilityCode: "SF020H")
/// ```
public struct SimulatedNetwork: Sendable {
    /// The five carriers, in the alphabetical order of their ids.
    public var carriers: [SimulatedCarrier]
    /// Every facility: merchant warehouses, carrier stations and hubs, customs offices.
    public var facilities: [Facility]
    /// Every (carrier, origin province, destination province) route between hubs.
    public var lanes: [Lane]
    /// The true clean distribution of every dwell that occurs.
    public var dwells: [DwellKey: DwellDistribution]
    /// The peak calendar that scales dwells starting on peak days.
    public var calendar: PeakCalendar

    let facilityIndexByCode: [String: Int]
    let laneIndex: [LaneKey: Int]

    struct LaneKey: Hashable {
        var carrier: String
        var origin: String
        var destination: String
    }

    init(
        carriers: [SimulatedCarrier], facilities: [Facility], lanes: [Lane], dwells: [DwellKey: DwellDistribution],
        calendar: PeakCalendar
    ) {
        self.carriers = carriers
        self.facilities = facilities
        self.lanes = lanes
        self.dwells = dwells
        self.calendar = calendar
        var byCode: [String: Int] = [:]
        for (index, facility) in facilities.enumerated() { byCode[facility.code] = index }
        facilityIndexByCode = byCode
        var byLane: [LaneKey: Int] = [:]
        for (index, lane) in lanes.enumerated() {
            byLane[LaneKey(carrier: lane.carrier, origin: lane.originProvince, destination: lane.destinationProvince)] =
                index
        }
        laneIndex = byLane
    }

    /// The facility with this code.
    public func facility(code: String) -> Facility? {
        facilityIndexByCode[code].map { facilities[$0] }
    }

    /// The true distribution of the dwell that starts with a `milestone` scan at `facilityCode`;
    /// for `hub_departure` also pass the facility the parcel travels to.
    public func dwell(
        carrier: String, facilityCode: String, milestone: Milestone, nextFacilityCode: String? = nil
    ) -> DwellDistribution? {
        dwells[
            DwellKey(
                carrier: carrier, facilityCode: facilityCode, milestone: milestone,
                nextFacilityCode: milestone == .hubDeparture ? nextFacilityCode : nil)]
    }

    /// The true distribution of the dwell between two consecutive scans of one parcel (the
    /// calendar factor not applied), or nil when that pair never happens in a clean route.
    public func dwell(from event: TrackingEvent, to next: TrackingEvent) -> DwellDistribution? {
        guard let code = event.node.facilityCode else { return nil }
        return dwell(
            carrier: event.carrier, facilityCode: code, milestone: event.milestone,
            nextFacilityCode: next.node.facilityCode)
    }

    /// The hubs a carrier routes parcels through from one province to another.
    public func lane(carrier: String, from originProvince: String, to destinationProvince: String) -> Lane? {
        laneIndex[LaneKey(carrier: carrier, origin: originProvince, destination: destinationProvince)].map {
            lanes[$0]
        }
    }
}

/// A carrier of the simulated network and how fast it is.
public struct SimulatedCarrier: Hashable, Sendable, Codable {
    /// Carrier identifier as it appears on events (`sf-express`, `zto`, `yto`, `yunda`, `jd`).
    public var id: String
    /// Chinese brand name (`顺丰速运`).
    public var name: String
    /// Prefix of its facility codes (`SF` in `SF571H`).
    public var facilityPrefix: String
    /// Letters before the digits of its tracking numbers (may be empty).
    public var trackingPrefix: String
    /// Number of digits after the prefix; every tracking number of a carrier has the same length.
    public var trackingDigits: Int
    /// Share of domestic forward orders it carries.
    public var share: Double
    /// Multiplier on the network's base on-site dwell medians (below 1 is faster).
    public var onSiteFactor: Double
    /// Average linehaul truck speed, km/h (on road distance, taken as 1.25 × great-circle).
    public var truckSpeedKmh: Double
    /// Flies legs longer than 700 km instead of trucking them.
    public var fliesLongLegs: Bool
    /// Carries cross-border parcels from Hong Kong.
    public var carriesCrossBorder: Bool
    /// Collects customer returns (only fast carriers do, so no clean return waits a day between scans).
    public var carriesReturns: Bool
}

/// A place where parcels are scanned.
public struct Facility: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A merchant's warehouse: labels are created here and returns end here.
        case warehouse
        /// A carrier's delivery station (营业部): pick-up, last-mile arrival and delivery.
        case station
        /// A carrier's sorting hub (转运中心).
        case hub
        /// A customs office clearing cross-border parcels.
        case customs
    }

    /// Unique code (`SF571H`, `ZT021S1`, `WH571`, `5320`).
    public var code: String
    /// Chinese name (`杭州转运中心`, `上海浦东营业部`).
    public var name: String
    public var kind: Kind
    /// The carrier operating it; nil for merchant warehouses and customs offices.
    public var carrier: String?
    /// City (`杭州市`).
    public var city: String
    /// Province or region (`浙江省`), as carriers name it on scans and notices name regions.
    public var province: String
    /// ISO 3166-1 alpha-2 (`CN`, `HK`).
    public var country: String
    public var coordinates: Coordinates

    /// The node every event at this facility carries.
    public var node: TrackingNode {
        TrackingNode(
            facilityCode: code, facilityName: name, city: city, region: province, country: country,
            coordinates: coordinates)
    }
}

/// How a carrier moves parcels between two provinces' hubs.
public struct Lane: Hashable, Sendable, Codable {
    public var carrier: String
    public var originProvince: String
    public var destinationProvince: String
    /// Hub facility codes in route order: the origin hub, a transit hub when the provinces are
    /// far apart, the destination hub (a single hub within one province).
    public var hubs: [String]
    /// Great-circle distance between the two end hubs.
    public var distanceKm: Double
}

/// Identifies one kind of dwell: see ``SimulatedNetwork``.
public struct DwellKey: Hashable, Sendable, Codable {
    public var carrier: String
    /// Where the scan that starts the dwell happened.
    public var facilityCode: String
    /// The milestone of that scan.
    public var milestone: Milestone
    /// For `hub_departure` only: the facility the parcel travels to. Nil otherwise.
    public var nextFacilityCode: String?

    public init(carrier: String, facilityCode: String, milestone: Milestone, nextFacilityCode: String? = nil) {
        self.carrier = carrier
        self.facilityCode = facilityCode
        self.milestone = milestone
        self.nextFacilityCode = nextFacilityCode
    }
}

/// One planned scan of a parcel's clean route.
public struct RouteStop: Hashable, Sendable, Codable {
    public var facilityCode: String
    public var milestone: Milestone

    public init(facilityCode: String, milestone: Milestone) {
        self.facilityCode = facilityCode
        self.milestone = milestone
    }
}
