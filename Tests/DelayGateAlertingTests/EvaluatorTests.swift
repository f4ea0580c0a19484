import DelayGateAlerting
import DelayGateModel
import Foundation
import Testing

@Suite("Alert evaluator")
struct EvaluatorTests {
    let arrival = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18, outside peak seasons

    func shipment(_ milestone: Milestone = .hubArrival, since: Date? = nil, direction: Direction = .forward) -> Shipment
    {
        var event = TrackingEvent(
            carrier: "zto", trackingNumber: "ZT1",
            time: EventTime(instant: since ?? arrival, source: .explicitOffset(seconds: 28_800)), receivedAt: arrival,
            milestone: milestone, carrierStatus: CarrierStatus(code: milestone.rawValue),
            node: TrackingNode(
                facilityCode: "HZHUB", facilityName: "杭州转运中心", city: "杭州市", region: "浙江省", country: "CN"),
            direction: direction)
        event.carrierEventID = "1"
        return Shipment(firstEvent: event)
    }

    /// An evaluator whose node HZHUB/hub_arrival has a tight 10 h baseline.
    func evaluator(language: AlertPolicy.Language = .zh) -> AlertEvaluator {
        var baselines = DwellBaselines()
        for _ in 0..<100 {
            baselines.learn(
                NodeKey(carrier: "zto", facility: "HZHUB", milestone: .hubArrival), seconds: 10 * 3600, at: arrival)
        }
        return AlertEvaluator(
            policy: AlertPolicy(language: language), baselines: baselines, lanes: LaneRiskModel(),
            calendar: SeasonCalendar())
    }

    @Test("dwell levels start at 1.2 E and 1.5 E, and the next check is the next crossing")
    func dwellLevels() throws {
        let engine = evaluator()
        let context = ShipmentContext(shipment: shipment())
        let expected = engine.expectedDwell(context, at: arrival).seconds
        #expect(abs(expected / 36_000 - 1) < 0.06)

        let quiet = engine.assess(context, now: arrival.addingTimeInterval(3600))
        #expect(quiet.findings.isEmpty)
        let warningAt = try #require(quiet.nextCheckAt)
        #expect(abs(warningAt.timeIntervalSince(arrival) - 1.2 * expected) < 1)

        let warned = engine.assess(context, now: warningAt)
        let finding = try #require(warned.strongest(in: .node))
        #expect(finding.scenario == .dwell && finding.level == .warning)
        #expect(finding.reason.zh.hasPrefix("在杭州转运中心停留 "))
        #expect(finding.reason.zh.contains("(+20%)"))
        #expect(abs(try #require(warned.nextCheckAt).timeIntervalSince(arrival) - 1.5 * expected) < 1)

        let urgent = engine.assess(context, now: arrival.addingTimeInterval(1.5 * expected))
        #expect(urgent.strongest(in: .node)?.level == .urgent)
        #expect(urgent.nextCheckAt == nil)
    }

    @Test("Double-11 stretches the expected dwell by its factor")
    func peakSeason() {
        let engine = evaluator()
        let double11 = Date(timeIntervalSince1970: 1_794_369_600)
        let context = ShipmentContext(shipment: shipment(since: double11))
        let peak = engine.expectedDwell(context, at: double11).seconds
        let normal = engine.expectedDwell(ShipmentContext(shipment: shipment()), at: arrival).seconds
        #expect(abs(peak / normal - 1.6) < 1e-9)
    }

    @Test("customs documents and holds are urgent at once, with the missing documents")
    func customs() throws {
        let engine = evaluator(language: .en)
        let assessment = engine.assess(
            ShipmentContext(
                shipment: shipment(.customsDocsRequired),
                latestDetails: EventDetails(missingDocuments: ["commercial_invoice", "id_card"])),
            now: arrival.addingTimeInterval(60))
        let finding = try #require(assessment.findings.first { $0.scenario == .customs })
        #expect(finding.level == .urgent)
        #expect(finding.missingDocuments == ["commercial_invoice", "id_card"])
        #expect(finding.reason.en == "customs requires documents: commercial_invoice, id_card")
    }

    @Test("a return without a scan for 24 h is urgent; before that the check is armed for it")
    func returns() throws {
        let engine = evaluator()
        let context = ShipmentContext(shipment: shipment(.returning, direction: .return))
        let early = engine.assess(context, now: arrival.addingTimeInterval(3600))
        #expect(early.findings.isEmpty)
        #expect(early.nextCheckAt == arrival.addingTimeInterval(24 * 3600))
        let late = engine.assess(context, now: arrival.addingTimeInterval(24 * 3600))
        #expect(late.findings.first?.scenario == .returnStall && late.findings.first?.level == .urgent)
    }

    @Test("a route-interrupting disruption on the node or the destination region is extreme; a lesser one stretches E")
    func disruptions() throws {
        let engine = evaluator()
        let typhoon = DisruptionNotice(
            id: "t1", kind: .weather, severity: .severe, routeInterrupted: true, regions: ["浙江省"],
            validFrom: arrival.addingTimeInterval(-3600), title: "台风", source: "weather")
        let atNode = engine.assess(ShipmentContext(shipment: shipment(), disruptions: [typhoon]), now: arrival)
        #expect(atNode.findings.first?.scenario == .disruption && atNode.findings.first?.level == .extreme)
        let fog = DisruptionNotice(
            id: "f1", kind: .weather, severity: .major, routeInterrupted: false, regions: ["浙江省"],
            validFrom: arrival.addingTimeInterval(-3600), title: "大雾", source: "weather")
        let stretched = engine.expectedDwell(ShipmentContext(shipment: shipment(), disruptions: [fog]), at: arrival)
            .seconds
        let normal = engine.expectedDwell(ShipmentContext(shipment: shipment()), at: arrival).seconds
        #expect(abs(stretched / normal - 1.5) < 1e-9)
    }

    @Test("lost or damaged is extreme even though the shipment is closed")
    func lost() {
        let assessment = evaluator().assess(ShipmentContext(shipment: shipment(.lostOrDamaged)), now: arrival)
        #expect(assessment.findings.map(\.level) == [.extreme])
        #expect(assessment.nextCheckAt == nil)
    }

    @Test("a presale order whose supplier goods come too late is a warning")
    func presale() throws {
        let engine = evaluator()
        func order(eta: Double) -> Order {
            Order(
                id: "SO-1", customer: Customer(), value: Money(amount: 1, currency: "CNY"),
                presale: Presale(
                    supplierETA: arrival.addingTimeInterval(eta),
                    promisedShipDate: arrival.addingTimeInterval(5 * 86_400)),
                updatedAt: arrival)
        }
        #expect(engine.assess(order: order(eta: 2 * 86_400), now: arrival) == nil)
        // Goods arriving at the start of the promised day still ship by its end (24 h handling).
        #expect(engine.assess(order: order(eta: 5 * 86_400), now: arrival) == nil)
        let late = try #require(engine.assess(order: order(eta: 5 * 86_400 + 3600), now: arrival))
        #expect(late.level == .warning)
        let slip = try #require(engine.assess(order: order(eta: 6 * 86_400), now: arrival))
        #expect(slip.scenario == .presale && slip.level == .warning && slip.extraDelayDays == 1)
    }
}

@Suite("Lane delivery risk")
struct LaneRiskTests {
    @Test("the armed due time is the first instant the risk reaches the threshold")
    func dueTime() throws {
        var model = LaneRiskModel(policy: .init(minimumSamples: 100))
        var generator = SplitMix(seed: 3)
        let lane = LaneKey(carrier: "zto", origin: "浙江省", destination: "广东省")
        for _ in 0..<500 {
            // Most parcels use 40–90 % of their window; a few are late.
            model.learn(lane, transit: Double.random(in: 0.4...1.15, using: &generator) * 100_000, window: 100_000)
        }
        let handoff = Date(timeIntervalSince1970: 1_795_000_000)
        for threshold in [0.3, 0.475, 0.7] {
            let due = try #require(model.dueTime(lane, handoff: handoff, window: 100_000, threshold: threshold))
            let elapsed = due.timeIntervalSince(handoff)
            #expect(try #require(model.risk(lane, elapsed: elapsed, window: 100_000)) >= threshold)
            #expect(try #require(model.risk(lane, elapsed: elapsed - 1, window: 100_000)) < threshold || elapsed <= 1)
        }
        #expect(model.risk(lane, elapsed: 100_000, window: 100_000) == 1)
        let window = try #require(model.deliveryWindow(lane, handoff: handoff, window: 100_000, elapsed: 0))
        #expect(window[0] < window[1] && window[1] < window[2])
    }

    @Test("sparse lanes fall back: carrier lane → lane → any origin → everything")
    func fallback() throws {
        var model = LaneRiskModel(policy: .init(minimumSamples: 10))
        for _ in 0..<12 {
            model.learn(LaneKey(carrier: "sf", origin: "SP", destination: "RJ"), transit: 50, window: 100)
        }
        #expect(
            model.distribution(for: LaneKey(carrier: "zto", origin: "SP", destination: "RJ"))?.key
                == LaneKey(origin: "SP", destination: "RJ"))
        #expect(
            model.distribution(for: LaneKey(carrier: "zto", origin: "MG", destination: "RJ"))?.key
                == LaneKey(origin: "*", destination: "RJ"))
        #expect(
            model.distribution(for: LaneKey(origin: "MG", destination: "BA"))?.key
                == LaneKey(origin: "*", destination: "*"))
    }
}
