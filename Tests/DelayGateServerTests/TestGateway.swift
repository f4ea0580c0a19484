import DelayGateAdapters
import DelayGateAuth
import DelayGateConfig
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A gateway on a temporary database and adapters folder.
struct TestGateway {
    static let secret = "test-secret-0123456789"
    static let integrator = """
        kind: canonical-json
        verification:
          secret: ${TEST_HOOK_SECRET}
        options:
          default_time_zone: Asia/Shanghai
        """

    let root: String
    let gateway: Gateway

    init(
        adapters: [String: String] = ["integrator.yaml": TestGateway.integrator],
        environment: [String: String] = ["TEST_HOOK_SECRET": TestGateway.secret],
        bodyLimit: ByteCount = .kibibytes(64),
        port: Int = 0,
        authorization: AuthorizationServer? = nil,
        tls: ServerConfig.TLS? = nil,
        busyTimeoutMilliseconds: Int = 5000,
        root: String? = nil
    ) throws {
        self.root =
            root
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-server-\(UUID().uuidString)").path
        let root = self.root
        let adaptersPath = (root as NSString).appendingPathComponent("adapters")
        try FileManager.default.createDirectory(atPath: adaptersPath, withIntermediateDirectories: true)
        for (name, text) in adapters {
            try text.write(
                toFile: (adaptersPath as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var configuration = GatewayConfig()
        configuration.server.port = port
        configuration.server.bodyLimit = bodyLimit
        configuration.server.tls = tls
        configuration.storage.path = (root as NSString).appendingPathComponent("data/gateway.sqlite")
        configuration.storage.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        configuration.adaptersDirectory = adaptersPath
        let loaded = AdapterCatalog.load(directory: adaptersPath, environment: environment)
        precondition(loaded.errors.isEmpty, "\(loaded.errors)")
        gateway = try Gateway(configuration: configuration, catalog: loaded.catalog, authorization: authorization)
    }

    var database: DatabasePool { gateway.database }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Headers for a correctly signed JSON body.
    static func signedHeaders(_ body: String, secret: String = TestGateway.secret, time: Date = Date()) -> HTTPFields {
        [
            .contentType: "application/json",
            HTTPField.Name("X-DelayGate-Signature")!: TimestampedHMACSignature.headerValue(
                body: Data(body.utf8), secret: secret, time: time),
        ]
    }

    /// A canonical batch with one event per `(milestone, hour)`.
    static func batch(tracking: String = "SF1400000001", _ events: [(String, Int)], idPrefix: String? = nil) -> String {
        let items = events.enumerated().map { index, item in
            let id = idPrefix.map { #""event_id": "\#($0)-\#(index)", "# } ?? ""
            let time = String(format: "2026-11-11T%02d:00:00+08:00", item.1)
            return
                #"{\#(id)"carrier": "sf-express", "tracking_number": "\#(tracking)", "time": "\#(time)", "milestone": "\#(item.0)", "node": {"facility_name": "杭州转运中心", "city": "杭州市", "region": "浙江省", "country": "CN"}}"#
        }
        return #"{"events": [\#(items.joined(separator: ", "))]}"#
    }

    func inboxCounts() async throws -> [InboxState: Int] {
        try await database.read { db in try InboxStore.counts(in: db) }
    }

    func eventCount() async throws -> Int {
        try await database.read { db in try EventStore.count(in: db) }
    }
}

extension TestClientProtocol {
    /// Posts `body` to `/webhooks/{adapter}`, signed correctly unless `headers` are given.
    @discardableResult
    func postWebhook<Return>(
        _ body: String,
        adapter: String = "integrator",
        headers: HTTPFields? = nil,
        _ check: @escaping (TestResponse) async throws -> Return
    ) async throws -> Return {
        try await execute(
            uri: "/webhooks/\(adapter)", method: .post, headers: headers ?? TestGateway.signedHeaders(body),
            body: ByteBuffer(string: body), testCallback: check)
    }
}
