import DelayGateAdapters
import DelayGateAuth
import DelayGateIngest
import DelayGateOutbound
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird

/// The operator's API, all behind the `admin` scope:
/// - `GET /v1/adapters`: every inbound and outbound adapter with its health (last success and
///   failure, error rate over the last hour, unset secret variables).
/// - `GET /v1/outbox` (`state`, `cursor`, `limit`) and `POST /v1/outbox/{id}/replay`.
/// - `GET /v1/inbox` (`state`, `adapter`, `cursor`, `limit`): raw bodies, newest first.
struct AdminRoutes<Context: RequestContext>: Sendable {
    let authorization: APIAuthorization
    let database: DatabasePool
    let catalog: AdapterCatalog
    let outbound: OutboundCatalog
    let inboundHealth: AdapterHealth
    let outboundHealth: AdapterHealth?
    /// Wakes the dispatcher after a replay.
    let replayed: @Sendable () -> Void
    let clock: @Sendable () -> Date

    func register(on router: Router<Context>) {
        router.get("v1/adapters") { request, _ in
            try await authorization.require(Scope.admin, for: request)
            _ = try QueryParameters(request, known: [])
            return try APIResponse.json(["adapters": adapters()])
        }
        router.get("v1/outbox") { request, _ in
            try await authorization.require(Scope.admin, for: request)
            return try await outbox(request)
        }
        router.post("v1/outbox/{id}/replay") { request, context in
            try await authorization.require(Scope.admin, for: request)
            guard let id = Int64(try context.parameters.require("id")), id > 0 else {
                throw ProblemDetails.notFound("delivery ids are positive whole numbers")
            }
            return try await replay(id)
        }
        router.get("v1/inbox") { request, _ in
            try await authorization.require(Scope.admin, for: request)
            return try await inbox(request)
        }
    }

    func adapters() -> [AdapterHealthJSON] {
        let now = clock()
        let inbound = inboundHealth.snapshot(at: now)
        let outboundFigures = outboundHealth?.snapshot(at: now) ?? [:]
        return catalog.names.compactMap { name in
            catalog.adapter(named: name).map {
                AdapterHealthJSON(
                    name: name, direction: "inbound", kind: $0.kind, missing: $0.missingSecrets, figures: inbound[name])
            }
        }
            + outbound.names.compactMap { name in
                outbound.adapter(named: name).map {
                    AdapterHealthJSON(
                        name: name, direction: "outbound", kind: $0.kind, missing: $0.missingSecrets,
                        figures: outboundFigures[name])
                }
            }
    }

    func outbox(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, known: ["state", "cursor", "limit"])
        let state = try parameters.one("state", of: OutboxState.allCases.map(\.rawValue)).flatMap(
            OutboxState.init(rawValue:))
        let after = try parameters.integer("cursor", in: 0...Int64.max) ?? 0
        let limit = Int(try parameters.integer("limit", in: 1...500) ?? 50)
        let (rows, counts) = try await database.read { db in
            (
                try OutboxStore.list(state: state, afterID: after, limit: limit, in: db),
                try OutboxStore.counts(in: db)
            )
        }
        return try APIResponse.json(
            Page(
                "deliveries", items: rows.map(OutboxRowJSON.init), limit: limit, cursor: \.cursor,
                counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })))
    }

    func replay(_ id: Int64) async throws -> Response {
        let now = clock()
        let (replayed, row) = try await database.write { db in
            (try OutboxStore.replay(id: id, at: now, in: db), try OutboxStore.row(id: id, in: db))
        }
        guard let row else { throw ProblemDetails.notFound("no delivery with id \(id)") }
        guard replayed else {
            throw ProblemDetails(
                .conflict, slug: "not-dead", title: "Delivery is not dead",
                detail: "delivery \(id) is \(row.state.rawValue); only dead deliveries are replayed",
                extensions: ["state": .string(row.state.rawValue)])
        }
        self.replayed()
        return try APIResponse.json(OutboxRowJSON(row))
    }

    func inbox(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, known: ["state", "adapter", "cursor", "limit"])
        let state = try parameters.one("state", of: InboxState.allCases.map(\.rawValue)).flatMap(
            InboxState.init(rawValue:))
        let adapter = parameters.string("adapter")
        let before = try parameters.integer("cursor", in: 1...Int64.max)
        let limit = Int(try parameters.integer("limit", in: 1...500) ?? 50)
        let rows = try await database.read { db in
            try InboxStore.list(state: state, adapter: adapter, beforeID: before, limit: limit, in: db)
        }
        return try APIResponse.json(Page("rows", items: rows.map(InboxRowJSON.init), limit: limit, cursor: \.cursor))
    }
}
