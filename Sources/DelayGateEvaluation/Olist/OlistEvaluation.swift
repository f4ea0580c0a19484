import DelayGateAdapters
import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// `delaygate evaluate olist`: learns lane delivery risk from orders purchased before
/// ``Options/trainUntil``, then replays every test order through the alert engine with a
/// simulated clock (carrier handoff as the first scan, delivery as the last) and scores the
/// engine's delivery-risk warnings, and the naive rule's, against late deliveries.
///
/// The warning threshold θ is tuned on the last four months before `trainUntil` only (highest
/// validation F1 whose median lead is at least 72 h), unless it is given. See
/// `docs/olist-evaluation.md` for every definition.
public struct OlistEvaluation: Sendable {
    public struct Options: Sendable {
        public var trainUntil: Date
        public var testFrom: Date
        /// Exclusive: the day after `--test-until`.
        public var testUntil: Date
        /// Nil: tune on validation.
        public var threshold: Double?
        /// Delivered parcels a lane needs before it is used instead of a coarser one.
        public var minimumLaneSamples: Int
        /// Where the replay's scratch database goes (removed afterwards).
        public var scratchDirectory: URL

        public init(
            trainUntil: Date, testFrom: Date, testUntil: Date, threshold: Double? = nil, minimumLaneSamples: Int = 100,
            scratchDirectory: URL = FileManager.default.temporaryDirectory
        ) {
            self.trainUntil = trainUntil
            self.testFrom = testFrom
            self.testUntil = testUntil
            self.threshold = threshold
            self.minimumLaneSamples = minimumLaneSamples
            self.scratchDirectory = scratchDirectory
        }
    }

    /// One candidate threshold on the validation window.
    public struct ValidationRow: Sendable, Hashable {
        public var threshold: Double
        public var score: WarningScore
    }

    /// One purchase month of the test period.
    public struct MonthRow: Sendable, Hashable {
        public var month: String
        public var engine: WarningScore
        public var naive: WarningScore
    }

    public struct Report: Sendable {
        public var trainingOrders: Int
        public var testOrders: [OlistDataset.Order]
        public var threshold: Double
        public var tuned: Bool
        public var validation: [ValidationRow]
        public var validationNaive: WarningScore?
        public var engine: WarningScore
        public var naive12: WarningScore
        public var naive15: WarningScore
        public var months: [MonthRow]
        /// Dwell alerts the replay raised (not scored: in this replay a parcel's only dwell is its whole transit).
        public var dwellAlerts: Int
        /// Test orders whose replayed warning (or its absence) matches the lane model's own due time.
        public var agreeingWithModel: Int
        public var replaySeconds: Double
        public var ticks: Int
    }

    public static let carrier = "olist"
    public static let thresholdGrid = (0..<37).map { 0.05 + 0.025 * Double($0) }
    public static let validationLeadTarget = 72.0
    public static let validationMonths = 4

    public let dataset: OlistDataset
    public let options: Options

    public init(dataset: OlistDataset, options: Options) {
        self.dataset = dataset
        self.options = options
    }

    // MARK: Selection

    /// Orders purchased before `until` with a positive transit (a last scan at or before the
    /// first is a data error a replay cannot learn from).
    func training(until: Date) -> [OlistDataset.Order] {
        dataset.purchased(until: until).filter { $0.transit > 0 }
    }

    static func lane(_ order: OlistDataset.Order) -> LaneKey {
        LaneKey(carrier: carrier, origin: order.origin, destination: order.destination)
    }

    func lanePolicy() -> LaneRiskModel.Policy {
        // The evaluation learns once from the whole training period: keep every sample.
        LaneRiskModel.Policy(minimumSamples: options.minimumLaneSamples, cap: 10_000_000)
    }

    func laneModel(_ training: [OlistDataset.Order]) -> LaneRiskModel {
        var model = LaneRiskModel(policy: lanePolicy())
        for order in training { model.learn(Self.lane(order), transit: order.transit, window: order.window) }
        return model
    }

    /// When the engine's first delivery-risk alert comes for an order still open: the lane
    /// model's due time, or the end of the promised day on a lane that has never been late.
    static func firstAlert(_ model: LaneRiskModel, _ order: OlistDataset.Order, threshold: Double) -> Date {
        model.dueTime(lane(order), handoff: order.handoff, window: order.window, threshold: threshold)
            ?? PromisedDay.end(order.estimated)
    }

    // MARK: Tuning

    /// θ with the best validation F1 among those whose median lead reaches 72 h (ties: the smaller θ).
    func tune() -> (threshold: Double, rows: [ValidationRow], naive: WarningScore) {
        let validationFrom = Self.addingMonths(-Self.validationMonths, to: options.trainUntil)
        let model = laneModel(training(until: validationFrom))
        let validation = dataset.purchased(from: validationFrom, until: options.trainUntil)
        let rows = Self.thresholdGrid.map { threshold in
            ValidationRow(
                threshold: threshold,
                score: WarningScore(validation) { order in
                    Self.firstAlert(model, order, threshold: threshold)
                })
        }
        let eligible = rows.filter { ($0.score.medianLead ?? -.infinity) >= Self.validationLeadTarget }
        let best = eligible.max { a, b in
            a.score.f1 != b.score.f1 ? a.score.f1 < b.score.f1 : a.threshold > b.threshold
        }
        let naive = NaiveLaneRule(training: training(until: validationFrom), multiple: 1.2)
        return (best?.threshold ?? Self.thresholdGrid[0], rows, WarningScore(validation, warning: naive.warning(for:)))
    }

    // MARK: Running

    public func run() async throws -> Report {
        let training = training(until: options.trainUntil)
        let test = dataset.purchased(from: options.testFrom, until: options.testUntil)
        var validation: [ValidationRow] = []
        var validationNaive: WarningScore?
        let threshold: Double
        if let given = options.threshold {
            threshold = given
        } else {
            let tuned = tune()
            threshold = tuned.threshold
            validation = tuned.rows
            validationNaive = tuned.naive
        }

        var policy = AlertPolicy(deliveryRiskThreshold: threshold)
        policy.lanes = lanePolicy()
        let model = AlertModel(policy: policy, calendar: SeasonCalendar(windows: []))
        model.setLearnsLanes(false)
        for order in training {
            model.teachLane(Self.lane(order), transit: order.transit, window: order.window)
        }

        let started = ContinuousClock.now
        let replayed = try await replay(test, model: model)
        let replaySeconds = (ContinuousClock.now - started) / .seconds(1)

        let reference = laneModel(training)
        // The engine's warnings must be exactly the lane model's due times that come before delivery.
        let agreeing = test.filter { order in
            let due = Self.firstAlert(reference, order, threshold: threshold)
            return replayed.warnings[order.id] == (due < order.delivered ? due : nil)
        }.count

        let engine = WarningScore(test) { replayed.warnings[$0.id] }
        let naive12 = NaiveLaneRule(training: training, multiple: 1.2)
        let naive15 = NaiveLaneRule(training: training, multiple: 1.5)
        let months = Dictionary(grouping: test) { NaiveTimestamp.month($0.purchasedAt) }.sorted { $0.key < $1.key }.map
        {
            month, orders in
            MonthRow(
                month: month, engine: WarningScore(orders) { replayed.warnings[$0.id] },
                naive: WarningScore(orders, warning: naive12.warning(for:)))
        }
        return Report(
            trainingOrders: training.count, testOrders: test, threshold: threshold, tuned: options.threshold == nil,
            validation: validation, validationNaive: validationNaive, engine: engine,
            naive12: WarningScore(test, warning: naive12.warning(for:)),
            naive15: WarningScore(test, warning: naive15.warning(for:)), months: months,
            dwellAlerts: replayed.dwellAlerts, agreeingWithModel: agreeing, replaySeconds: replaySeconds,
            ticks: replayed.ticks)
    }

    /// Replays the test orders through the engine; returns each order's first delivery-risk alert.
    func replay(_ orders: [OlistDataset.Order], model: AlertModel) async throws -> (
        warnings: [String: Date], dwellAlerts: Int, ticks: Int
    ) {
        enum Step: Int {
            case handoff = 0
            case delivery = 1
        }
        var timeline: [(instant: Date, step: Step, index: Int)] = []
        for (index, order) in orders.enumerated() {
            timeline.append((order.handoff, .handoff, index))
            timeline.append((order.delivered, .delivery, index))
        }
        timeline.sort { ($0.instant, $0.step.rawValue, $0.index) < ($1.instant, $1.step.rawValue, $1.index) }

        let directory = options.scratchDirectory.appendingPathComponent("delaygate-olist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let replay = try EngineReplay(path: directory.appendingPathComponent("replay.sqlite").path, model: model)
        let timelineCopy = timeline
        return try await replay.run { replay in
            var ticks = 0
            for (instant, step, index) in timelineCopy {
                let payload = step == .handoff ? Self.handoff(orders[index]) : Self.delivery(orders[index])
                ticks += try await replay.deliver(payload, at: instant).ticks
            }
            if let last = timelineCopy.last?.instant { ticks += try await replay.advance(through: last).ticks }
            let (rows, dwell) = try await replay.database.read { db in
                (
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT tracking_number, MIN(raised_at) AS first FROM alerts
                            WHERE scenario = 'delivery_risk' GROUP BY tracking_number
                            """),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE scenario = 'dwell'") ?? 0
                )
            }
            var warnings: [String: Date] = [:]
            for row in rows {
                warnings[row["tracking_number"]] = Date(timeIntervalSince1970: Double(row["first"] as Int64) / 1000)
            }
            return (warnings, dwell, ticks)
        }
    }

    static func handoff(_ order: OlistDataset.Order) -> NormalizedPayload {
        let key = ShipmentKey(carrier: carrier, trackingNumber: order.id)
        let event = scan(order, milestone: .pickedUp, at: order.handoff, region: order.origin)
        let promise = DelayGateModel.Order(
            id: order.id, customer: Customer(), destination: TrackingNode(region: order.destination, country: "BR"),
            value: Money(amount: 0, currency: "BRL"), promisedDeliveryDate: order.estimated, shipments: [key],
            updatedAt: order.handoff)
        return NormalizedPayload(events: [event], orders: [promise])
    }

    static func delivery(_ order: OlistDataset.Order) -> NormalizedPayload {
        NormalizedPayload(events: [scan(order, milestone: .delivered, at: order.delivered, region: order.destination)])
    }

    static func scan(_ order: OlistDataset.Order, milestone: Milestone, at instant: Date, region: String?)
        -> TrackingEvent
    {
        TrackingEvent(
            carrier: carrier, trackingNumber: order.id,
            time: EventTime(instant: instant, source: .explicitOffset(seconds: 0)),
            receivedAt: instant, milestone: milestone, carrierStatus: CarrierStatus(code: milestone.rawValue),
            node: TrackingNode(region: region, country: "BR"))
    }

    /// `date` moved by whole calendar months (UTC), keeping the day.
    static func addingMonths(_ months: Int, to date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: date) ?? date
    }
}
