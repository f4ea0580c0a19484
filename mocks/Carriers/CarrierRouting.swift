import DelayGateModel

/// Where one shipment's webhooks go: the adapter kind that reads them and the adapter (route
/// name, `POST /webhooks/<adapter>`) of the shipped `adapters/` folder.
public struct CarrierRoute: Sendable, Hashable {
    public var kind: String
    public var adapter: String

    public init(kind: String, adapter: String) {
        self.kind = kind
        self.adapter = adapter
    }

    /// DelayGate's own JSON, posted to the `integrator` adapter.
    public static let integrator = CarrierRoute(kind: "canonical-json", adapter: "integrator")
    public static let kdniao = CarrierRoute(kind: "kdniao", adapter: "kdniao")
    public static let aftership = CarrierRoute(kind: "aftership", adapter: "aftership")
    public static let easypost = CarrierRoute(kind: "easypost", adapter: "easypost")
    public static let seventeenTrack = CarrierRoute(kind: "seventeen-track", adapter: "seventeen-track")

    /// The default renderer for this route's kind (canonical-json for a kind without a tracking renderer,
    /// such as `customs`, whose senders take their own values).
    public var renderer: any CarrierWebhookRenderer {
        CarrierRenderers.renderer(kind: kind) ?? CanonicalJSONRenderer()
    }
}

/// Which vendor sends each simulated carrier's tracking by default, so that a demo drives every
/// carrier kind with realistic traffic:
///
/// | carrier | domestic | cross-border (from Hong Kong) |
/// | --- | --- | --- |
/// | `jd` | `integrator` (canonical-json) | `integrator` |
/// | `sf-express` | `integrator` (canonical-json) | `aftership` (slug `sf-express`) |
/// | `yto` | `kdniao` (`YTO`) | — |
/// | `yunda` | `aftership` (slug `yundaex`) | — |
/// | `zto` | `kdniao` (`ZTO`) | `aftership` (slug `zto-express`) |
///
/// JD and SF post directly (their own platforms relayed as DelayGate JSON, which keeps facility
/// codes); the network carriers come through aggregators. EasyPost and 17TRACK are left out:
/// neither names these carriers with a code DelayGate's shipped adapter files map (EasyPost
/// serves UPS, FedEx, DHL; 17TRACK's numeric keys in `adapters/seventeen-track.yaml` are
/// YunExpress and China Post). Carriers not in the table go to `integrator`.
///
/// ```swift
/// let route = CarrierRouting.standard.route(forShipmentStartingWith: events[0])
/// let webhook = try route.renderer.request(history: events, new: [events.last!], secret: secret, at: .now)
/// // POST webhook to RenderedWebhook.path(adapter: route.adapter)
/// ```
public struct CarrierRouting: Sendable, Hashable {
    public var domestic: [String: CarrierRoute]
    public var crossBorder: [String: CarrierRoute]
    /// The route of carriers neither table names.
    public var fallback: CarrierRoute

    public init(domestic: [String: CarrierRoute], crossBorder: [String: CarrierRoute], fallback: CarrierRoute) {
        self.domestic = domestic
        self.crossBorder = crossBorder
        self.fallback = fallback
    }

    /// The table above.
    public static let standard = CarrierRouting(
        domestic: ["jd": .integrator, "sf-express": .integrator, "yto": .kdniao, "yunda": .aftership, "zto": .kdniao],
        crossBorder: ["jd": .integrator, "sf-express": .aftership, "zto": .aftership],
        fallback: .integrator)

    /// The adapters of DelayGate's own feeds in the shipped `adapters/` folder.
    public static let customsAdapter = "customs-broker"
    public static let disruptionAdapter = "disruptions"
    public static let ordersAdapter = "orders"

    /// The route of a carrier's domestic or cross-border shipments.
    public func route(carrier: String, crossBorder isCrossBorder: Bool) -> CarrierRoute {
        (isCrossBorder ? crossBorder[carrier] : nil) ?? domestic[carrier] ?? fallback
    }

    /// The route of the shipment whose first event this is: cross-border when that event
    /// happened outside mainland China (the simulation's cross-border parcels start in Hong
    /// Kong). Deciding on the first event keeps a shipment on one route all its life.
    public func route(forShipmentStartingWith event: TrackingEvent) -> CarrierRoute {
        let country = event.node.country?.uppercased()
        return route(carrier: event.carrier, crossBorder: country != nil && country != "CN")
    }
}
