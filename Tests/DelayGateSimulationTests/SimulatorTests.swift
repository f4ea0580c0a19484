import DelayGateModel
import DelayGateSimulation
import Foundation
import Testing

@Suite("Simulator")
struct SimulatorTests {
    @Test("the same seed gives the same events, orders and incidents; another seed does not")
    func determinism() {
        let config = SimulationConfig(orders: 2_000, seed: 99, historyDays: 2, historyOrdersPerDay: 500)
        let first = Simulator.generate(config)
        let second = Simulator.generate(config)
        #expect(Array(first.events()) == Array(second.events()))
        #expect(Array(first.orders) == Array(second.orders))
        #expect(Array(first.historyOrders) == Array(second.historyOrders))
        #expect(first.incidents == second.incidents)
        #expect(first.disruptions == second.disruptions)
        #expect(first.network.dwells == second.network.dwells)

        var other = config
        other.seed = 100
        let third = Simulator.generate(other)
        #expect(Array(first.events().prefix(500)) != Array(third.events().prefix(500)))
    }

    @Test("events come in time order, then carrier, then tracking number, and all of them")
    func globalOrder() throws {
        var previous: TrackingEvent?
        var count = 0
        for event in standardDay.events() {
            if let previous {
                let earlier =
                    previous.time.instant < event.time.instant
                    || (previous.time.instant == event.time.instant
                        && (previous.carrier, previous.trackingNumber) < (event.carrier, event.trackingNumber))
                if !earlier {
                    Issue.record("\(previous.trackingNumber) came before \(event.trackingNumber)")
                    break
                }
            }
            previous = event
            count += 1
        }
        #expect(count == standardDay.eventCount)
        let perShipment = standardDay.allShipments.reduce(0) { $0 + standardDay.events(of: $1).count }
        #expect(perShipment == count)
        // In order, so the last event bounds them all.
        #expect(try #require(previous).time.instant <= standardDay.windowEnd)
        var iterator = standardDay.events().makeIterator()
        let first = iterator.next()
        #expect(try #require(first).time.instant >= standardDay.historyStart)
    }

    @Test("each parcel's events are strictly time-ordered and follow its planned route")
    func routeOrder() throws {
        for day in [standardDay, peakDay] {
            for key in day.allShipments {
                let events = day.events(of: key)
                let route = try #require(day.plannedRoute(of: key))
                var stop = 0
                var previous: TrackingEvent?
                for event in events {
                    if let previous {
                        #expect(previous.time.instant < event.time.instant, "\(key)")
                    }
                    #expect(event.carrierEventID != nil)
                    #expect(event.time.source == .explicitOffset(seconds: 28_800))
                    #expect(event.node.country != nil && event.node.facilityName != nil && event.node.region != nil)
                    if stop < route.count, route[stop].facilityCode == event.node.facilityCode,
                        route[stop].milestone == event.milestone
                    {
                        stop += 1
                    } else if event.milestone == .customsDocsRequired || event.milestone == .customsHeld {
                        // Inserted after customs_started at the same office.
                        #expect(previous?.milestone == .customsStarted)
                        #expect(previous?.node.facilityCode == event.node.facilityCode)
                    } else if event.milestone == .lostOrDamaged {
                        #expect(event == events.last)
                        #expect(previous?.node.facilityCode == event.node.facilityCode)
                    } else {
                        Issue.record("\(key): \(event.milestone) at \(event.node.facilityCode ?? "?") is off its route")
                        return
                    }
                    previous = event
                }
            }
        }
    }

    @Test("routes start with label_created and end with delivered (forward) or returned (return)")
    func routeShapes() throws {
        let incidents = standardDay.shipmentsWithIncidents
        for order in standardDay.orders.prefix(3000) {
            let key = try #require(order.shipments.first)
            let route = try #require(standardDay.plannedRoute(of: key))
            #expect(route.first?.milestone == .labelCreated)
            #expect(route.last?.milestone == (order.isReturn ? .returned : .delivered))
            let events = standardDay.events(of: key)
            #expect(events.allSatisfy { $0.direction == (order.isReturn ? .return : .forward) })
            #expect(events.allSatisfy { $0.carrier == key.carrier && $0.trackingNumber == key.trackingNumber })
            if order.presale == nil, let promised = order.promisedDeliveryDate,
                !incidents.contains(key), let last = events.last
            {
                // A clean parcel arrives by the end of its promised day.
                #expect(last.milestone == .delivered)
                #expect(last.time.instant < promised.addingTimeInterval(86_400))
            }
        }
    }

    @Test("every order is known (its updatedAt) before its parcel's first scan, history and day alike")
    func ordersPrecedeEvents() {
        var checked = 0
        for order in Array(standardDay.historyOrders) + Array(standardDay.orders) {
            guard let first = standardDay.events(of: order.shipments[0]).first else { continue }
            #expect(order.updatedAt < first.time.instant, "\(order.id)")
            checked += 1
        }
        #expect(checked > 25_000)
    }

    @Test("orders carry customers, values, destinations, promises and their parcel")
    func orders() throws {
        let orders = Array(standardDay.orders)
        #expect(orders.count == 20_000)
        #expect(standardDay.historyOrders.count == 6_000)
        #expect(Set(orders.map(\.id)).count == orders.count)
        #expect(orders.allSatisfy { $0.shipments.count == 1 && $0.value.currency == "CNY" && $0.value.amount > 0 })
        #expect(orders.allSatisfy { $0.customer.phone?.hasPrefix("+86") == true })
        let day = standardDay.day
        #expect(orders.allSatisfy { $0.updatedAt >= day })
        let returns = orders.filter(\.isReturn)
        let presales = orders.compactMap(\.presale)
        #expect(returns.count > 500 && returns.count < 1100)
        #expect(presales.count > 700 && presales.count < 1300)
        #expect(returns.allSatisfy { $0.promisedDeliveryDate == nil && $0.id.hasPrefix("RT-") })
        #expect(orders.filter { !$0.isReturn }.allSatisfy { $0.promisedDeliveryDate != nil })
        let crossBorder = orders.filter { order in
            standardDay.events(of: order.shipments[0]).contains { $0.milestone == .customsStarted }
        }
        #expect(crossBorder.count > 400 && crossBorder.count < 800)
        #expect(Set(orders.map { $0.shipments[0].carrier }) == ["sf-express", "zto", "yto", "yunda", "jd"])
        let provinces = Set(orders.compactMap(\.destination.region))
        #expect(provinces.count == 20)
        let sample = try #require(orders.first { !$0.isReturn && $0.presale == nil })
        #expect(standardDay.order(for: sample.shipments[0]) == sample)
    }
}
