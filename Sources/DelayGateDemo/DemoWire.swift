import DelayGateAdapters
import DelayGateMocks
import DelayGateModel
import Foundation

/// One shipment's scans as the gateway reads them after they travelled in their vendors' shapes:
/// rendered by the carrier's sender (``CarrierRouting``) or the customs broker, parsed by the
/// adapter that receives them. Vendors that cannot carry a facility code give the facility's name.
struct DemoWire {
    let catalog: AdapterCatalog
    let secrets: [String: String]
    var routing = CarrierRouting.standard

    func asReceived(_ scans: [TrackingEvent]) -> [TrackingEvent] {
        guard let first = scans.first else { return [] }
        let now = scans.last?.time.instant ?? Date()
        var received: [TrackingEvent] = []
        let customs = scans.compactMap(CustomsUpdate.init(event:))
        if !customs.isEmpty {
            received += parse(
                CustomsRenderer().request(
                    updates: customs, secret: secret(CarrierRouting.customsAdapter), at: now),
                adapter: CarrierRouting.customsAdapter, at: now)
        }
        let carrierScans = scans.filter { CustomsUpdate(event: $0) == nil }
        if !carrierScans.isEmpty {
            let route = routing.route(forShipmentStartingWith: first)
            if let webhook = try? route.renderer.request(
                history: carrierScans, new: carrierScans, secret: secret(route.adapter), at: now)
            {
                received += parse(webhook, adapter: route.adapter, at: now)
            }
        }
        return received.sorted { $0.time.instant < $1.time.instant }
    }

    func parse(_ webhook: RenderedWebhook, adapter name: String, at now: Date) -> [TrackingEvent] {
        guard let adapter = catalog.adapter(named: name) else { return [] }
        return (try? adapter.parse(webhook.body, receivedAt: now).events) ?? []
    }

    func secret(_ adapter: String) -> String {
        DemoSender.secretVariables[adapter].flatMap { secrets[$0] } ?? ""
    }
}
