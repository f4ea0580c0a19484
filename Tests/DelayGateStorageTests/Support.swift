import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import ServiceLifecycle

/// A fresh folder under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a migrated database in a temporary folder.
func withDatabase<T>(
    synchronous: String = "FULL",
    _ body: (DatabasePool, TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let pool = try GatewayDatabase.open(at: directory.file("test.sqlite"), options: .init(synchronous: synchronous))
    return try await body(pool, directory)
}

/// Runs `body` while `service` runs, then cancels the service and waits for it to finish.
func whileRunning<T: Sendable>(_ service: some Service, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        do {
            let value = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return value
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

func sampleEvent(
    _ milestone: Milestone,
    hour: Double,
    tracking: String = "ZTO7700001",
    facility: String = "杭州转运中心",
    code: String? = nil
) -> TrackingEvent {
    TrackingEvent(
        carrier: "zto",
        trackingNumber: tracking,
        time: EventTime(
            instant: Date(timeIntervalSince1970: 1_794_357_000 + hour * 3600),
            source: .assumedZone(zone: "Asia/Shanghai")),
        receivedAt: Date(timeIntervalSince1970: 1_794_400_000),
        milestone: milestone,
        carrierStatus: CarrierStatus(code: code ?? milestone.rawValue, text: "\(milestone) @ \(facility)"),
        node: TrackingNode(
            facilityCode: "571", facilityName: facility, city: "杭州市", region: "浙江省", country: "CN",
            coordinates: Coordinates(latitude: 30.27, longitude: 120.15)))
}
