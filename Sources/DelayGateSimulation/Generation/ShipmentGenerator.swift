import DelayGateModel
import Foundation

/// Generates every order and its parcel's scans, one order at a time from that order's own
/// random stream, so the result depends only on the seed.
struct ShipmentGenerator {
    enum OrderType { case domestic, crossBorder, customerReturn, presale }

    enum RouteKind: UInt8 {
        case forward = 0
        case crossBorder = 1
        case customerReturn = 2
    }

    /// The typhoon, in the generator's relative seconds.
    struct Typhoon {
        var notice: DisruptionNotice
        /// Facilities in the affected province, by facility index.
        var covers: [Bool]
        var from: Int32
        var to: Int32
    }

    /// How the evaluated day's incidents are split between kinds (shares of all incidents).
    enum Mix {
        static let stall = 0.65
        static let lost = 0.03
        static let customsHold = 0.10
        static let returnStall = 0.10
        static let presaleSlip = 0.12
    }

    let config: SimulationConfig
    let planner: RoutePlanner
    let identifiers: Identifiers
    /// Epoch second that relative time 0 stands for.
    let base: Int64
    let windowEnd: Int32
    let typhoon: Typhoon?
    /// Calendar factor by local day, starting at ``firstLocalDay``.
    let factors: [Double]
    let firstLocalDay: Int64
    let processing: DwellSampler

    private let domesticCarriers: [Double]
    private let crossBorderCarriers: [Double]
    private let returnCarriers: [Double]
    private let provinceWeights: [Double]
    private let warehouseWeights: [Double]

    var steps: [Step] = []
    var records: [OrderRecord] = []
    var incidents: [InjectedIncident] = []
    var carrierCounters: [UInt32]

    init(
        config: SimulationConfig, planner: RoutePlanner, identifiers: Identifiers, base: Int64, windowEnd: Int32,
        typhoon: Typhoon?, expectedOrders: Int
    ) {
        self.config = config
        self.planner = planner
        self.identifiers = identifiers
        self.base = base
        self.windowEnd = windowEnd
        self.typhoon = typhoon
        let carriers = planner.network.carriers
        domesticCarriers = cumulativeSums(carriers.map(\.share))
        crossBorderCarriers = cumulativeSums(carriers.map { $0.carriesCrossBorder ? $0.share : 0 })
        returnCarriers = cumulativeSums(carriers.map { $0.carriesReturns ? $0.share : 0 })
        provinceWeights = cumulativeSums(ChinaGeography.provinces.map(\.demandWeight))
        warehouseWeights = cumulativeSums(ChinaGeography.warehouses.map(\.weight))
        carrierCounters = Array(repeating: 0, count: carriers.count)
        firstLocalDay = ShanghaiTime.localDay(epochSeconds: base)
        let lastLocalDay = ShanghaiTime.localDay(epochSeconds: base + Int64(windowEnd)) + 30
        factors = (firstLocalDay...lastLocalDay).map { day in
            planner.network.calendar.factor(
                at: Date(timeIntervalSince1970: Double(ShanghaiTime.startOfLocalDay(day) + 43_200)))
        }
        processing = DwellSampler(DwellDistribution(medianSeconds: 2 * 3600, sigma: 0.5))
        steps.reserveCapacity(expectedOrders * 11)
        records.reserveCapacity(expectedOrders)
    }

    /// Calendar factor for a dwell starting at relative time `t`.
    func factor(_ t: Int32) -> Double {
        let day = ShanghaiTime.localDay(epochSeconds: base + Int64(t)) - firstLocalDay
        return factors[Int(day)]
    }

    /// The largest calendar factor of the local days touching [t, t + seconds].
    func maxFactor(from t: Int32, seconds: Double) -> Double {
        let first = Int(ShanghaiTime.localDay(epochSeconds: base + Int64(t)) - firstLocalDay)
        let last = Int(ShanghaiTime.localDay(epochSeconds: base + Int64(t) + Int64(seconds)) - firstLocalDay)
        return factors[first...min(last, factors.count - 1)].max() ?? 1
    }

    // MARK: Orders

    /// Generates order number `index` (global: history first), created at relative time `created`.
    mutating func generateOrder(index: Int, created: Int32, number: UInt32, evaluatedDay: Bool) {
        var rng = Xoshiro256StarStar(seed: config.seed, stream: 2, index: UInt64(index))
        let type = orderType(&rng)
        let carrier: Int
        switch type {
        case .domestic, .presale: carrier = rng.pick(cumulative: domesticCarriers)
        case .crossBorder: carrier = rng.pick(cumulative: crossBorderCarriers)
        case .customerReturn: carrier = rng.pick(cumulative: returnCarriers)
        }
        let province = rng.pick(cumulative: provinceWeights)
        let station = province * RoutePlanner.stationsPerProvince + rng.below(RoutePlanner.stationsPerProvince)
        let warehouse = rng.pick(cumulative: warehouseWeights)

        let route: [RouteStep]
        let routeKind: RouteKind
        let routeIndex: Int
        var record = OrderRecord(
            stepStart: UInt32(steps.count), stepCount: 0, carrier: UInt8(carrier), flags: 0, created: created,
            updated: created, promisedDay: OrderRecord.none, supplierETA: OrderRecord.none,
            promisedShip: OrderRecord.none, valueCents: Self.orderValue(&rng), destination: 0, number: number,
            sequence: carrierCounters[carrier], route: 0, routeKind: 0)
        carrierCounters[carrier] += 1
        switch type {
        case .domestic, .presale:
            routeKind = .forward
            routeIndex = (carrier * planner.warehouses.count + warehouse) * planner.stationCount + station
            route = planner.forwardRoutes[routeIndex]
            record.destination = planner.stationFacility(carrier: carrier, station: station)
        case .crossBorder:
            routeKind = .crossBorder
            routeIndex = carrier * planner.stationCount + station
            route = planner.crossBorderRoutes[routeIndex]
            record.destination = planner.stationFacility(carrier: carrier, station: station)
            record.flags |= OrderRecord.isCrossBorder
        case .customerReturn:
            routeKind = .customerReturn
            routeIndex = (carrier * planner.stationCount + station) * planner.warehouses.count + warehouse
            route = planner.returnRoutes[routeIndex]
            record.destination = planner.warehouses[warehouse]
            record.flags |= OrderRecord.isReturn
        }
        record.routeKind = routeKind.rawValue
        record.route = UInt32(routeIndex)

        var plan = IncidentPlan()
        if evaluatedDay { plan = planIncident(type: type, route: route, &rng) }

        // When the label is printed: after warehouse processing, after the supplier delivers for
        // presale orders, soon after the request for returns.
        let label: Int32
        switch type {
        case .domestic, .crossBorder:
            label = created + processing.draw(&rng, factor: 1)
            record.promisedDay = promisedDay(latestLabel: created + Int32(processing.distribution.maxSeconds), route)
        case .customerReturn:
            label = created + Int32(rng.uniform(300, 3600))
        case .presale:
            record.flags |= OrderRecord.isPresale
            let eta = created + Int32(rng.uniform(86_400, 2 * 86_400))
            let promisedShip = startOfLocalDay(eta) + 86_400
            record.promisedShip = promisedShip
            record.supplierETA = eta
            record.promisedDay = promisedDay(latestLabel: promisedShip + 12 * 3600, route)
            if plan.presaleSlip {
                record.supplierETA = promisedShip + Int32(rng.uniform(86_400, 3 * 86_400))
                record.updated = created + Int32(rng.uniform(3600, 20 * 3600))
            }
            label = record.supplierETA + processing.draw(&rng, factor: 1)
        }

        records.append(record)
        let orderIndex = records.count - 1
        walk(route: route, from: label, order: orderIndex, plan: &plan, rng: &rng)
        records[orderIndex].stepCount = UInt16(steps.count - Int(record.stepStart))

        if plan.presaleSlip {
            let shipped = records[orderIndex].stepCount > 0 ? steps[Int(record.stepStart)].time : nil
            addIncident(
                order: orderIndex,
                kind: .presaleSlip(supplierETA: date(record.supplierETA), promisedShipDate: date(record.promisedShip)),
                startsAt: record.updated, endsAt: shipped, facility: nil, milestone: nil)
        }
    }

    private func orderType(_ rng: inout Xoshiro256StarStar) -> OrderType {
        let u = rng.unit()
        if u < config.crossBorderShare { return .crossBorder }
        if u < config.crossBorderShare + config.returnShare { return .customerReturn }
        if u < config.crossBorderShare + config.returnShare + config.presaleShare { return .presale }
        return .domestic
    }

    /// Order value in fen: lognormal around ¥150, between ¥9.90 and ¥9,999.
    private static func orderValue(_ rng: inout Xoshiro256StarStar) -> Int32 {
        let z = StandardNormal.approximateQuantile(min(max(rng.unit(), 1e-12), 1 - 1e-12))
        let yuan = 150 * exp(0.9 * z)
        return Int32((min(max(yuan, 9.9), 9999) * 10).rounded()) * 10
    }

    /// 00:00 of the promised delivery day: the latest a clean parcel can arrive, its own day.
    private func promisedDay(latestLabel: Int32, _ route: [RouteStep]) -> Int32 {
        var seconds = 0.0
        for step in route where step.dwell >= 0 {
            seconds += planner.samplers[Int(step.dwell)].distribution.maxSeconds
        }
        let factor = maxFactor(from: latestLabel, seconds: seconds * 2.0)
        return startOfLocalDay(latestLabel + Int32((seconds * factor).rounded(.up)))
    }

    func startOfLocalDay(_ t: Int32) -> Int32 {
        Int32(ShanghaiTime.startOfDay(epochSeconds: base + Int64(t)) - base)
    }

    func date(_ t: Int32) -> Date { Date(timeIntervalSince1970: Double(base + Int64(t))) }

    // MARK: Incidents

    struct IncidentPlan {
        var presaleSlip = false
        /// Step of the stall (or return stall), moved later when it would clash with the typhoon.
        var stallStep = -1
        var stallMultiplier = 0.0
        var returnStall = false
        var returnGap: Int32 = 0
        var stuck = false
        var lostStep = -1
        var customsHold = false
        var customsVariant: UInt8 = 0
    }

    private func planIncident(type: OrderType, route: [RouteStep], _ rng: inout Xoshiro256StarStar) -> IncidentPlan {
        var plan = IncidentPlan()
        let rate = config.incidentRate
        func probability(_ weight: Double, _ share: Double) -> Double { share > 0 ? min(1, weight * rate / share) : 0 }
        switch type {
        case .domestic:
            let share = 1 - config.crossBorderShare - config.returnShare - config.presaleShare
            guard rng.chance(probability(Mix.stall + Mix.lost, share)) else { return plan }
            if rng.chance(Mix.lost / (Mix.stall + Mix.lost)) {
                // Lost somewhere after pick-up, before the last scan.
                plan.lostStep = 1 + rng.below(max(1, route.count - 2))
            } else {
                let eligible = route.indices.filter { Self.stallEligible(route[$0]) }
                plan.stallStep = eligible[rng.below(eligible.count)]
                // Half warning-level (≈1.35 × p90, moves on), half urgent-level (≈2.2 × p90), and
                // two in five of the urgent ones never move again within the window.
                if rng.chance(0.5) {
                    plan.stallMultiplier = rng.uniform(1.30, 1.40)
                } else {
                    plan.stallMultiplier = rng.uniform(2.10, 2.30)
                    plan.stuck = rng.chance(0.4)
                }
            }
        case .crossBorder:
            guard rng.chance(probability(Mix.customsHold, config.crossBorderShare)) else { return plan }
            plan.customsHold = true
            if rng.chance(0.25) {
                plan.customsVariant = EventDetailVariant.firstTax + UInt8(rng.below(EventDetailVariant.taxes.count))
            } else {
                plan.customsVariant =
                    EventDetailVariant.firstDocuments + UInt8(rng.below(EventDetailVariant.missingDocumentSets.count))
            }
            plan.stuck = rng.chance(0.25)
        case .customerReturn:
            guard rng.chance(probability(Mix.returnStall, config.returnShare)) else { return plan }
            plan.returnStall = true
            plan.stallStep = rng.below(route.count - 1)
            plan.returnGap = Int32(rng.uniform(30 * 3600, 40 * 3600))
            plan.stuck = rng.chance(0.25)
        case .presale:
            plan.presaleSlip = rng.chance(probability(Mix.presaleSlip, config.presaleShare))
        }
        return plan
    }

    /// Stalls happen where a parcel waits on site; a linehaul leg's length depends on where the
    /// parcel goes, and customs has its own incident kind.
    static func stallEligible(_ step: RouteStep) -> Bool {
        guard step.dwell >= 0 else { return false }
        switch step.milestone {
        case .labelCreated, .pickedUp, .hubArrival, .outForDelivery: return true
        default: return false
        }
    }

    // MARK: Walking a route

    /// Emits the parcel's scans from `label` on, applying the incident plan and the typhoon.
    private mutating func walk(
        route: [RouteStep], from label: Int32, order: Int, plan: inout IncidentPlan, rng: inout Xoshiro256StarStar
    ) {
        var t = label
        var k = 0
        while t <= windowEnd {
            let step = route[k]
            let isCustoms = step.milestone == .customsStarted || step.milestone == .customsCleared
            emit(t, step.facility, step.milestone, detail: isCustoms ? EventDetailVariant.customs : 0)
            guard step.dwell >= 0 else { return }
            let facility = step.facility
            let sampler = planner.samplers[Int(step.dwell)]
            let factor = factor(t)

            if k == plan.stallStep {
                let seconds: Int32
                if plan.returnStall {
                    seconds = plan.returnGap
                } else {
                    seconds = Int32((plan.stallMultiplier * sampler.distribution.p90Seconds * factor).rounded())
                }
                if clashesWithTyphoon(facility, from: t, to: plan.stuck ? Int32.max : t + seconds) {
                    plan.stallStep = nextStallStep(after: k, in: route, returnStall: plan.returnStall)
                } else {
                    let end: Int32? = plan.stuck || t + seconds > windowEnd ? nil : t + seconds
                    let kind: InjectedIncident.Kind
                    if plan.returnStall {
                        kind = .returnStall
                    } else {
                        kind = .stall(
                            facilityCode: facilityCode(facility), milestone: step.milestone,
                            stallSeconds: Double((end ?? windowEnd) - t),
                            nominalP90Seconds: sampler.distribution.p90Seconds * factor)
                    }
                    addIncident(
                        order: order, kind: kind, startsAt: t, endsAt: end, facility: facility,
                        milestone: step.milestone)
                    guard let end else { return }
                    t = end
                    k += 1
                    continue
                }
            }

            if k == plan.lostStep {
                let lost = advance(
                    from: t, at: facility, to: t + sampler.draw(&rng, factor: factor), order: order, step.milestone,
                    &rng)
                guard lost <= windowEnd else { return }
                emit(lost, facility, .lostOrDamaged, detail: 0)
                addIncident(
                    order: order, kind: .lostOrDamaged, startsAt: lost, endsAt: nil, facility: facility,
                    milestone: .lostOrDamaged)
                return
            }

            if plan.customsHold, step.milestone == .customsStarted {
                // Customs reacts well before a normal clearance would finish.
                let reaction = max(60, Int32(sampler.distribution.medianSeconds * rng.uniform(0.1, 0.4)))
                let held = advance(from: t, at: facility, to: t + reaction, order: order, step.milestone, &rng)
                guard held <= windowEnd else { return }
                let documents = EventDetailVariant.missingDocuments(plan.customsVariant)
                let milestone: Milestone = documents.isEmpty ? .customsHeld : .customsDocsRequired
                emit(held, facility, milestone, detail: plan.customsVariant)
                let natural = held + Int32(rng.uniform(20 * 3600, 48 * 3600))
                if plan.stuck {
                    addIncident(
                        order: order, kind: .customsHold(missingDocuments: documents), startsAt: held, endsAt: nil,
                        facility: facility, milestone: milestone)
                    stuckInTyphoon(at: held, facility: facility, order: order, milestone)
                    return
                }
                let cleared = advance(from: held, at: facility, to: natural, order: order, milestone, &rng)
                addIncident(
                    order: order, kind: .customsHold(missingDocuments: documents), startsAt: held,
                    endsAt: cleared <= windowEnd ? cleared : nil, facility: facility, milestone: milestone)
                t = cleared
                k += 1
                continue
            }

            t = advance(
                from: t, at: facility, to: t + sampler.draw(&rng, factor: factor), order: order, step.milestone, &rng)
            k += 1
        }
    }

    private func nextStallStep(after k: Int, in route: [RouteStep], returnStall: Bool) -> Int {
        for j in (k + 1)..<route.count where returnStall ? route[j].dwell >= 0 : Self.stallEligible(route[j]) {
            return j
        }
        return -1
    }

    private mutating func emit(_ t: Int32, _ facility: UInt16, _ milestone: Milestone, detail: UInt8) {
        steps.append(Step(time: t, facility: facility, milestone: milestone.simulationCode, detail: detail))
    }

    // MARK: Typhoon

    private func clashesWithTyphoon(_ facility: UInt16, from start: Int32, to end: Int32) -> Bool {
        guard let typhoon, typhoon.covers[Int(facility)] else { return false }
        // A dwell ending exactly when the notice starts would put its next scan inside it.
        return start < typhoon.to && end >= typhoon.from
    }

    /// The time of the parcel's next scan after one at `t` in `facility`, which would naturally
    /// come at `natural`. Nothing leaves a facility in the typhoon's province while the notice is
    /// in force: a scan that would fall inside it happens after it lifts, once the backlog moves
    /// (5 minutes to 3 hours later). A parcel that sits there during the notice is an incident.
    private mutating func advance(
        from t: Int32, at facility: UInt16, to natural: Int32, order: Int, _ milestone: Milestone,
        _ rng: inout Xoshiro256StarStar
    ) -> Int32 {
        guard let typhoon, typhoon.covers[Int(facility)] else { return natural }
        var next = natural
        if next >= typhoon.from, next < typhoon.to {
            next = typhoon.to + Int32(rng.uniform(300, 3 * 3600))
        }
        if t < typhoon.to, next > typhoon.from {
            addIncident(
                order: order, kind: .disruption(noticeID: typhoon.notice.id), startsAt: max(t, typhoon.from),
                endsAt: next <= windowEnd ? next : nil, facility: facility, milestone: milestone)
        }
        return next
    }

    private mutating func stuckInTyphoon(at t: Int32, facility: UInt16, order: Int, _ milestone: Milestone) {
        guard let typhoon, typhoon.covers[Int(facility)], t < typhoon.to else { return }
        addIncident(
            order: order, kind: .disruption(noticeID: typhoon.notice.id), startsAt: max(t, typhoon.from), endsAt: nil,
            facility: facility, milestone: milestone)
    }

    // MARK: Ground truth

    private func facilityCode(_ facility: UInt16) -> String { planner.network.facilities[Int(facility)].code }

    private mutating func addIncident(
        order: Int, kind: InjectedIncident.Kind, startsAt: Int32, endsAt: Int32?, facility: UInt16?,
        milestone: Milestone?
    ) {
        let record = records[order]
        incidents.append(
            InjectedIncident(
                shipment: identifiers.shipmentKey(carrier: Int(record.carrier), sequence: record.sequence),
                orderID: identifiers.orderID(
                    createdAt: base + Int64(record.created), number: record.number,
                    isReturn: record.flags & OrderRecord.isReturn != 0),
                kind: kind, startsAt: date(startsAt), endsAt: endsAt.map(date),
                facilityCode: facility.map(facilityCode), milestone: milestone))
    }
}
