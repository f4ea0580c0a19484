import DelayGateAdapters
import DelayGateConfig
import DelayGateModel
import Foundation

/// Alternative fulfilment for extreme cases: ask the ERP to re-ship the order from the nearest
/// warehouse that has every line in stock.
///
/// ```yaml
/// kind: erp-action
/// base_url: ${ERP_URL:-http://127.0.0.1:9100}
/// auth:
///   oauth: {token_url: …, client_id: delaygate, client_secret: ${ERP_CLIENT_SECRET}, scope: fulfilment:write}
/// warehouses:                                  # candidates, nearest to the destination first
///   - {code: HZ01, name: 杭州仓, latitude: 30.27, longitude: 120.15}
///   - {code: GZ01, name: 广州仓, latitude: 23.13, longitude: 113.26, stock_url: https://…/stock}
/// region_centroids:                            # destination region → [latitude, longitude]
///   浙江: [30.27, 120.15]
/// ```
///
/// Stock is read at delivery time (`GET {stock_url}?sku=…`, default
/// `/api/warehouses/{code}/stock`); the request `POST /api/fulfilment-requests` carries the outbox
/// key in `Idempotency-Key`. When no warehouse has stock the delivery is retried later.
public enum ERPActionKind: OutboundAdapterKind {
    public static let kindName = "erp-action"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var baseURL: String
        var auth: Auth
        var warehouses: [Warehouse]
        var regionCentroids: [String: [Double]]?
        var concurrency: Int?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, auth, warehouses, concurrency
            case baseURL = "base_url"
            case regionCentroids = "region_centroids"
        }

        struct Auth: Decodable {
            var oauth: OAuthClientSettings
        }
    }

    /// A warehouse that can re-ship.
    public struct Warehouse: Decodable, Sendable, Hashable {
        public var code: String
        public var name: String?
        public var latitude: Double
        public var longitude: Double
        public var stockURL: String?

        enum CodingKeys: String, CodingKey {
            case code, name, latitude, longitude
            case stockURL = "stock_url"
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any OutboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        try OutboundSettings.requireHTTPURL(configuration.baseURL, file: file, key: "base_url")
        guard !configuration.warehouses.isEmpty else {
            throw ConfigError(file: file.path, key: "warehouses", message: "name at least one warehouse")
        }
        for (index, warehouse) in configuration.warehouses.enumerated() {
            guard (-90...90).contains(warehouse.latitude), (-180...180).contains(warehouse.longitude) else {
                throw ConfigError(
                    file: file.path, key: "warehouses[\(index)]", message: "latitude or longitude out of range")
            }
            if let url = warehouse.stockURL {
                try OutboundSettings.requireHTTPURL(url, file: file, key: "warehouses[\(index)].stock_url")
            }
        }
        var centroids: [String: (Double, Double)] = [:]
        for (region, point) in configuration.regionCentroids ?? [:] {
            guard point.count == 2 else {
                throw ConfigError(
                    file: file.path, key: "region_centroids.\(region)", message: "expected [latitude, longitude]")
            }
            centroids[region] = (point[0], point[1])
        }
        let (tokens, missing) = try configuration.auth.oauth.provider(
            file: file, key: "auth.oauth", environment: decoder.environment)
        return ERPActionAdapter(
            name: file.name, baseURL: OutboundSettings.base(configuration.baseURL), tokens: tokens,
            warehouses: configuration.warehouses, centroids: centroids, missingSecrets: missing,
            concurrency: try OutboundSettings.concurrency(configuration.concurrency, file: file))
    }
}

/// A configured ERP alternative-fulfilment adapter.
public struct ERPActionAdapter: OutboundAdapter {
    public let name: String
    public var kind: String { ERPActionKind.kindName }
    let baseURL: String
    let tokens: (any AccessTokenSource)?
    let warehouses: [ERPActionKind.Warehouse]
    let centroids: [String: (Double, Double)]
    public let missingSecrets: [String]
    public let concurrency: Int
    public var purposes: Set<OutboundMessage.Purpose> { [.alternativeFulfilment] }

    /// Warehouse codes nearest to the destination first (configured order when its place is unknown).
    func ranked(region: String?) -> [ERPActionKind.Warehouse] {
        // A configured `浙江` is the order's `浙江省`.
        guard let region, let (latitude, longitude) = RegionName.lookup(region, in: centroids) else {
            return warehouses
        }
        return warehouses.enumerated().sorted { lhs, rhs in
            let l = Self.kilometres(latitude, longitude, lhs.element.latitude, lhs.element.longitude)
            let r = Self.kilometres(latitude, longitude, rhs.element.latitude, rhs.element.longitude)
            return l == r ? lhs.offset < rhs.offset : l < r
        }.map(\.element)
    }

    /// Great-circle distance (haversine).
    static func kilometres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians
        let dLon = (lon2 - lon1) * radians
        let a = pow(sin(dLat / 2), 2) + cos(lat1 * radians) * cos(lat2 * radians) * pow(sin(dLon / 2), 2)
        return 6371 * 2 * atan2(sqrt(a), sqrt(1 - a))
    }

    public func render(_ message: OutboundMessage) throws(RenderError) -> OutboundRequest {
        guard let fulfilment = message.fulfilment else { throw RenderError("a re-ship needs the order") }
        guard !fulfilment.lines.isEmpty else {
            throw RenderError("order \(fulfilment.orderID) has no lines to re-ship (the ERP sent no items)")
        }
        var shipTo: [String: String] = [:]
        shipTo["city"] = fulfilment.destinationCity
        shipTo["region"] = fulfilment.destinationRegion
        shipTo["country"] = fulfilment.destinationCountry
        let body: [String: Any] = [
            "order_id": fulfilment.orderID,
            "items": fulfilment.lines.map { ["sku": $0.sku, "quantity": $0.quantity] },
            "reason": message.body,
            "ship_to": shipTo,
            "reference": message.idempotencyKey,
        ]
        let candidates = ranked(region: fulfilment.destinationRegion).map(\.code)
        return OutboundRequest(
            url: "\(baseURL)/api/fulfilment-requests",
            headers: [
                .init("Content-Type", "application/json"), .init("Accept", "application/json"),
                .init("Idempotency-Key", message.idempotencyKey),
            ],
            body: OutboundRequest.json(body),
            extras: ["warehouses": candidates.joined(separator: ",")])
    }

    public func deliver(_ request: OutboundRequest, idempotencyKey: String, using http: OutboundHTTP) async
        -> DeliveryOutcome
    {
        guard let tokens else { return waitingForSecrets(missingSecrets) }
        guard var body = (try? JSONSerialization.jsonObject(with: Data((request.body ?? "{}").utf8))) as? [String: Any],
            let items = body["items"] as? [[String: Any]]
        else {
            return .permanent(status: nil, error: "the stored request is not an ERP fulfilment request", response: nil)
        }
        let codes = (request.extras["warehouses"] ?? "").split(separator: ",").map(String.init)
        var lastProblem = "no configured warehouse has every line in stock"
        for code in codes {
            guard let warehouse = warehouses.first(where: { $0.code == code }) else { continue }
            switch await hasStock(warehouse, items: items, tokens: tokens, http: http) {
            case .failure(let problem): return problem.outcome
            case .success(false): continue
            case .success(true): break
            }
            body["warehouse"] = code
            var attempt = request
            attempt.body = OutboundRequest.json(body)
            let outcome = await http.deliver(attempt, tokens: tokens) { answer in JSONPath.string(answer.body, ["id"]) }
            if case .permanent(409, let error, _) = outcome {
                lastProblem = "\(code): \(error)"
                continue  // sold out between the stock check and the request: try the next warehouse
            }
            return outcome
        }
        return .transient(status: nil, retryAfter: .seconds(900), error: lastProblem)
    }

    private func hasStock(
        _ warehouse: ERPActionKind.Warehouse, items: [[String: Any]], tokens: any AccessTokenSource,
        http: OutboundHTTP
    ) async -> Result<Bool, StockProblem> {
        let stockURL = warehouse.stockURL ?? "\(baseURL)/api/warehouses/\(warehouse.code)/stock"
        for item in items {
            guard let sku = item["sku"] as? String, let quantity = item["quantity"] as? Int else { continue }
            let query = OutboundRequest(
                method: "GET", url: "\(stockURL)?sku=\(FormURLEncoded.percentEncode(sku))",
                headers: [.init("Accept", "application/json")])
            let outcome = await http.deliver(query, tokens: tokens) { answer in
                JSONPath.string(answer.body, ["available"])
            }
            guard case .delivered(_, let available) = outcome else {
                if case .permanent(404, _, _) = outcome { return .success(false) }
                return .failure(StockProblem(outcome: outcome))
            }
            guard let count = available.flatMap(Int.init), count >= quantity else { return .success(false) }
        }
        return .success(true)
    }

    struct StockProblem: Error {
        var outcome: DeliveryOutcome
    }
}
