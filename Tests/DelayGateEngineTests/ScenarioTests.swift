import DelayGateAdapters
import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Testing

@Suite("Alert scenarios through the engine")
struct ScenarioTests {
    @Test("customs asking for documents is urgent at once and lists them; a ticket is planned")
    func customs() async throws {
        try await withReplay { replay in
            let docs = EventDetails(missingDocuments: ["commercial_invoice", "id_card_copy"])
            try await replay.deliver(event(.customsDocsRequired, hours: 0, details: docs), at: at(hours: 0))
            try await replay.advance(through: at(hours: 0))
            let alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["urgent"])
            #expect(alerts.first?.scenario == "customs")
            #expect(alerts.first?.details.contains("commercial_invoice") == true)
            #expect(alerts.first?.details.contains("id_card_copy") == true)
            #expect(try await replay.actions(of: alerts[0]) == ["helpdesk_ticket"])
        }
    }

    @Test("a return with no scan for 24 h is urgent at 24 h, not before")
    func returnStall() async throws {
        try await withReplay { replay in
            try await replay.deliver(event(.returning, hours: 0, direction: .return), at: at(hours: 0))
            try await replay.advance(through: at(hours: 23.9))
            #expect(try await replay.alerts().isEmpty)
            try await replay.advance(through: at(hours: 24))
            let alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["urgent"])
            #expect(alerts.first?.scenario == "return_stall")
            #expect(alerts.first?.raisedAt == at(hours: 24))
        }
    }

    @Test("a route-interrupting disruption over the parcel's region is extreme and asks for alternative fulfilment")
    func disruption() async throws {
        try await withReplay { replay in
            try await replay.deliver(event(.hubArrival, hours: 0), at: at(hours: 0))
            try await replay.advance(through: at(hours: 1))
            #expect(try await replay.alerts().isEmpty)
            let typhoon = DisruptionNotice(
                id: "typhoon-1", kind: .weather, severity: .severe, routeInterrupted: true, regions: ["浙江省"],
                validFrom: at(hours: 2), validTo: at(hours: 20), title: "台风登陆，浙江线路中断", source: "test")
            try await replay.deliver(NormalizedPayload(disruptions: [typhoon]), at: at(hours: 1.5))
            try await replay.advance(through: at(hours: 1.9))
            #expect(try await replay.alerts().isEmpty)  // not in force yet
            try await replay.advance(through: at(hours: 2))
            let alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["extreme"])
            #expect(alerts.first?.scenario == "disruption")
            #expect(alerts.first?.raisedAt == at(hours: 2))
            #expect(try await replay.actions(of: alerts[0]) == ["helpdesk_ticket", "alternative_fulfilment"])
            // A parcel in another region is untouched.
            try await replay.deliver(event(.hubArrival, hours: 3, tracking: "ZTO200", node: shenzhen), at: at(hours: 3))
            try await replay.advance(through: at(hours: 3))
            #expect(try await replay.alerts("ZTO200").isEmpty)
        }
    }

    @Test("a lost parcel is extreme at once")
    func lost() async throws {
        try await withReplay { replay in
            try await replay.deliver(event(.hubArrival, hours: 0), at: at(hours: 0))
            try await replay.deliver(event(.lostOrDamaged, hours: 2), at: at(hours: 2))
            try await replay.advance(through: at(hours: 2))
            let alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["extreme"])
            #expect(alerts.first?.scenario == "lost_or_damaged")
        }
    }

    @Test("a presale order whose supplier slips is warned when the order arrives, 48 h or more ahead")
    func presale() async throws {
        try await withReplay { replay in
            let promisedShip = at(hours: 96)
            let order = Order(
                id: "PO-1", customer: Customer(phone: "+8613800138000"), value: Money(amount: 399, currency: "CNY"),
                presale: Presale(supplierETA: at(hours: 100), promisedShipDate: promisedShip), updatedAt: at(hours: 0))
            try await replay.deliver(NormalizedPayload(orders: [order]), at: at(hours: 0))
            let alerts = try await replay.database.read { db in
                try StoredAlertQuery.all(in: db)
            }
            #expect(alerts.map(\.level) == ["warning"])
            #expect(alerts.first?.scenario == "presale")
            #expect(alerts.first?.orderID == "PO-1")
            #expect(alerts.first.map { promisedShip.timeIntervalSince($0.raisedAt) >= 48 * 3600 } == true)

            // The supplier catches up: the episode closes.
            var fixed = order
            fixed.presale = Presale(supplierETA: at(hours: 30), promisedShipDate: promisedShip)
            fixed.updatedAt = at(hours: 5)
            try await replay.deliver(NormalizedPayload(orders: [fixed]), at: at(hours: 5))
            let episodes = try await replay.database.read { db in try AlertStore.episodes(subject: "order:PO-1", in: db)
            }
            #expect(episodes.count == 1)
            #expect(episodes.first?.closedAt == at(hours: 5))
        }
    }
}

enum StoredAlertQuery {
    static func all(in db: GRDB.Database) throws -> [StoredAlert] {
        try AlertStore.recent(limit: 1000, in: db).reversed()
    }
}
