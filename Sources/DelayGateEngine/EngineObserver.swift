import DelayGateAlerting
import DelayGateIngest
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Metrics

/// The alert engine's side of normalization, run inside the normalization transaction: it
/// learns completed dwells and delivered lanes, judges presale orders as they arrive, makes
/// parcels under a new disruption due, closes the loop on solved helpdesk tickets, and wakes the
/// scheduler once the batch is committed.
public struct EngineObserver: NormalizationObserver {
    let model: AlertModel
    let recorder: AlertRecorder
    let scheduler: DeadlineScheduler?
    let feedback: FeedbackLoop
    let unmatchedFeedback: Counter

    public init(model: AlertModel, scheduler: DeadlineScheduler?, metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.model = model
        self.recorder = AlertRecorder(playbook: model.playbook, planner: model.planner)
        self.scheduler = scheduler
        self.feedback = FeedbackLoop(model: model)
        self.unmatchedFeedback = Counter(label: "delaygate_feedback_unmatched_total", factory: metricsFactory)
    }

    public func normalized(_ outcome: NormalizationOutcome, at now: Date, in db: Database) throws {
        var judged: [(Shipment, Order?)] = []
        for transition in outcome.transitions {
            let orders = try OrderStore.ordersToJudge(for: transition.after.key, in: db)
            model.learnDwells(
                before: transition.before, events: transition.newEvents,
                destination: Self.departs(transition) ? orders.first?.destination.region : nil)
            learnLane(transition, orders: orders)
            judged.append((transition.after, orders.first))
        }
        // Each parcel with news is judged now, from the state normalization just wrote, which spares
        // the scheduler reading it back: its next check becomes its next deadline.
        if !judged.isEmpty {
            let (evaluator, disruptions) = (model.evaluator(), model.disruptions(notEndedAt: now))
            for (shipment, order) in judged {
                _ = try DeadlineScheduler.judge(
                    shipment, order: order, evaluator: evaluator, disruptions: disruptions,
                    feedback: model.feedbackFactor(for:), recorder: recorder, at: now, in: db)
            }
        }
        if !outcome.orders.isEmpty {
            let evaluator = model.evaluator()
            for order in outcome.orders {
                _ = try recorder.record(evaluator.assess(order: order, now: now), for: order, at: now, in: db)
                // A new promise or destination changes the parcels' delivery risk.
                for key in order.shipments { try ShipmentStore.setNextCheck(key, at: now, in: db) }
            }
        }
        for notice in outcome.disruptions {
            model.remember(notice)
            try ShipmentStore.scheduleOpen(
                regions: notice.regions, facilities: notice.facilities, at: max(now, notice.validFrom), in: db)
        }
        for (report, inboxID) in outcome.ticketFeedback
        where try feedback.apply(report, inboxID: inboxID, at: now, in: db) == .unmatched {
            unmatchedFeedback.increment()
        }
    }

    public func committed() {
        scheduler?.wake()
    }

    /// Whether the new events complete a departure: the only dwells keyed by the parcel's
    /// destination region.
    static func departs(_ transition: EventStore.Transition) -> Bool {
        transition.before?.milestone == .hubDeparture || transition.newEvents.contains { $0.milestone == .hubDeparture }
    }

    /// A parcel just delivered teaches its lane how much of the promise window it used.
    func learnLane(_ transition: EventStore.Transition, orders: [Order]) {
        let after = transition.after
        guard after.milestone == .delivered, transition.before?.isOpen ?? true else { return }
        guard let order = orders.first(where: { $0.promisedDeliveryDate != nil }), let promised = order.promisedDeliveryDate
        else { return }
        let window = PromisedDay.window(promised, handoff: after.firstEventAt)
        model.learnLane(
            LaneKey(carrier: after.key.carrier, origin: after.origin.region, destination: order.destination.region),
            transit: after.currentSince.timeIntervalSince(after.firstEventAt), window: window)
    }
}
