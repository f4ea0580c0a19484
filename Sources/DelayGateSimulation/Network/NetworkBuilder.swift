import DelayGateModel
import Foundation

/// One step of a clean route template: a scan, and the dwell that follows it.
struct RouteStep: Sendable {
    var facility: UInt16
    var milestone: Milestone
    /// Index into ``RoutePlanner/samplers`` of the dwell after this scan; -1 for the last scan.
    var dwell: Int32
}

/// Everything the generator needs to route parcels: the public network plus compact tables
/// (facility indices, dwell samplers, every clean route template).
struct RoutePlanner: Sendable {
    let network: SimulatedNetwork
    let samplers: [DwellSampler]
    let dwellKeys: [DwellKey]
    /// Templates by `(carrier × warehouses + warehouse) × stations + station`.
    let forwardRoutes: [[RouteStep]]
    /// Templates by `carrier × stations + station`; empty for carriers without cross-border service.
    let crossBorderRoutes: [[RouteStep]]
    /// Templates by `(carrier × stations + station) × warehouses + warehouse`; empty for
    /// carriers without returns.
    let returnRoutes: [[RouteStep]]
    /// Station facility indices by `carrier × stationsPerCarrier + provinceIndex × 3 + k`.
    let stations: [UInt16]
    /// Warehouse facility indices, in ``ChinaGeography/warehouses`` order.
    let warehouses: [UInt16]
    let stationCount: Int

    static let stationsPerProvince = 3

    func forwardRoute(carrier: Int, warehouse: Int, station: Int) -> [RouteStep] {
        forwardRoutes[(carrier * warehouses.count + warehouse) * stationCount + station]
    }

    func crossBorderRoute(carrier: Int, station: Int) -> [RouteStep] {
        crossBorderRoutes[carrier * stationCount + station]
    }

    func returnRoute(carrier: Int, station: Int, warehouse: Int) -> [RouteStep] {
        returnRoutes[(carrier * stationCount + station) * warehouses.count + warehouse]
    }

    func stationFacility(carrier: Int, station: Int) -> UInt16 {
        stations[carrier * stationCount + station]
    }
}

/// Builds the network for a seed: fixed geography and carriers, seeded per-node medians and
/// shapes.
enum NetworkBuilder {
    struct CarrierSpec {
        var carrier: SimulatedCarrier
        var hubSuffix: String
        var stationSuffix: String
    }

    /// Carriers in the alphabetical order of their ids, so comparing carrier indices orders
    /// events exactly as comparing carrier ids does.
    static let carrierSpecs: [CarrierSpec] = [
        CarrierSpec(
            carrier: SimulatedCarrier(
                id: "jd", name: "京东物流", facilityPrefix: "JD", trackingPrefix: "JDVA", trackingDigits: 11, share: 0.17,
                onSiteFactor: 0.75, truckSpeedKmh: 72, fliesLongLegs: true, carriesCrossBorder: true,
                carriesReturns: true),
            hubSuffix: "分拣中心", stationSuffix: "配送站"),
        CarrierSpec(
            carrier: SimulatedCarrier(
                id: "sf-express", name: "顺丰速运", facilityPrefix: "SF", trackingPrefix: "SF", trackingDigits: 13,
                share: 0.20, onSiteFactor: 0.7, truckSpeedKmh: 75, fliesLongLegs: true, carriesCrossBorder: true,
                carriesReturns: true),
            hubSuffix: "转运中心", stationSuffix: "营业部"),
        CarrierSpec(
            carrier: SimulatedCarrier(
                id: "yto", name: "圆通速递", facilityPrefix: "YT", trackingPrefix: "YT", trackingDigits: 13, share: 0.18,
                onSiteFactor: 1.05, truckSpeedKmh: 65, fliesLongLegs: false, carriesCrossBorder: false,
                carriesReturns: false),
            hubSuffix: "转运中心", stationSuffix: "营业部"),
        CarrierSpec(
            carrier: SimulatedCarrier(
                id: "yunda", name: "韵达快递", facilityPrefix: "YD", trackingPrefix: "", trackingDigits: 13, share: 0.17,
                onSiteFactor: 1.1, truckSpeedKmh: 62, fliesLongLegs: false, carriesCrossBorder: false,
                carriesReturns: false),
            hubSuffix: "分拨中心", stationSuffix: "营业部"),
        CarrierSpec(
            carrier: SimulatedCarrier(
                id: "zto", name: "中通快递", facilityPrefix: "ZT", trackingPrefix: "", trackingDigits: 14, share: 0.28,
                onSiteFactor: 1.0, truckSpeedKmh: 68, fliesLongLegs: false, carriesCrossBorder: true,
                carriesReturns: false),
            hubSuffix: "转运中心", stationSuffix: "营业部"),
    ]

    /// Base medians of on-site dwells, in seconds, before the carrier's factor and the
    /// per-node spread.
    enum BaseMedian {
        static let awaitingPickup = 4.0 * 3600  // label_created at a warehouse → picked_up
        static let pickupToHub = 2.0 * 3600  // picked_up → hub_arrival at the origin hub
        static let hubSort = 3.5 * 3600  // hub_arrival → hub_departure
        static let stationSort = 4.5 * 3600  // hub_arrival at a station → out_for_delivery
        static let lastMile = 2.5 * 3600  // out_for_delivery → delivered
        static let returnHandover = 6.0 * 3600  // return label_created → picked_up
        static let customsClearance = 10.0 * 3600  // customs_started → customs_cleared
    }

    static func build(seed: UInt64, calendar: PeakCalendar = .standard) -> RoutePlanner {
        var rng = Xoshiro256StarStar(seed: seed, stream: 1)
        let provinces = ChinaGeography.provinces
        let warehouses = ChinaGeography.warehouses
        let stationCount = provinces.count * RoutePlanner.stationsPerProvince

        var facilities: [Facility] = []
        func add(_ facility: Facility) -> UInt16 {
            facilities.append(facility)
            return UInt16(facilities.count - 1)
        }
        func coordinates(_ latitude: Double, _ longitude: Double) -> Coordinates {
            Coordinates(latitude: latitude, longitude: longitude)
        }

        // Merchant warehouses and customs offices belong to no carrier.
        var warehouseIndices: [UInt16] = []
        for warehouse in warehouses {
            warehouseIndices.append(
                add(
                    Facility(
                        code: warehouse.code, name: warehouse.name, kind: .warehouse, carrier: nil,
                        city: warehouse.city,
                        province: provinces[warehouse.provinceIndex].name, country: "CN",
                        coordinates: coordinates(warehouse.latitude, warehouse.longitude))))
        }
        let hk = ChinaGeography.hongKongWarehouse
        let hongKongWarehouse = add(
            Facility(
                code: hk.code, name: hk.name, kind: .warehouse, carrier: nil, city: ChinaGeography.hongKongCity,
                province: ChinaGeography.hongKongRegion, country: "HK",
                coordinates: coordinates(hk.latitude, hk.longitude)))
        var customsIndices: [UInt16] = []
        for office in ChinaGeography.customsOffices {
            customsIndices.append(
                add(
                    Facility(
                        code: office.code, name: office.name, kind: .customs, carrier: nil, city: office.city,
                        province: provinces[office.provinceIndex].name, country: "CN",
                        coordinates: coordinates(office.latitude, office.longitude))))
        }

        // Each carrier's hubs (one per province), stations (three per province) and, for
        // cross-border carriers, a Hong Kong station and hub.
        var hubs: [[UInt16]] = []
        var stations: [UInt16] = []
        var hongKongStations: [UInt16?] = []
        var hongKongHubs: [UInt16?] = []
        for spec in carrierSpecs {
            let carrier = spec.carrier
            var carrierHubs: [UInt16] = []
            for province in provinces {
                carrierHubs.append(
                    add(
                        Facility(
                            code: "\(carrier.facilityPrefix)\(province.areaCode)H",
                            name: "\(province.shortCapital)\(spec.hubSuffix)", kind: .hub, carrier: carrier.id,
                            city: province.capital, province: province.name, country: "CN",
                            coordinates: coordinates(province.latitude + 0.05, province.longitude - 0.05))))
                for (k, station) in province.stations.enumerated() {
                    stations.append(
                        add(
                            Facility(
                                code: "\(carrier.facilityPrefix)\(province.areaCode)S\(k + 1)",
                                name: "\(station.name)\(spec.stationSuffix)", kind: .station, carrier: carrier.id,
                                city: station.city, province: province.name, country: "CN",
                                coordinates: coordinates(station.latitude, station.longitude))))
                }
            }
            hubs.append(carrierHubs)
            if carrier.carriesCrossBorder {
                let station = ChinaGeography.hongKongStation
                hongKongStations.append(
                    add(
                        Facility(
                            code: "\(carrier.facilityPrefix)852S1", name: "\(station.name)\(spec.stationSuffix)",
                            kind: .station, carrier: carrier.id, city: ChinaGeography.hongKongCity,
                            province: ChinaGeography.hongKongRegion, country: "HK",
                            coordinates: coordinates(station.latitude, station.longitude))))
                let hub = ChinaGeography.hongKongHub
                hongKongHubs.append(
                    add(
                        Facility(
                            code: "\(carrier.facilityPrefix)852H", name: "香港\(spec.hubSuffix)", kind: .hub,
                            carrier: carrier.id, city: ChinaGeography.hongKongCity,
                            province: ChinaGeography.hongKongRegion, country: "HK",
                            coordinates: coordinates(hub.latitude, hub.longitude))))
            } else {
                hongKongStations.append(nil)
                hongKongHubs.append(nil)
            }
        }

        // Dwell distributions, created the first time a route needs them, so their seeded
        // spread depends only on the order routes are enumerated in (fixed).
        var dwellIndex: [DwellKey: Int32] = [:]
        var distributions: [DwellDistribution] = []
        var keys: [DwellKey] = []
        func dwell(
            _ carrier: Int, _ facility: UInt16, _ milestone: Milestone, next: UInt16? = nil, median: () -> Double
        )
            -> Int32
        {
            let key = DwellKey(
                carrier: carrierSpecs[carrier].carrier.id, facilityCode: facilities[Int(facility)].code,
                milestone: milestone, nextFacilityCode: next.map { facilities[Int($0)].code })
            if let index = dwellIndex[key] { return index }
            let isLeg = milestone == .hubDeparture
            let base = median()
            let spread = isLeg ? rng.uniform(0.92, 1.08) : rng.uniform(0.8, 1.25)
            let sigma = isLeg ? rng.uniform(0.2, 0.25) : rng.uniform(0.2, 0.35)
            distributions.append(DwellDistribution(medianSeconds: (base * spread).rounded(), sigma: sigma))
            keys.append(key)
            let index = Int32(distributions.count - 1)
            dwellIndex[key] = index
            return index
        }
        func distance(_ a: UInt16, _ b: UInt16) -> Double {
            let x = facilities[Int(a)].coordinates
            let y = facilities[Int(b)].coordinates
            return ChinaGeography.distanceKm(x.latitude, x.longitude, y.latitude, y.longitude)
        }
        func onSite(_ carrier: Int, _ base: Double) -> Double { base * carrierSpecs[carrier].carrier.onSiteFactor }
        /// Linehaul between hubs: loading plus road time, or a flight for fast carriers.
        func linehaul(_ carrier: Int, _ from: UInt16, _ to: UInt16) -> Double {
            let spec = carrierSpecs[carrier].carrier
            let km = distance(from, to)
            if spec.fliesLongLegs, km > 700 { return (5 + km / 700) * 3600 }
            return (1.5 + 1.25 * km / spec.truckSpeedKmh) * 3600
        }
        /// Last-mile trunk from a hub to a station of its province, on smaller trucks.
        func feeder(_ from: UInt16, _ to: UInt16) -> Double {
            (1 + 1.25 * distance(from, to) / 50) * 3600
        }

        // Lanes: direct between nearby provinces, through the best-placed transit hub otherwise.
        let transitProvinces = ChinaGeography.transitProvinceNames.compactMap { name in
            provinces.firstIndex { $0.name == name }
        }
        var lanes: [Lane] = []
        var laneHubs: [[[Int]]] = []  // carrier → origin × provinces + destination → province indices
        for (c, spec) in carrierSpecs.enumerated() {
            var carrierLanes: [[Int]] = []
            for o in provinces.indices {
                for d in provinces.indices {
                    var route = o == d ? [o] : [o, d]
                    let direct = distance(hubs[c][o], hubs[c][d])
                    if o != d, direct > 1000 {
                        var best: (Int, Double)?
                        for t in transitProvinces where t != o && t != d {
                            let first = distance(hubs[c][o], hubs[c][t])
                            let second = distance(hubs[c][t], hubs[c][d])
                            let via = first + second
                            guard via <= 1.2 * direct, max(first, second) < direct else { continue }
                            if best == nil || via < best!.1 { best = (t, via) }
                        }
                        if let (t, _) = best { route = [o, t, d] }
                    }
                    carrierLanes.append(route)
                    lanes.append(
                        Lane(
                            carrier: spec.carrier.id, originProvince: provinces[o].name,
                            destinationProvince: provinces[d].name,
                            hubs: route.map { facilities[Int(hubs[c][$0])].code }, distanceKm: direct.rounded()))
                }
            }
            laneHubs.append(carrierLanes)
        }

        /// Hub steps from province `o` to the last-mile station `finalStation`.
        func hubSteps(_ c: Int, from o: Int, to d: Int, then finalStation: UInt16) -> [RouteStep] {
            let route = laneHubs[c][o * provinces.count + d].map { hubs[c][$0] }
            var steps: [RouteStep] = []
            for (i, hub) in route.enumerated() {
                steps.append(
                    RouteStep(
                        facility: hub, milestone: .hubArrival,
                        dwell: dwell(c, hub, .hubArrival) { onSite(c, BaseMedian.hubSort) }))
                if i + 1 < route.count {
                    let next = route[i + 1]
                    steps.append(
                        RouteStep(
                            facility: hub, milestone: .hubDeparture,
                            dwell: dwell(c, hub, .hubDeparture, next: next) { linehaul(c, hub, next) }))
                } else {
                    steps.append(
                        RouteStep(
                            facility: hub, milestone: .hubDeparture,
                            dwell: dwell(c, hub, .hubDeparture, next: finalStation) { feeder(hub, finalStation) }))
                }
            }
            return steps
        }
        func lastMile(_ c: Int, _ station: UInt16, final: Milestone, at finalFacility: UInt16) -> [RouteStep] {
            [
                RouteStep(
                    facility: station, milestone: .hubArrival,
                    dwell: dwell(c, station, .hubArrival) { onSite(c, BaseMedian.stationSort) }),
                RouteStep(
                    facility: station, milestone: .outForDelivery,
                    dwell: dwell(c, station, .outForDelivery) { onSite(c, BaseMedian.lastMile) }),
                RouteStep(facility: finalFacility, milestone: final, dwell: -1),
            ]
        }
        func stationIndex(_ c: Int, _ s: Int) -> UInt16 { stations[c * stationCount + s] }
        func provinceOf(station s: Int) -> Int { s / RoutePlanner.stationsPerProvince }

        // Forward domestic routes: warehouse → its pickup station → hubs → station → customer.
        var forwardRoutes: [[RouteStep]] = []
        for c in carrierSpecs.indices {
            for (w, warehouse) in warehouses.enumerated() {
                let warehouseFacility = warehouseIndices[w]
                let pickup = stationIndex(
                    c, warehouse.provinceIndex * RoutePlanner.stationsPerProvince + warehouse.pickupStation)
                for s in 0..<stationCount {
                    let destination = stationIndex(c, s)
                    var steps = [
                        RouteStep(
                            facility: warehouseFacility, milestone: .labelCreated,
                            dwell: dwell(c, warehouseFacility, .labelCreated) {
                                onSite(c, BaseMedian.awaitingPickup)
                            }),
                        RouteStep(
                            facility: pickup, milestone: .pickedUp,
                            dwell: dwell(c, pickup, .pickedUp) { onSite(c, BaseMedian.pickupToHub) }),
                    ]
                    steps += hubSteps(c, from: warehouse.provinceIndex, to: provinceOf(station: s), then: destination)
                    steps += lastMile(c, destination, final: .delivered, at: destination)
                    forwardRoutes.append(steps)
                }
            }
        }

        // Cross-border routes: Hong Kong warehouse → HK station and hub → customs (by road to
        // 皇岗, by air to 浦东 for carriers that fly) → the office's province hub → … → customer.
        var crossBorderRoutes: [[RouteStep]] = []
        for (c, spec) in carrierSpecs.enumerated() {
            guard let hkStation = hongKongStations[c], let hkHub = hongKongHubs[c] else {
                crossBorderRoutes += Array(repeating: [], count: stationCount)
                continue
            }
            for s in 0..<stationCount {
                let destinationProvince = provinceOf(station: s)
                // Carriers that fly take northern and eastern parcels through Shanghai.
                let viaShanghai = spec.carrier.fliesLongLegs && provinces[destinationProvince].latitude > 28.5
                let officeNumber = viaShanghai ? 1 : 0
                let office = ChinaGeography.customsOffices[officeNumber]
                let officeFacility = customsIndices[officeNumber]
                let portHub = hubs[c][office.provinceIndex]
                let destination = stationIndex(c, s)
                var steps = [
                    RouteStep(
                        facility: hongKongWarehouse, milestone: .labelCreated,
                        dwell: dwell(c, hongKongWarehouse, .labelCreated) { onSite(c, BaseMedian.awaitingPickup) }),
                    RouteStep(
                        facility: hkStation, milestone: .pickedUp,
                        dwell: dwell(c, hkStation, .pickedUp) { onSite(c, BaseMedian.pickupToHub) }),
                    RouteStep(
                        facility: hkHub, milestone: .hubArrival,
                        dwell: dwell(c, hkHub, .hubArrival) { onSite(c, BaseMedian.hubSort) }),
                    RouteStep(
                        facility: hkHub, milestone: .hubDeparture,
                        dwell: dwell(c, hkHub, .hubDeparture, next: officeFacility) {
                            office.byAir ? (5 + distance(hkHub, officeFacility) / 700) * 3600 : 2 * 3600
                        }),
                    RouteStep(
                        facility: officeFacility, milestone: .customsStarted,
                        dwell: dwell(c, officeFacility, .customsStarted) { BaseMedian.customsClearance }),
                    RouteStep(
                        facility: officeFacility, milestone: .customsCleared,
                        dwell: dwell(c, officeFacility, .customsCleared) { feeder(officeFacility, portHub) }),
                ]
                steps += hubSteps(c, from: office.provinceIndex, to: destinationProvince, then: destination)
                steps += lastMile(c, destination, final: .delivered, at: destination)
                crossBorderRoutes.append(steps)
            }
        }

        // Return routes: customer's station → hubs → the warehouse's pickup station → warehouse.
        var returnRoutes: [[RouteStep]] = []
        for (c, spec) in carrierSpecs.enumerated() {
            for s in 0..<stationCount {
                for (w, warehouse) in warehouses.enumerated() {
                    guard spec.carrier.carriesReturns else {
                        returnRoutes.append([])
                        continue
                    }
                    let origin = stationIndex(c, s)
                    let merchantStation = stationIndex(
                        c, warehouse.provinceIndex * RoutePlanner.stationsPerProvince + warehouse.pickupStation)
                    var steps = [
                        RouteStep(
                            facility: origin, milestone: .labelCreated,
                            dwell: dwell(c, origin, .labelCreated) { onSite(c, BaseMedian.returnHandover) }),
                        RouteStep(
                            facility: origin, milestone: .pickedUp,
                            dwell: dwell(c, origin, .pickedUp) { onSite(c, BaseMedian.pickupToHub) }),
                    ]
                    steps += hubSteps(
                        c, from: provinceOf(station: s), to: warehouse.provinceIndex, then: merchantStation)
                    steps += lastMile(c, merchantStation, final: .returned, at: warehouseIndices[w])
                    returnRoutes.append(steps)
                }
            }
        }

        var dwellMap: [DwellKey: DwellDistribution] = [:]
        for (key, distribution) in zip(keys, distributions) { dwellMap[key] = distribution }
        let network = SimulatedNetwork(
            carriers: carrierSpecs.map(\.carrier), facilities: facilities, lanes: lanes, dwells: dwellMap,
            calendar: calendar)
        return RoutePlanner(
            network: network, samplers: distributions.map(DwellSampler.init), dwellKeys: keys,
            forwardRoutes: forwardRoutes, crossBorderRoutes: crossBorderRoutes, returnRoutes: returnRoutes,
            stations: stations, warehouses: warehouseIndices, stationCount: stationCount)
    }
}
