import DelayGateModel
import DelayGateSimulation
import Foundation
import Testing

@Suite("Ground truth")
struct GroundTruthTests {
    @Test("no event of an incident's parcel falls inside the incident, whatever its kind")
    func exactIntervals() throws {
        for incident in standardDay.incidents {
            let events = standardDay.events(of: incident.shipment)
            let inside = events.filter { event in
                event.time.instant > incident.startsAt && (incident.endsAt.map { event.time.instant < $0 } ?? true)
            }
            #expect(inside.isEmpty, "\(incident.kindName) \(incident.shipment): \(inside.map(\.milestone))")
            if let end = incident.endsAt {
                #expect(events.contains { $0.time.instant == end }, "\(incident.kindName) \(incident.shipment)")
                #expect(end > incident.startsAt)
            }
            if case .presaleSlip = incident.kind { continue }
            // The parcel's last scan at or before the start is at the incident's node.
            let last = try #require(events.last { $0.time.instant <= incident.startsAt }, "\(incident.shipment)")
            #expect(last.node.facilityCode == incident.facilityCode)
            #expect(last.milestone == incident.milestone)
        }
    }

    @Test("a stall starts at the scan that put the parcel at the node and is sized on that node's p90")
    func stalls() throws {
        let network = standardDay.network
        var warning = 0
        var urgent = 0
        var stuck = 0
        for incident in standardDay.incidents {
            guard case .stall(let code, let milestone, let seconds, let p90) = incident.kind else { continue }
            #expect(milestone != .hubDeparture)
            let events = standardDay.events(of: incident.shipment)
            let start = try #require(events.firstIndex { $0.time.instant == incident.startsAt })
            #expect(events[start].node.facilityCode == code && events[start].milestone == milestone)
            let distribution = try #require(
                network.dwell(carrier: incident.shipment.carrier, facilityCode: code, milestone: milestone))
            let factor = network.calendar.factor(at: incident.startsAt)
            #expect(abs(p90 - distribution.p90Seconds * factor) < 1e-6)
            if let end = incident.endsAt {
                #expect(seconds == end.timeIntervalSince(incident.startsAt))
                #expect(events[start + 1].time.instant == end)
                let ratio = seconds / p90
                #expect((1.29...1.41).contains(ratio) || (2.09...2.31).contains(ratio), "ratio \(ratio)")
                if ratio < 2 {
                    warning += 1
                    #expect(incident.severity == .warning)
                    #expect(incident.instantDwellReaches(2) == nil)
                } else {
                    urgent += 1
                    #expect(incident.severity == .urgent)
                }
                #expect(incident.instantDwellReaches(1.25) == incident.startsAt.addingTimeInterval(1.25 * p90))
            } else {
                stuck += 1
                #expect(start == events.count - 1)
                #expect(seconds == standardDay.windowEnd.timeIntervalSince(incident.startsAt))
                #expect(seconds > 2.2 * p90)
                #expect(incident.severity == .urgent)
            }
        }
        print("stalls: \(warning) warning-level, \(urgent) urgent-level, \(stuck) stuck")
        #expect(warning > 100 && urgent > 50 && stuck > 30)
        #expect(abs(Double(warning) - Double(urgent + stuck)) < 0.25 * Double(warning + urgent + stuck))
    }

    @Test("customs holds, return stalls, presale slips and lost parcels look as their kind says")
    func otherKinds() throws {
        for incident in standardDay.incidents {
            let events = standardDay.events(of: incident.shipment)
            let order = try #require(standardDay.order(for: incident.shipment))
            switch incident.kind {
            case .customsHold(let documents):
                let held = try #require(events.first { $0.time.instant == incident.startsAt })
                #expect(held.milestone == (documents.isEmpty ? .customsHeld : .customsDocsRequired))
                #expect(held.details.missingDocuments == documents)
                #expect(held.details.customsDeclaration != nil)
                #expect(documents.isEmpty == (held.details.taxDue != nil))
                if let end = incident.endsAt {
                    #expect(events.first { $0.time.instant == end }?.milestone == .customsCleared)
                }
            case .returnStall:
                #expect(order.isReturn)
                #expect(events.allSatisfy { $0.direction == .return })
                let gap = (incident.endsAt ?? standardDay.windowEnd).timeIntervalSince(incident.startsAt)
                #expect(gap >= 30 * 3600)
            case .presaleSlip(let eta, let promisedShip):
                let presale = try #require(order.presale)
                #expect(presale.supplierETA == eta && presale.promisedShipDate == promisedShip)
                #expect(eta > promisedShip)
                #expect(order.updatedAt == incident.startsAt)
                #expect(events.first?.time.instant == incident.endsAt)
                #expect(events.allSatisfy { $0.time.instant > eta })
            case .lostOrDamaged:
                #expect(events.last?.milestone == .lostOrDamaged)
                #expect(events.last?.time.instant == incident.startsAt)
                #expect(incident.endsAt == nil)
            case .disruption, .stall:
                break
            }
        }
        // Clean presale orders are on time: the supplier delivers before the promised ship day.
        let slipped = Set(standardDay.incidents.filter { $0.kindName == "presale_slip" }.map(\.orderID))
        for order in standardDay.orders where order.presale != nil && !slipped.contains(order.id) {
            #expect(order.presale!.supplierETA < order.presale!.promisedShipDate!)
        }
    }

    @Test("the incident mix: every kind present, about incidentRate of the day's orders")
    func mix() {
        var byKind: [String: Int] = [:]
        for incident in standardDay.incidents { byKind[incident.kindName, default: 0] += 1 }
        print("incidents by kind: \(byKind.sorted { $0.key < $1.key })")
        for kind in ["stall", "customs_hold", "return_stall", "presale_slip", "disruption", "lost_or_damaged"] {
            #expect((byKind[kind] ?? 0) > 0, "no \(kind)")
        }
        let dayOrders = Set(standardDay.orders.map(\.id))
        let injected = Set(
            standardDay.incidents.filter { $0.kindName != "disruption" && dayOrders.contains($0.orderID) }.map(
                \.orderID))
        let share = Double(injected.count) / Double(standardDay.orders.count)
        #expect(abs(share - 0.05) < 0.008, "share \(share)")
        #expect(standardDay.incidents.allSatisfy { $0.kindName == "disruption" || dayOrders.contains($0.orderID) })
    }

    @Test("the typhoon stops everything leaving its province while it is in force")
    func typhoon() throws {
        let notice = try #require(standardDay.disruptions.first)
        #expect(standardDay.disruptions.count == 1)
        #expect(notice.routeInterrupted && notice.kind == .weather && notice.regions.count == 1)
        let from = notice.validFrom
        let to = try #require(notice.validTo)
        #expect(from >= standardDay.day && to <= standardDay.day.addingTimeInterval(86_400))
        let region = notice.regions[0]
        let disrupted = standardDay.incidents.filter { $0.kindName == "disruption" }
        #expect(disrupted.count > 100)
        for incident in disrupted {
            #expect(standardDay.network.facility(code: incident.facilityCode!)?.province == region)
            #expect(incident.startsAt >= from && incident.startsAt < to)
            if case .disruption(let id) = incident.kind { #expect(id == notice.id) }
        }
        // Every parcel whose last scan sat in the region during the notice is an incident.
        let disruptedShipments = Set(disrupted.map(\.shipment))
        for key in standardDay.allShipments {
            let events = standardDay.events(of: key)
            for (i, event) in events.enumerated() where event.node.region == region && !event.milestone.isTerminal {
                let until = i + 1 < events.count ? events[i + 1].time.instant : Date.distantFuture
                let overlaps = event.time.instant < to && until > from
                if overlaps { #expect(disruptedShipments.contains(key), "\(key) at \(event.node.facilityCode!)") }
                if i + 1 < events.count, events[i + 1].time.instant >= from, events[i + 1].time.instant < to {
                    Issue.record("\(key) left \(event.node.facilityCode!) during the typhoon")
                }
            }
        }
    }
}
