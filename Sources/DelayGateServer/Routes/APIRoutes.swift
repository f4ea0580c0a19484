import DelayGateAdapters
import DelayGateAlerting
import DelayGateAuth
import DelayGateEngine
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import NIOCore

/// DelayGate's own API for integrators and dashboards, behind OAuth bearer tokens:
/// - `POST /v1/events` (`events:write`): canonical events, as `canonical-json` reads them.
/// - `POST /v1/orders` (`orders:write`): orders pushed by an ERP, as the `orders` kind reads them.
/// - `GET /v1/alerts` (`alerts:read`): filters `level`, `scenario`, `region`, `facility`, `state`,
///   `from`, `to`; newest first, `limit` per page, `cursor` for the next page.
/// - `GET /v1/shipments/{carrier}/{trackingNumber}` (`alerts:read`): timeline, dwell against the
///   expected dwell, delivery window, alerts.
/// - `GET /v1/insights/nodes/{facility}` (`alerts:read`): what the closed loop learned of a node.
struct APIRoutes<Context: RequestContext>: Sendable {
    let authorization: APIAuthorization
    let webhooks: WebhookRoutes<Context>
    let database: DatabasePool
    let model: AlertModel
    let clock: @Sendable () -> Date

    func register(on router: Router<Context>) {
        router.post("v1/events") { request, _ in
            try await authorization.require(Scope.eventsWrite, for: request)
            return try await webhooks.receive(request, adapter: try apiAdapter(APIInboundAdapter.eventsName))
        }
        router.post("v1/orders") { request, _ in
            try await authorization.require(Scope.ordersWrite, for: request)
            return try await webhooks.receive(request, adapter: try apiAdapter(APIInboundAdapter.ordersName))
        }
        router.get("v1/alerts") { request, _ in
            try await authorization.require(Scope.alertsRead, for: request)
            return try await alerts(request)
        }
        router.get("v1/shipments/{carrier}/{trackingNumber}") { request, context in
            try await authorization.require(Scope.alertsRead, for: request)
            let key = ShipmentKey(
                carrier: try context.parameters.require("carrier"),
                trackingNumber: try context.parameters.require("trackingNumber"))
            return try await shipment(key)
        }
        router.get("v1/insights/nodes/{facility}") { request, context in
            try await authorization.require(Scope.alertsRead, for: request)
            let facility = try context.parameters.require("facility")
            guard let insights = try await database.read({ db in try NodeInsights.load(facility: facility, in: db) })
            else {
                throw ProblemDetails.notFound("no alert or ticket report has named the node '\(facility)'")
            }
            return try APIResponse.json(NodeInsightsJSON(insights))
        }
    }

    /// The gateway always adds its API adapters to the catalog (``Gateway``).
    func apiAdapter(_ name: String) throws -> any InboundAdapter {
        guard let adapter = webhooks.catalog.adapter(named: name) else { throw ProblemDetails.internalError() }
        return adapter
    }

    static var alertParameters: Set<String> {
        ["level", "scenario", "region", "facility", "state", "from", "to", "cursor", "limit"]
    }

    func alerts(_ request: Request) async throws -> Response {
        let parameters = try QueryParameters(request, known: Self.alertParameters)
        var query = AlertQuery()
        query.levels = try parameters.list("level", allowed: AlertLevel.allCases.filter { $0 > .none }.map(\.rawValue))
        query.scenarios = try parameters.list("scenario", allowed: Scenario.allCases.map(\.rawValue))
        query.region = parameters.string("region")
        query.facility = parameters.string("facility")
        query.state = try parameters.one("state", of: AlertQuery.State.allCases.map(\.rawValue)).flatMap(
            AlertQuery.State.init(rawValue:))
        query.from = try parameters.instant("from")
        query.until = try parameters.instant("to")
        query.beforeID = try parameters.integer("cursor", in: 1...Int64.max)
        query.limit = Int(try parameters.integer("limit", in: 1...500) ?? 50)
        let (listed, feedback) = try await database.read { [query] db in
            let listed = try AlertStore.list(query, in: db)
            return (listed, try FeedbackStore.feedback(alertIDs: listed.map(\.alert.id), in: db))
        }
        return try APIResponse.json(
            Page(
                "alerts", items: listed.map { AlertJSON($0, feedback: feedback[$0.alert.id]) }, limit: query.limit,
                cursor: \.cursor))
    }

    func shipment(_ key: ShipmentKey) async throws -> Response {
        let now = clock()
        let found = try await database.read { db -> ShipmentRecord? in
            guard let shipment = try ShipmentStore.shipment(key, in: db) else { return nil }
            var query = AlertQuery()
            query.shipment = key
            query.limit = 500
            let alerts = try AlertStore.list(query, in: db)
            return ShipmentRecord(
                shipment: shipment, events: try EventStore.events(for: key, in: db), alerts: alerts,
                feedback: try FeedbackStore.feedback(alertIDs: alerts.map(\.alert.id), in: db),
                orders: try OrderStore.orders(for: key, in: db))
        }
        guard let found else {
            throw ProblemDetails.notFound("no shipment \(key.trackingNumber) of carrier '\(key.carrier)' is known")
        }
        let shipment = found.shipment
        let evaluator = model.evaluator()
        let context = ShipmentContext(
            shipment: shipment, origin: shipment.origin, order: found.orders.first,
            disruptions: model.disruptions(notEndedAt: now),
            feedbackFactor: model.feedbackFactor(for: shipment.node.identifier))
        var dwell: ShipmentJSON.Dwell?
        if shipment.isOpen {
            let (expected, baseline) = evaluator.expectedDwell(context, at: now)
            let seconds = max(0, now.timeIntervalSince(shipment.currentSince))
            dwell = ShipmentJSON.Dwell(
                seconds: seconds.rounded(), expectedSeconds: expected.rounded(),
                ratio: expected > 0 ? ((seconds / expected) * 1000).rounded() / 1000 : 0,
                baselineKey: baseline.key?.description, baselineSamples: baseline.samples,
                feedbackFactor: context.feedbackFactor)
        }
        let window = shipment.isOpen ? evaluator.assess(context, now: now).deliveryWindow : nil
        let body = ShipmentJSON(
            carrier: key.carrier, trackingNumber: key.trackingNumber, state: shipment.state.rawValue,
            milestone: shipment.milestone.rawValue, direction: shipment.direction.rawValue,
            node: CanonicalNode(shipment.node), currentSince: rfc3339(shipment.currentSince),
            lastEventAt: rfc3339(shipment.lastEventAt), nextCheckAt: shipment.nextCheckAt.map(rfc3339),
            dwell: dwell,
            deliveryWindow: window.flatMap(ShipmentJSON.Window.init),
            orderIDs: found.orders.map(\.id),
            timeline: found.events.map(\.event).sorted { $0.time.instant < $1.time.instant }.map(
                TimelineEventJSON.init),
            alerts: found.alerts.reversed().map { AlertJSON($0, feedback: found.feedback[$0.alert.id]) })
        return try APIResponse.json(body)
    }
}

/// What the shipment route reads in one transaction.
struct ShipmentRecord: Sendable {
    var shipment: Shipment
    var events: [StoredEvent]
    /// Newest first.
    var alerts: [ListedAlert]
    var feedback: [Int64: AlertFeedback]
    var orders: [Order]
}

/// JSON answers of the API.
enum APIResponse {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
