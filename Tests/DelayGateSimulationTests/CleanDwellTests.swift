import DelayGateModel
import DelayGateSimulation
import Foundation
import Testing

@Suite("Clean dwells")
struct CleanDwellTests {
    @Test("clean parcels dwell within their node's truncated range, peak days included")
    func withinRange() throws {
        for day in [standardDay, peakDay] {
            let incidents = day.shipmentsWithIncidents
            var checked = 0
            var worstRatio = 0.0
            var peakDwells = 0
            var cleanParcels = 0
            for key in day.allShipments where !incidents.contains(key) {
                let events = day.events(of: key)
                cleanParcels += 1
                for (event, next) in zip(events, events.dropFirst()) {
                    let distribution = try #require(day.network.dwell(from: event, to: next), "\(event.milestone)")
                    let factor = day.network.calendar.factor(at: event.time.instant)
                    if factor > 1 { peakDwells += 1 }
                    let dwell = next.time.instant.timeIntervalSince(event.time.instant)
                    #expect(dwell >= (distribution.minSeconds * factor).rounded(.down), "\(key)")
                    #expect(dwell <= distribution.maxSeconds * factor, "\(key)")
                    worstRatio = max(worstRatio, dwell / (distribution.p90Seconds * factor))
                    checked += 1
                }
            }
            print("clean dwells checked: \(checked), \(peakDwells) on peak days, worst dwell/p90 \(worstRatio)")
            #expect(worstRatio <= 1.1 + 1e-9)
            // Every clean parcel finishes within the window: at least six dwells from its label
            // (label → pick-up → hub → departure → station → out for delivery → delivered/returned).
            #expect(checked >= 6 * cleanParcels && cleanParcels > 5_000)
            if day.day == peakDay.day { #expect(peakDwells > 10_000) }
        }
    }

    @Test("clean dwell samples match the published p50 and p90")
    func quantilesMatch() throws {
        var samples: [DwellKey: [Double]] = [:]
        let incidents = standardDay.shipmentsWithIncidents
        for key in standardDay.allShipments where !incidents.contains(key) {
            let events = standardDay.events(of: key)
            for (event, next) in zip(events, events.dropFirst()) where event.milestone == .hubArrival {
                guard standardDay.network.calendar.factor(at: event.time.instant) == 1 else { continue }
                let dwellKey = DwellKey(
                    carrier: event.carrier, facilityCode: event.node.facilityCode!, milestone: event.milestone)
                samples[dwellKey, default: []].append(next.time.instant.timeIntervalSince(event.time.instant))
            }
        }
        var compared = 0
        for (key, values) in samples where values.count >= 400 {
            let sorted = values.sorted()
            let distribution = try #require(standardDay.network.dwells[key])
            let p50 = sorted[sorted.count / 2]
            let p90 = sorted[sorted.count * 9 / 10]
            #expect(abs(p50 / distribution.p50Seconds - 1) < 0.06, "\(key) p50 \(p50) vs \(distribution.p50Seconds)")
            #expect(abs(p90 / distribution.p90Seconds - 1) < 0.06, "\(key) p90 \(p90) vs \(distribution.p90Seconds)")
            compared += 1
        }
        #expect(compared >= 5)
    }

    @Test("no clean return parcel goes a day without a scan (a return stall is > 24 h)")
    func returnsScanDaily() {
        let network = standardDay.network
        let returnCarriers = network.carriers.filter(\.carriesReturns).map(\.id)
        #expect(Set(returnCarriers) == ["sf-express", "jd"])
        let incidents = standardDay.shipmentsWithIncidents
        var longest = 0.0
        for order in standardDay.orders where order.isReturn && !incidents.contains(order.shipments[0]) {
            let events = standardDay.events(of: order.shipments[0])
            for (event, next) in zip(events, events.dropFirst()) {
                longest = max(longest, next.time.instant.timeIntervalSince(event.time.instant))
            }
        }
        print("longest clean return gap: \(longest / 3600) h")
        #expect(longest < 24 * 3600)
    }

    @Test("distributions: sigma 0.2–0.35, max is 1.1 × p90, quantiles ordered")
    func distributions() {
        for (key, distribution) in standardDay.network.dwells {
            #expect(distribution.sigma >= 0.2 && distribution.sigma <= 0.35)
            #expect(abs(distribution.maxSeconds - 1.1 * distribution.p90Seconds) < 1e-6 * distribution.maxSeconds)
            #expect(distribution.minSeconds < distribution.p50Seconds)
            #expect(distribution.p50Seconds < distribution.p90Seconds)
            #expect(abs(distribution.quantile(0.9) - distribution.p90Seconds) < 1e-6 * distribution.p90Seconds)
            #expect(distribution.minSeconds >= 60)
            #expect((key.milestone == .hubDeparture) == (key.nextFacilityCode != nil))
            #expect(distribution.medianSeconds < 40 * 3600)
        }
        #expect(standardDay.network.dwells.count > 1000)
    }

    @Test("the peak calendar: Double 11, 618, Spring Festival")
    func calendar() {
        let calendar = standardDay.network.calendar
        #expect(calendar.factor(at: shanghai("2026-11-11T00:00:00+08:00")) == 1.6)
        #expect(calendar.factor(at: shanghai("2026-11-13T23:59:59+08:00")) == 1.6)
        #expect(calendar.factor(at: shanghai("2026-11-14T00:00:00+08:00")) == 1)
        #expect(calendar.factor(at: shanghai("2026-11-10T23:59:59+08:00")) == 1)
        #expect(calendar.factor(at: shanghai("2026-06-19T12:00:00+08:00")) == 1.4)
        #expect(calendar.factor(at: shanghai("2026-02-17T12:00:00+08:00")) == 2.0)
        #expect(calendar.factor(at: shanghai("2026-11-20T12:00:00+08:00")) == 1)
    }
}
