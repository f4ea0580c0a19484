import DelayGateModel
import Foundation
import Testing

func event(
    _ milestone: Milestone,
    at hour: Double,
    tracking: String = "SF1400000001",
    facility: String? = nil,
    id: String? = nil
) -> TrackingEvent {
    TrackingEvent(
        carrier: "sf-express",
        trackingNumber: tracking,
        time: EventTime(
            instant: Date(timeIntervalSince1970: 1_762_800_000 + hour * 3600), source: .explicitOffset(seconds: 28_800)),
        receivedAt: Date(timeIntervalSince1970: 1_762_900_000),
        milestone: milestone,
        carrierStatus: CarrierStatus(code: milestone.rawValue, text: nil),
        node: TrackingNode(facilityName: facility ?? "node-\(hour)"),
        carrierEventID: id)
}

func fold(_ events: [TrackingEvent]) -> Shipment {
    var shipment = Shipment(firstEvent: events[0])
    for event in events.dropFirst() { shipment.apply(event) }
    return shipment
}

@Suite("Shipment state")
struct ShipmentTests {
    @Test("state follows the newest event")
    func follows() {
        let shipment = fold([
            event(.pickedUp, at: 0), event(.hubArrival, at: 5, facility: "杭州转运中心"), event(.hubDeparture, at: 9),
        ])
        #expect(shipment.milestone == .hubDeparture)
        #expect(shipment.currentSince == Date(timeIntervalSince1970: 1_762_800_000 + 9 * 3600))
        #expect(shipment.isOpen)
        #expect(shipment.eventCount == 3)
    }

    @Test("a late hub_arrival after delivered is counted but does not reopen the shipment")
    func lateEventAfterDelivery() {
        let shipment = fold([event(.pickedUp, at: 0), event(.delivered, at: 30), event(.hubArrival, at: 12)])
        #expect(shipment.milestone == .delivered)
        #expect(shipment.state == .closed)
        #expect(shipment.eventCount == 3)
    }

    @Test("a scan stamped after delivery still does not reopen it")
    func newerScanAfterDelivery() {
        let shipment = fold([event(.pickedUp, at: 0), event(.delivered, at: 30), event(.hubArrival, at: 31)])
        #expect(shipment.milestone == .delivered)
        #expect(shipment.state == .closed)
        #expect(shipment.lastEventAt == Date(timeIntervalSince1970: 1_762_800_000 + 31 * 3600))
    }

    @Test("a delivery scan uploaded late still closes the shipment")
    func lateDeliveryScan() {
        let shipment = fold([event(.pickedUp, at: 0), event(.outForDelivery, at: 40), event(.delivered, at: 35)])
        #expect(shipment.milestone == .delivered)
        #expect(shipment.state == .closed)
    }

    @Test("an older non-terminal event never moves an open shipment back")
    func noRegression() {
        let shipment = fold([event(.hubDeparture, at: 10), event(.hubArrival, at: 4)])
        #expect(shipment.milestone == .hubDeparture)
    }

    @Test("with equal instants the further milestone wins, whatever the arrival order")
    func ties() {
        let a = fold([event(.hubArrival, at: 5), event(.hubDeparture, at: 5)])
        let b = fold([event(.hubDeparture, at: 5), event(.hubArrival, at: 5)])
        #expect(a.milestone == .hubDeparture)
        #expect(b.milestone == .hubDeparture)
    }

    @Test("the final state does not depend on arrival order")
    func orderIndependence() {
        let events = [
            event(.labelCreated, at: 0), event(.pickedUp, at: 2), event(.hubArrival, at: 5),
            event(.hubDeparture, at: 9),
            event(.outForDelivery, at: 20), event(.delivered, at: 23),
        ]
        let reference = fold(events)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let shuffled = events.shuffled(using: &generator)
            let shipment = fold(shuffled)
            #expect(shipment.milestone == reference.milestone)
            #expect(shipment.currentSince == reference.currentSince)
            #expect(shipment.state == reference.state)
            #expect(shipment.firstEventAt == reference.firstEventAt)
            #expect(shipment.lastEventAt == reference.lastEventAt)
            #expect(shipment.node == reference.node)
        }
    }

    @Test("returned after delivered moves a closed shipment to the newer terminal state")
    func returnedAfterDelivered() {
        let shipment = fold([event(.delivered, at: 10), event(.returned, at: 50)])
        #expect(shipment.milestone == .returned)
        #expect(shipment.state == .closed)
    }
}

@Suite("De-duplication keys")
struct DedupKeyTests {
    @Test("the same scan gets the same key however often and whenever it is received")
    func stable() {
        var first = event(.hubArrival, at: 5)
        var second = first
        second.receivedAt = first.receivedAt.addingTimeInterval(3600)
        second.carrierStatus.text = "text may vary between pushes"
        #expect(first.dedupKey == second.dedupKey)
        #expect(first.dedupKey.bytes.count == 16)
        first.node.facilityName = "另一个网点"
        #expect(first.dedupKey != second.dedupKey)
    }

    @Test("the carrier's event id decides when present")
    func carrierEventID() {
        let a = event(.hubArrival, at: 5, id: "evt-1")
        var b = event(.hubDeparture, at: 7, id: "evt-1")
        #expect(a.dedupKey == b.dedupKey)
        b.carrierEventID = "evt-2"
        #expect(a.dedupKey != b.dedupKey)
        #expect(event(.hubArrival, at: 5, tracking: "SF2", id: "evt-1").dedupKey != a.dedupKey)
    }

    @Test("the hex form is 32 lowercase digits")
    func hex() {
        let hex = event(.pickedUp, at: 1).dedupKey.hex
        #expect(hex.count == 32)
        #expect(hex.allSatisfy { "0123456789abcdef".contains($0) })
    }
}

@Suite("Orders")
struct OrderTests {
    @Test("phone numbers are masked to their last four digits")
    func maskedPhone() {
        #expect(Customer(phone: "+8613800138000").maskedPhone == "**********8000")
        #expect(Customer(phone: nil).maskedPhone == nil)
    }
}

@Suite("Status-only reports")
struct StatusOnlyTests {
    @Test("a carrier's stall report is counted but does not restart the dwell or move the parcel")
    func statusOnlyDoesNotMove() {
        var report = event(.exception, at: 40, facility: "—")
        report.details = EventDetails(carrierReportedStall: true, statusOnly: true)
        let shipment = fold([event(.pickedUp, at: 0), event(.hubArrival, at: 5, facility: "广州转运中心"), report])
        #expect(shipment.milestone == .hubArrival)
        #expect(shipment.node.facilityName == "广州转运中心")
        #expect(shipment.currentSince == Date(timeIntervalSince1970: 1_762_800_000 + 5 * 3600))
        #expect(shipment.eventCount == 3)
        #expect(shipment.lastEventAt == Date(timeIntervalSince1970: 1_762_800_000 + 40 * 3600))
    }
}
