import DelayGateAlerting
import DelayGateConfig
import DelayGateEngine
import DelayGateModel
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB

/// 2026-09-01 00:00 +08:00, outside every peak season.
let epoch = Date(timeIntervalSince1970: 1_788_192_000)

func at(hours: Double) -> Date { epoch.addingTimeInterval(hours * 3600) }

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let hangzhou = TrackingNode(
    facilityCode: "HZ01", facilityName: "杭州转运中心", city: "杭州市", region: "浙江", country: "CN")

/// A temporary folder removed at the end of the test.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Outbound adapters from YAML texts, as `adapters/outbound/` would hold them.
func outboundCatalog(_ files: [String: String], environment: [String: String], in folder: TemporaryFolder) throws
    -> OutboundCatalog
{
    let directory = folder.path("outbound-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, text) in files {
        try text.write(
            toFile: (directory as NSString).appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
    }
    let loaded = OutboundCatalog.load(directory: directory, environment: environment)
    if let error = loaded.errors.first { throw error }
    return loaded.catalog
}

/// The repository's actions file and templates, with the routing and channels of the test.
func actionSettings(_ yaml: String) throws -> ActionSettings {
    let text = yaml + "\ntemplates_dir: \(repositoryRoot.appendingPathComponent("config/templates").path)\n"
    return try ActionSettings.parse(yaml: text, path: "actions.yaml", decoder: ConfigDecoder(environment: [:]))
}

/// Teaches the model that parcels sit `hours` at Hangzhou's hub arrival.
func teachHangzhouDwell(_ model: AlertModel, hours: Double, samples: Int = 40) {
    for index in 0..<samples {
        model.learnDwell(
            NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival), seconds: hours * 3600,
            since: at(hours: -Double(samples - index) * 6))
    }
}

func event(
    _ milestone: Milestone, hours: Double, tracking: String, direction: Direction = .forward,
    details: EventDetails = EventDetails()
) -> TrackingEvent {
    TrackingEvent(
        carrier: "zto", trackingNumber: tracking,
        time: EventTime(instant: at(hours: hours), source: .explicitOffset(seconds: 8 * 3600)),
        receivedAt: at(hours: hours), milestone: milestone,
        carrierStatus: CarrierStatus(code: milestone.rawValue, text: "\(milestone.rawValue) @ 杭州转运中心"),
        node: hangzhou, direction: direction, details: details)
}

func order(_ id: String, tracking: String, phone: String = "+8613800138000", vip: Bool = false) -> Order {
    Order(
        id: id,
        customer: Customer(
            id: "C-\(id)", name: "王芳", phone: phone, email: "wang.fang@example.com", appUserID: "fcm-token-\(id)",
            preferredChannel: .sms, locale: "zh-CN", isVIP: vip),
        destination: TrackingNode(city: "杭州市", region: "浙江", country: "CN"),
        value: Money(amount: 1299, currency: "CNY"),
        items: [OrderItem(sku: "SKU-KETTLE", quantity: 1, name: "电热水壶")],
        shipments: [ShipmentKey(carrier: "zto", trackingNumber: tracking)], updatedAt: at(hours: -1))
}

extension EngineReplay {
    func outbox() async throws -> [OutboxRow] {
        try await database.read { db in try OutboxStore.list(limit: 1000, in: db) }
    }
}
