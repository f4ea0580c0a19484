import DelayGateModel
import Foundation

/// Judges shipments and orders: pure, given the learned models and the time.
///
/// For a shipment it checks, in this priority order: lost or damaged (extreme), a
/// route-interrupting disruption on its node or destination region (extreme), customs documents
/// or holds (urgent), a return without scans (urgent), dwell against the node's expected dwell
/// (warning at 1.2 E, urgent at 1.5 E) and the lane's delivery risk against the promised date
/// (warning when likely late, urgent once the promised day has passed). It also says when the next
/// level can first be reached, which is all the deadline scheduler needs: a stalled parcel sends no
/// events, so its next check is the instant its dwell crosses the next threshold.
public struct AlertEvaluator: Sendable {
    public var policy: AlertPolicy
    public var baselines: DwellBaselines
    public var lanes: LaneRiskModel
    public var calendar: SeasonCalendar

    public init(policy: AlertPolicy, baselines: DwellBaselines, lanes: LaneRiskModel, calendar: SeasonCalendar) {
        self.policy = policy
        self.baselines = baselines
        self.lanes = lanes
        self.calendar = calendar
    }

    /// Whether judging a shipment at `milestone` reads ``ShipmentContext/latestDetails`` (the
    /// missing documents and duties of a customs event); for any other milestone a caller can
    /// leave them empty and save the read.
    public static func readsLatestDetails(at milestone: Milestone) -> Bool {
        milestone == .customsDocsRequired || milestone == .customsHeld
    }

    public func assess(_ context: ShipmentContext, now: Date) -> Assessment {
        let shipment = context.shipment
        var assessment = Assessment()
        var nextChecks: [Date] = []

        if shipment.milestone == .lostOrDamaged {
            assessment.findings.append(
                Finding(
                    scenario: .lostOrDamaged, level: .extreme,
                    reason: Reason(
                        zh: "承运商报告包裹丢失或损坏（\(shipment.carrierStatus.text ?? shipment.carrierStatus.code)）",
                        en:
                            "the carrier reports the parcel lost or damaged (\(shipment.carrierStatus.text ?? shipment.carrierStatus.code))"
                    ),
                    extraDelayDays: 3))
        }
        guard shipment.isOpen else { return assessment }

        let destinationRegion = context.order?.destination.region
        for notice in context.disruptions {
            let onRoute = notice.covers(shipment.node) || destinationRegion.map { notice.regions.contains($0) } ?? false
            // A notice announced ahead of time: look again when it comes into force.
            if onRoute, notice.validFrom > now { nextChecks.append(notice.validFrom) }
            guard notice.routeInterrupted, notice.isActive(at: now), onRoute else { continue }
            assessment.findings.append(
                Finding(
                    scenario: .disruption, level: .extreme,
                    reason: Reason(
                        zh: "\(notice.title)：线路中断，包裹位于\(Self.place(shipment.node))",
                        en: "\(notice.title): route interrupted, parcel at \(Self.place(shipment.node))"),
                    extraDelayDays: notice.validTo.map { max(1, Int(ceil($0.timeIntervalSince(now) / 86_400))) } ?? 2,
                    disruptionID: notice.id))
        }

        if Self.readsLatestDetails(at: shipment.milestone) {
            let documents = context.latestDetails.missingDocuments
            let list = documents.isEmpty ? "" : "：" + documents.joined(separator: "、")
            let listEN = documents.isEmpty ? "" : ": " + documents.joined(separator: ", ")
            let reason =
                shipment.milestone == .customsDocsRequired
                ? Reason(zh: "海关要求补充单证\(list)", en: "customs requires documents\(listEN)")
                : Reason(
                    zh: "海关扣留\(context.latestDetails.taxDue.map { "，待缴税费 \($0.amount) \($0.currency)" } ?? "")",
                    en:
                        "held by customs\(context.latestDetails.taxDue.map { ", duties due \($0.amount) \($0.currency)" } ?? "")"
                )
            assessment.findings.append(
                Finding(
                    scenario: .customs, level: .urgent, reason: reason, extraDelayDays: 2, missingDocuments: documents))
        }

        let sinceLastScan = now.timeIntervalSince(shipment.lastEventAt)
        if shipment.direction == .return {
            if sinceLastScan >= policy.returnStallAfter {
                assessment.findings.append(
                    Finding(
                        scenario: .returnStall, level: .urgent,
                        reason: Reason(
                            zh: "退货包裹 \(Self.hours(sinceLastScan)) h 无扫描，最后位于\(Self.place(shipment.node))",
                            en:
                                "return without a scan for \(Self.hours(sinceLastScan)) h, last at \(Self.place(shipment.node))"
                        ),
                        dwell: sinceLastScan, expected: policy.returnStallAfter,
                        extraDelayDays: max(1, Int(ceil((sinceLastScan - policy.returnStallAfter) / 86_400)))))
            } else {
                nextChecks.append(shipment.lastEventAt.addingTimeInterval(policy.returnStallAfter))
            }
        } else {
            let (finding, next) = dwellFinding(context, now: now)
            if let finding { assessment.findings.append(finding) }
            if let next { nextChecks.append(next) }
        }

        let (risk, riskNext, window) = deliveryRiskFinding(context, now: now)
        if let risk { assessment.findings.append(risk) }
        if let riskNext { nextChecks.append(riskNext) }
        assessment.deliveryWindow = window

        // Whole seconds, rounded up: a deadline stored to the millisecond must not fall just
        // before the crossing it stands for.
        assessment.nextCheckAt = nextChecks.filter { $0 > now }.min().map {
            Date(timeIntervalSince1970: ($0.timeIntervalSince1970).rounded(.up))
        }
        return assessment
    }

    /// The expected dwell at the shipment's node now, with the factors that shaped it.
    public func expectedDwell(_ context: ShipmentContext, at now: Date) -> (
        seconds: Double, baseline: DwellBaselines.Expectation
    ) {
        let baseline = baselines.expected(
            for: NodeKey(shipment: context.shipment, destination: context.order?.destination.region))
        var factor = calendar.factor(at: now).factor * context.feedbackFactor
        for notice in context.disruptions
        where !notice.routeInterrupted && notice.isActive(at: now) && notice.covers(context.shipment.node) {
            factor *= policy.disruptionFactors[notice.severity] ?? 1
        }
        return (baseline.seconds * factor, baseline)
    }

    private func dwellFinding(_ context: ShipmentContext, now: Date) -> (Finding?, Date?) {
        let shipment = context.shipment
        let dwell = now.timeIntervalSince(shipment.currentSince)
        let (expected, baseline) = expectedDwell(context, at: now)
        let thresholds = policy.thresholds(carrier: shipment.key.carrier, region: shipment.node.region)
        let level: AlertLevel =
            dwell >= thresholds.urgent * expected ? .urgent : dwell >= thresholds.warning * expected ? .warning : .none
        let next: Date? =
            switch level {
            case .none: shipment.currentSince.addingTimeInterval(thresholds.warning * expected)
            case .warning: shipment.currentSince.addingTimeInterval(thresholds.urgent * expected)
            default: nil
            }
        guard level > .none else { return (nil, next) }
        let over = Int((((dwell / expected) - 1) * 100).rounded())
        let typical = baseline.mean ?? expected / 1.4
        let place = Self.place(shipment.node)
        return (
            Finding(
                scenario: .dwell, level: level,
                reason: Reason(
                    zh: "在\(place)停留 \(Self.hours(dwell)) h，预期 \(Self.hours(expected)) h (+\(over)%)",
                    en: "at \(place) for \(Self.hours(dwell)) h, expected \(Self.hours(expected)) h (+\(over)%)"),
                dwell: dwell, expected: expected,
                extraDelayDays: max(1, Int(ceil((dwell - typical) / 86_400)))),
            next
        )
    }

    private func deliveryRiskFinding(_ context: ShipmentContext, now: Date) -> (Finding?, Date?, [Date]?) {
        guard let promised = context.order?.promisedDeliveryDate else { return (nil, nil, nil) }
        let shipment = context.shipment
        // The promised day ends 24 h after its start.
        let deadline = PromisedDay.end(promised)
        let handoff = shipment.firstEventAt
        let window = deadline.timeIntervalSince(handoff)
        let elapsed = now.timeIntervalSince(handoff)
        let lane = LaneKey(
            carrier: shipment.key.carrier, origin: context.origin?.region,
            destination: context.order?.destination.region)
        let deliveryWindow = lanes.deliveryWindow(lane, handoff: handoff, window: window, elapsed: elapsed)
        guard let risk = lanes.risk(lane, elapsed: elapsed, window: window) else { return (nil, nil, nil) }
        let level: AlertLevel = elapsed >= window ? .urgent : risk >= policy.deliveryRiskThreshold ? .warning : .none
        var next: Date?
        if level == .none {
            // No warning may ever come (a lane that has never been late); the promise's end still will.
            next =
                lanes.dueTime(lane, handoff: handoff, window: window, threshold: policy.deliveryRiskThreshold)
                ?? deadline
        } else if level == .warning {
            next = deadline
        }
        guard level > .none else { return (nil, next, deliveryWindow) }
        let promisedText = Self.day(promised)
        let percent = Int((risk * 100).rounded())
        let windowText = deliveryWindow.map { " \(Self.day($0[0]))–\(Self.day($0[2]))" } ?? ""
        let reason =
            level == .urgent
            ? Reason(
                zh: "已超过承诺送达日 \(promisedText)，包裹尚未签收",
                en: "past the promised delivery date \(promisedText), not delivered")
            : Reason(
                zh: "按本线路历史，此时未送达的包裹有 \(percent)% 会晚于承诺日 \(promisedText)；预计送达\(windowText)",
                en:
                    "on this lane \(percent)% of parcels still open now missed their promised date \(promisedText); likely delivery\(windowText)"
            )
        let extra = deliveryWindow.map { max(1, Int(ceil($0[1].timeIntervalSince(deadline) / 86_400))) } ?? 1
        return (
            Finding(
                scenario: .deliveryRisk, level: level, reason: reason, extraDelayDays: extra,
                deliveryWindow: deliveryWindow),
            next, deliveryWindow
        )
    }

    /// A presale order whose supplier goods arrive too late to ship on the promised date.
    public func assess(order: Order, now: Date) -> Finding? {
        guard let presale = order.presale, let promisedShip = presale.promisedShipDate else { return nil }
        let ready = presale.supplierETA.addingTimeInterval(policy.presaleHandling)
        // Shipping on the promised day means by the end of it.
        let lastShipInstant = PromisedDay.end(promisedShip)
        guard ready > lastShipInstant else { return nil }
        let slip = ready.timeIntervalSince(lastShipInstant)
        return Finding(
            scenario: .presale, level: .warning,
            reason: Reason(
                zh: "预售商品供应商预计 \(Self.day(presale.supplierETA)) 到货，无法在承诺发货日 \(Self.day(promisedShip)) 前发出",
                en:
                    "the supplier expects the goods on \(Self.day(presale.supplierETA)); the promised ship date \(Self.day(promisedShip)) cannot be met"
            ),
            extraDelayDays: max(1, Int(ceil(slip / 86_400))))
    }

    static func place(_ node: TrackingNode) -> String {
        node.facilityName ?? node.city ?? node.facilityCode ?? node.region ?? "?"
    }

    static func hours(_ seconds: Double) -> Int { Int((seconds / 3600).rounded()) }

    /// `11-14` in China time.
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let parts = calendar.dateComponents([.month, .day], from: date)
        return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
    }
}
