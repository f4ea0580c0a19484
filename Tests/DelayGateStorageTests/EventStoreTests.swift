import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Testing

@Suite("Event store")
struct EventStoreTests {
    let now = Date(timeIntervalSince1970: 1_794_500_000)

    @Test("a duplicate delivery of the same event gives one row")
    func duplicates() async throws {
        try await withDatabase { pool, _ in
            let events = [sampleEvent(.pickedUp, hour: 0), sampleEvent(.hubArrival, hour: 5)]
            let first = try await pool.write { [now] db in try EventStore.record(events, inboxID: 1, at: now, in: db) }
            var resent = events
            resent[1].receivedAt = now  // a retry arrives later but is the same scan
            let second = try await pool.write { [now, resent] db in
                try EventStore.record(resent + resent, inboxID: 2, at: now, in: db)
            }
            #expect(first.inserted == 2)
            #expect(second.inserted == 0)
            #expect(second.duplicates == 4)
            #expect(second.changedShipments.isEmpty)
            let count = try await pool.read { db in try EventStore.count(in: db) }
            #expect(count == 2)
            let shipment = try await pool.read { db in try ShipmentStore.shipment(events[0].shipmentKey, in: db) }
            #expect(shipment?.eventCount == 2)
        }
    }

    @Test("events arriving out of order are stored but never move the shipment back")
    func outOfOrder() async throws {
        try await withDatabase { pool, _ in
            let key = sampleEvent(.pickedUp, hour: 0).shipmentKey
            for batch in [
                [sampleEvent(.pickedUp, hour: 0)],
                [sampleEvent(.delivered, hour: 30, facility: "杭州西湖营业部")],
                [sampleEvent(.hubArrival, hour: 12, facility: "上海转运中心")],
            ] {
                try await pool.write { [now] db in _ = try EventStore.record(batch, inboxID: nil, at: now, in: db) }
            }
            let shipment = try #require(try await pool.read { db in try ShipmentStore.shipment(key, in: db) })
            #expect(shipment.milestone == .delivered)
            #expect(shipment.state == .closed)
            #expect(shipment.node.facilityName == "杭州西湖营业部")
            #expect(shipment.eventCount == 3)
            let stored = try await pool.read { db in try EventStore.events(for: key, in: db) }
            #expect(stored.map(\.event.milestone) == [.pickedUp, .hubArrival, .delivered])
        }
    }

    @Test("stored events read back as they were written")
    func roundTrip() async throws {
        try await withDatabase { pool, _ in
            var event = sampleEvent(.unknown, hour: 3, code: "STALL-412")
            event.direction = .return
            event.carrierEventID = "evt-9"
            event.time.source = .explicitOffset(seconds: -16_200)
            try await pool.write { [now, event] db in _ = try EventStore.record([event], inboxID: 7, at: now, in: db) }
            let key = event.shipmentKey
            let stored = try #require(try await pool.read { db in try EventStore.events(for: key, in: db) }.first)
            #expect(stored.event == event)
            #expect(stored.inboxID == 7)
            #expect(stored.dedupKey == event.dedupKey)
        }
    }
}

@Suite("Order store")
struct OrderStoreTests {
    func order(updatedAt: Double, value: Decimal = Decimal(string: "1299.50")!) -> Order {
        Order(
            id: "SO-20261111-0001",
            customer: Customer(
                id: "c-1", name: "王小明", phone: "+8613800138000", preferredChannel: .push, locale: "zh-CN"),
            destination: TrackingNode(city: "广州市", region: "广东省", country: "CN"),
            value: Money(amount: value, currency: "CNY"),
            promisedDeliveryDate: Date(timeIntervalSince1970: 1_794_600_000),
            presale: Presale(supplierETA: Date(timeIntervalSince1970: 1_794_300_000)),
            shipments: [
                ShipmentKey(carrier: "sf-express", trackingNumber: "SF1"),
                ShipmentKey(carrier: "zto", trackingNumber: "Z2"),
            ],
            updatedAt: Date(timeIntervalSince1970: updatedAt))
    }

    @Test("an order round-trips with its shipments, exact to the cent")
    func roundTrip() async throws {
        try await withDatabase { pool, _ in
            let order = order(updatedAt: 1_794_000_000)
            try await pool.write { db in _ = try OrderStore.upsert(order, in: db) }
            let stored = try await pool.read { db in try OrderStore.order(id: order.id, in: db) }
            #expect(stored == order)
            let byShipment = try await pool.read { db in
                try OrderStore.orders(for: ShipmentKey(carrier: "zto", trackingNumber: "Z2"), in: db)
            }
            #expect(byShipment.map(\.id) == [order.id])
        }
    }

    @Test("an older update never rolls an order back")
    func staleUpdate() async throws {
        try await withDatabase { pool, _ in
            let newer = order(updatedAt: 1_794_000_100, value: 10)
            let older = order(updatedAt: 1_794_000_000, value: 99)
            let applied = try await pool.write { db in
                (try OrderStore.upsert(newer, in: db), try OrderStore.upsert(older, in: db))
            }
            #expect(applied == (true, false))
            #expect(try await pool.read { db in try OrderStore.order(id: newer.id, in: db) }?.value.amount == 10)
        }
    }
}
