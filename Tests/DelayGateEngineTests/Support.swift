import DelayGateAdapters
import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// 2026-09-01 00:00 +08:00, outside every peak season.
let epoch = Date(timeIntervalSince1970: 1_788_192_000)

func at(hours: Double) -> Date { epoch.addingTimeInterval(hours * 3600) }

let hangzhou = TrackingNode(
    facilityCode: "HZ01", facilityName: "杭州转运中心", city: "杭州市", region: "浙江省", country: "CN")
let shenzhen = TrackingNode(
    facilityCode: "SZ02", facilityName: "深圳转运中心", city: "深圳市", region: "广东省", country: "CN")

func event(
    _ milestone: Milestone, hours: Double, tracking: String = "ZTO100", node: TrackingNode = hangzhou,
    direction: Direction = .forward, details: EventDetails = EventDetails()
) -> TrackingEvent {
    TrackingEvent(
        carrier: "zto", trackingNumber: tracking,
        time: EventTime(instant: at(hours: hours), source: .explicitOffset(seconds: 8 * 3600)),
        receivedAt: at(hours: hours), milestone: milestone,
        carrierStatus: CarrierStatus(
            code: milestone.rawValue, text: "\(milestone.rawValue) @ \(node.facilityName ?? "?")"),
        node: node, direction: direction, details: details)
}

/// Teaches the model that parcels sit `hours` at Hangzhou's hub arrival (enough samples to trust it).
func teachHangzhouDwell(_ model: AlertModel, hours: Double, samples: Int = 40) {
    for index in 0..<samples {
        model.learnDwell(
            NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival), seconds: hours * 3600,
            since: at(hours: -Double(samples - index) * 6))
    }
}

/// Runs `body` with a replay over a fresh database in a temporary folder.
func withReplay<T: Sendable>(
    model: AlertModel = AlertModel(), _ body: @Sendable (EngineReplay) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "delaygate-engine-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let replay = try EngineReplay(path: directory.appendingPathComponent("replay.sqlite").path, model: model)
    return try await replay.run(body)
}

extension EngineReplay {
    func deliver(_ events: TrackingEvent..., at instant: Date) async throws {
        try await deliver(NormalizedPayload(events: events), at: instant)
    }

    func alerts(_ tracking: String = "ZTO100") async throws -> [StoredAlert] {
        try await database.read { db in
            try AlertStore.alerts(for: ShipmentKey(carrier: "zto", trackingNumber: tracking), in: db)
        }
    }

    func actions(of alert: StoredAlert) async throws -> [String] {
        try await database.read { db in try AlertStore.actions(forAlert: alert.id, in: db) }
    }

    func episodes(_ tracking: String = "ZTO100") async throws -> [StoredEpisode] {
        try await database.read { db in try AlertStore.episodes(subject: "zto|\(tracking)", in: db) }
    }

    func nextDue() async throws -> Date? {
        try await database.read { db in try ShipmentStore.nextDue(in: db) }
    }
}

/// Hangzhou hub arrival's expected dwell as the model has learned it (the sketch is exact to
/// within one 10 % bucket, so tests read it rather than assume it).
func hangzhouExpectation(_ model: AlertModel) -> Double {
    model.evaluator().baselines.expected(for: NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival)).seconds
}

/// `instant` rounded up to a whole second, as deadlines are.
func wholeSecond(_ instant: Date) -> Date { Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.up)) }
