import DelayGateAdapters
import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import Testing

@Suite("Deadline scheduler: stalls")
struct StallTests {
    @Test("a stall raises a warning at 1.2 E and urgent at 1.5 E, exactly at the crossings, once each")
    func escalation() async throws {
        let model = AlertModel()
        teachHangzhouDwell(model, hours: 10)
        let expected = hangzhouExpectation(model)
        #expect(abs(expected - 10 * 3600) <= 3600)
        let warningAt = wholeSecond(at(hours: 0).addingTimeInterval(1.2 * expected))
        let urgentAt = wholeSecond(at(hours: 0).addingTimeInterval(1.5 * expected))
        try await withReplay(model: model) { replay in
            try await replay.deliver(event(.hubArrival, hours: 0), at: at(hours: 0))

            try await replay.advance(through: warningAt.addingTimeInterval(-1))
            #expect(try await replay.alerts().isEmpty)
            // The next deadline is the warning crossing, not a poll.
            #expect(try await replay.nextDue() == warningAt)

            try await replay.advance(through: warningAt)
            var alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["warning"])
            #expect(alerts[0].scenario == "dwell")
            #expect(alerts[0].raisedAt == warningAt)
            #expect(alerts[0].reasonZH == "在杭州转运中心停留 12 h，预期 10 h (+20%)")
            #expect(alerts[0].reasonEN == "at 杭州转运中心 for 12 h, expected 10 h (+20%)")
            #expect(try await replay.actions(of: alerts[0]) == ["notify_customer"])
            #expect(try await replay.nextDue() == urgentAt)

            try await replay.advance(through: at(hours: 40))
            alerts = try await replay.alerts()
            #expect(alerts.map(\.level) == ["warning", "urgent"])
            #expect(alerts[1].raisedAt == urgentAt)
            #expect(try await replay.actions(of: alerts[1]) == ["helpdesk_ticket", "voice_callback"])
            let details = try JSONSerialization.jsonObject(with: Data(alerts[1].details.utf8)) as? [String: Any]
            #expect(details?["dwell_seconds"] as? Int == Int(urgentAt.timeIntervalSince(at(hours: 0))))
            #expect(details?["expected_seconds"] as? Int == Int(expected))
            #expect(details?["extra_delay_days"] as? Int == 1)

            let episodes = try await replay.episodes()
            #expect(episodes.count == 1)
            #expect(episodes.first?.level == "urgent")
            #expect(episodes.first?.closedAt == nil)
        }
    }

    @Test("the episode closes with a recovery when the parcel moves on, and the dwell is learned")
    func recovery() async throws {
        let model = AlertModel()
        teachHangzhouDwell(model, hours: 10)
        try await withReplay(model: model) { replay in
            try await replay.deliver(event(.hubArrival, hours: 0), at: at(hours: 0))
            try await replay.advance(through: at(hours: 13))
            try await replay.deliver(event(.hubDeparture, hours: 14), at: at(hours: 14))
            try await replay.advance(through: at(hours: 14))

            let episodes = try await replay.episodes()
            #expect(episodes.count == 1)
            #expect(episodes.first?.closedAt == at(hours: 14))
            #expect(episodes.first?.recovery?.hasPrefix("moved on: hub_departure at 杭州转运中心") == true)
            #expect(try await replay.alerts().map(\.level) == ["warning"])
            // The completed 14 h dwell now counts in Hangzhou's baseline.
            let expected = model.evaluator().baselines.expected(
                for: NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival))
            #expect(expected.samples == 41)
        }
    }

    @Test("a parcel that keeps moving within its expected dwell raises nothing")
    func healthyParcel() async throws {
        let model = AlertModel()
        teachHangzhouDwell(model, hours: 10)
        try await withReplay(model: model) { replay in
            try await replay.deliver(event(.hubArrival, hours: 0), at: at(hours: 0))
            try await replay.deliver(event(.hubDeparture, hours: 9), at: at(hours: 9))
            try await replay.deliver(event(.outForDelivery, hours: 20, node: shenzhen), at: at(hours: 20))
            try await replay.deliver(event(.delivered, hours: 24, node: shenzhen), at: at(hours: 24))
            let report = try await replay.advance(through: at(hours: 24 * 30))
            #expect(try await replay.alerts().isEmpty)
            // Every scan was judged as it was normalized; once delivered, nothing is left due.
            #expect(report.evaluated == 0)
            #expect(try await replay.nextDue() == nil)
        }
    }

    @Test("peak season raises the expected dwell by its factor")
    func peakSeason() async throws {
        let model = AlertModel()
        teachHangzhouDwell(model, hours: 10)
        // 2026-11-11 00:00 +08:00: Double-11, factor 1.6, so E = 16 h and warning at 19.2 h.
        let double11 = Date(timeIntervalSince1970: 1_794_326_400)
        let hours = double11.timeIntervalSince(epoch) / 3600
        let warningAt = wholeSecond(double11.addingTimeInterval(1.2 * 1.6 * hangzhouExpectation(model)))
        try await withReplay(model: model) { replay in
            try await replay.deliver(event(.hubArrival, hours: hours), at: double11)
            try await replay.advance(through: warningAt.addingTimeInterval(-1))
            #expect(try await replay.alerts().isEmpty)
            try await replay.advance(through: warningAt)
            #expect(try await replay.alerts().map(\.raisedAt) == [warningAt])
            #expect(try await replay.alerts().first?.reasonEN.hasSuffix("expected 16 h (+20%)") == true)
        }
    }
}

@Suite("Deadline scheduler: cost")
struct SchedulerCostTests {
    @Test("a tick evaluates only due shipments, whatever the number of open ones")
    func dueOnly() async throws {
        try await withReplay { replay in
            var events: [TrackingEvent] = []
            for index in 0..<2000 {
                events.append(event(.hubArrival, hours: 0, tracking: "ZTO\(index)"))
            }
            try await replay.deliver(NormalizedPayload(events: events), at: at(hours: 0))
            // Normalization judged each parcel as it arrived: none is left due for the scheduler, and
            // each one's next deadline is its warning crossing (1.2 × the 12 h default).
            let first = try await replay.scheduler.tick(now: at(hours: 0))
            #expect(first.evaluated == 0)
            #expect(try await replay.nextDue() == at(hours: 14.4))
            let idle = try await replay.scheduler.tick(now: at(hours: 10))
            #expect(idle.evaluated == 0)

            try await replay.deliver(
                NormalizedPayload(events: (0..<5).map { event(.hubDeparture, hours: 11, tracking: "ZTO\($0)") }),
                at: at(hours: 11))
            #expect(try await replay.scheduler.tick(now: at(hours: 11)).evaluated == 0)
            // At the warning crossing exactly the 1,995 parcels still at the hub are due (four ticks of 500).
            let due = try await replay.advance(through: at(hours: 14.4))
            #expect(due.evaluated == 1995)
            #expect(due.raised == 1995)
        }
    }
}
