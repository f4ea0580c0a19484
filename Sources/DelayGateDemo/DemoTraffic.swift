import AsyncHTTPClient
import DelayGateMocks
import DelayGateModel
import DelayGateSimulation
import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import Synchronization

/// What the simulated world sends the gateway, in time order: disruption notices, ERP orders,
/// and every carrier scan, each in its sender's real shape.
struct DemoTraffic: Sendable {
    enum Item: Sendable {
        case notices([DisruptionNotice])
        case order(Order)
        /// New scans of one shipment, with its history so far (vendors that resend whole
        /// histories send all of it).
        case scans(shipment: ShipmentKey, history: [TrackingEvent], new: [TrackingEvent])
    }

    /// (when, what), sorted by time.
    let timeline: [(Date, Item)]
    let scanCount: Int

    /// The evaluated day's traffic; history parcels are learned from, not sent.
    init(day: SimulatedDay, evaluatedEvents: [TrackingEvent]) {
        var timeline: [(Date, Item)] = []
        if !day.disruptions.isEmpty {
            // Announced at the start of the day, as a weather service would.
            timeline.append((day.day, .notices(day.disruptions)))
        }
        timeline += day.orders.map { ($0.updatedAt, .order($0)) }
        var history: [ShipmentKey: [TrackingEvent]] = [:]
        var index = 0
        while index < evaluatedEvents.count {
            let instant = evaluatedEvents[index].time.instant
            var batch: [ShipmentKey: [TrackingEvent]] = [:]
            var keys: [ShipmentKey] = []
            while index < evaluatedEvents.count, evaluatedEvents[index].time.instant == instant {
                let event = evaluatedEvents[index]
                if batch[event.shipmentKey] == nil { keys.append(event.shipmentKey) }
                batch[event.shipmentKey, default: []].append(event)
                index += 1
            }
            for key in keys {
                let new = batch[key]!
                history[key, default: []] += new
                timeline.append((instant, .scans(shipment: key, history: history[key]!, new: new)))
            }
        }
        self.timeline = timeline.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(
            \.element)
        self.scanCount = evaluatedEvents.count
    }
}

/// Sends the traffic over HTTP: carrier scans through the vendor each carrier uses
/// (``CarrierRouting``), customs updates through the broker's feed, notices through the
/// disruption feed, orders to `POST /v1/orders` with an OAuth token.
final class DemoSender: Sendable {
    struct Counts: Sendable, Hashable {
        var requests = 0
        var scans = 0
        var orders = 0
        var notices = 0
        var failures = 0
        /// Requests per adapter.
        var byAdapter: [String: Int] = [:]
    }

    let base: String
    let client: HTTPClient
    let secrets: [String: String]
    let token: String
    let clock: DemoClock
    let routing = CarrierRouting.standard
    private let counts = Mutex(Counts())
    private let routes = Mutex<[ShipmentKey: CarrierRoute]>([:])
    /// Why the first failures failed, for the report.
    private let failureNotes = Mutex<[String]>([])

    /// The variable holding each shipped adapter's secret.
    static let secretVariables = [
        "integrator": "DELAYGATE_INTEGRATOR_SECRET", "kdniao": "KDNIAO_APP_KEY", "aftership": "AFTERSHIP_WEBHOOK_SECRET",
        "easypost": "EASYPOST_WEBHOOK_SECRET", "seventeen-track": "SEVENTEEN_TRACK_SECURITY_KEY",
        CarrierRouting.customsAdapter: "CUSTOMS_BROKER_SECRET", CarrierRouting.disruptionAdapter: "DISRUPTION_FEED_SECRET",
    ]

    init(base: String, client: HTTPClient, secrets: [String: String], token: String, clock: DemoClock) {
        self.base = base
        self.client = client
        self.secrets = secrets
        self.token = token
        self.clock = clock
    }

    var sent: Counts { counts.withLock { $0 } }
    var failures: [String] { failureNotes.withLock { $0 } }

    func send(_ item: DemoTraffic.Item) async {
        let now = clock.now()
        switch item {
        case .notices(let notices):
            let webhook = DisruptionRenderer().request(
                notices: notices, secret: secret(CarrierRouting.disruptionAdapter), at: now)
            await post(webhook, adapter: CarrierRouting.disruptionAdapter)
            counts.withLock { $0.notices += notices.count }
        case .order(let order):
            var webhook = OrdersRenderer().request(orders: [order], secret: "", at: now)
            webhook.headers[.authorization] = "Bearer \(token)"
            await post(webhook, path: "/v1/orders", label: "api-orders")
            counts.withLock { $0.orders += 1 }
        case .scans(let shipment, let history, let new):
            // Customs milestones come from the customs broker's feed, the rest from the carrier's vendor.
            let customs = new.compactMap(CustomsUpdate.init(event:))
            if !customs.isEmpty {
                let webhook = CustomsRenderer().request(
                    updates: customs, secret: secret(CarrierRouting.customsAdapter), at: now)
                await post(webhook, adapter: CarrierRouting.customsAdapter)
            }
            let scans = new.filter { CustomsUpdate(event: $0) == nil }
            guard !scans.isEmpty else { break }
            let route = routes.withLock { routes in
                if let route = routes[shipment] { return route }
                let route = routing.route(forShipmentStartingWith: history[0])
                routes[shipment] = route
                return route
            }
            do {
                let webhook = try route.renderer.request(
                    history: history.filter { CustomsUpdate(event: $0) == nil }, new: scans,
                    secret: secret(route.adapter), at: now)
                await post(webhook, adapter: route.adapter)
            } catch {
                note("\(shipment): \(error)")
            }
            counts.withLock { $0.scans += new.count }
        }
    }

    func secret(_ adapter: String) -> String {
        Self.secretVariables[adapter].flatMap { secrets[$0] } ?? ""
    }

    private func post(_ webhook: RenderedWebhook, adapter: String) async {
        await post(webhook, path: RenderedWebhook.path(adapter: adapter), label: adapter)
    }

    private func post(_ webhook: RenderedWebhook, path: String, label: String) async {
        var request = HTTPClientRequest(url: base + path)
        request.method = .POST
        for field in webhook.headers { request.headers.add(name: field.name.rawName, value: field.value) }
        request.body = .bytes(ByteBuffer(bytes: webhook.body))
        var ok = false
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            ok = (200..<300).contains(Int(response.status.code))
            if !ok { note("\(label): HTTP \(response.status.code) \(String(buffer: body).prefix(300))") }
        } catch {
            note("\(label): \(error)")
        }
        counts.withLock {
            $0.requests += 1
            $0.byAdapter[label, default: 0] += 1
            if !ok { $0.failures += 1 }
        }
    }

    private func note(_ text: String) {
        failureNotes.withLock { if $0.count < 10 { $0.append(text) } }
    }
}
