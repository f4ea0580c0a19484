import DelayGateConfig
import DelayGateModel
import Foundation

/// The `erp-poll` kind: orders fetched from an ERP's HTTP API on a schedule, with OAuth 2.0
/// client credentials. The pages fetched are stored in the inbox under the adapter's name (so
/// they can be reprocessed like any delivery); the adapter has no webhook route.
///
/// The ERP is expected to answer `GET <url>?limit=N[&page_token=T][&updated_since=TIME]` with
/// `{"orders": [...], "next_page_token": "…" | null}`, orders as in `docs/orders-json.md`
/// (see `docs/erp-poll.md`).
///
/// ```yaml
/// kind: erp-poll
/// source:
///   url: ${ERP_ORDERS_URL:-http://127.0.0.1:9100/api/orders}
///   page_size: 200          # orders per page (limit)
///   interval_seconds: 60    # pause once caught up
///   timeout_seconds: 10
/// auth:
///   token_url: ${ERP_TOKEN_URL:-http://127.0.0.1:9100/oauth/token}
///   client_id: delaygate
///   client_secret: ${ERP_CLIENT_SECRET}
///   scope: orders:read      # optional
/// options:
///   default_time_zone: Asia/Shanghai
/// ```
public enum ERPPollKind: InboundAdapterKind {
    public static let kindName = "erp-poll"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var source: Source
        var auth: OAuthClientSettings
        var options: Options?

        struct Source: Decodable {
            var url: String
            var pageSize: Int?
            var intervalSeconds: Int?
            var timeoutSeconds: Int?

            enum CodingKeys: String, CodingKey {
                case url
                case pageSize = "page_size"
                case intervalSeconds = "interval_seconds"
                case timeoutSeconds = "timeout_seconds"
            }
        }

        struct Options: Decodable {
            var defaultTimeZone: String?

            enum CodingKeys: String, CodingKey {
                case defaultTimeZone = "default_time_zone"
            }
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let source = configuration.source
        for (key, url) in [("source.url", source.url), ("auth.token_url", configuration.auth.tokenURL)] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw ConfigError(file: file.path, key: key, message: "'\(url)' is not an http(s) URL")
            }
        }
        let pageSize = source.pageSize ?? 200
        guard (1...10_000).contains(pageSize) else {
            throw ConfigError(
                file: file.path, key: "source.page_size", message: "expected 1 to 10000, found \(pageSize)")
        }
        let interval = source.intervalSeconds ?? 60
        guard (1...86_400).contains(interval) else {
            throw ConfigError(
                file: file.path, key: "source.interval_seconds", message: "expected 1 to 86400, found \(interval)")
        }
        let timeout = source.timeoutSeconds ?? 10
        guard (1...300).contains(timeout) else {
            throw ConfigError(
                file: file.path, key: "source.timeout_seconds", message: "expected 1 to 300, found \(timeout)")
        }
        let secret = configuration.auth.clientSecret
        return ERPPollAdapter(
            name: file.name,
            polling: ERPPolling(
                url: source.url, pageSize: pageSize, interval: .seconds(interval), timeout: .seconds(timeout),
                tokenURL: configuration.auth.tokenURL, clientID: configuration.auth.clientID,
                clientSecret: secret.value(in: decoder.environment), scope: configuration.auth.scope),
            missingSecrets: secret.value(in: decoder.environment) == nil ? [secret.variable] : [],
            defaultTimeZone: try ZoneOption.zone(
                configuration.options?.defaultTimeZone, default: "Asia/Shanghai", file: file,
                key: "options.default_time_zone"))
    }
}

/// How an `erp-poll` adapter reaches its ERP.
public struct ERPPolling: Sendable {
    public var url: String
    public var pageSize: Int
    public var interval: Duration
    public var timeout: Duration
    public var tokenURL: String
    public var clientID: String
    /// Nil while the secret's variable is unset (the poller then stays idle and says why).
    public var clientSecret: String?
    public var scope: String?
}

/// An adapter of the ``ERPPollKind`` kind: it parses the pages its poller stores.
public struct ERPPollAdapter: InboundAdapter {
    public let name: String
    public var kind: String { ERPPollKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/json"] }
    public var acceptsWebhooks: Bool { false }
    public let polling: ERPPolling
    public let missingSecrets: [String]
    let defaultTimeZone: TimeZone

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        throw VerificationFailure("adapter '\(name)' polls its ERP and accepts no requests")
    }

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        try OrderJSON.parseList(body, zone: defaultTimeZone)
    }

    /// The `next_page_token` of a page, and the newest `updated_at` in it (as sent).
    public func pageCursor(_ body: Data) -> (nextPageToken: String?, newestUpdate: String?) {
        struct Page: Decodable {
            var next_page_token: String?
            var orders: [Stamp]?
            struct Stamp: Decodable { var updated_at: String? }
        }
        guard let page = try? JSONDecoder().decode(Page.self, from: body) else { return (nil, nil) }
        let stamps = (page.orders ?? []).compactMap(\.updated_at)
        // RFC 3339 times of one ERP share a format, so the newest is the largest instant.
        let newest = stamps.max {
            (CarrierTimestampOrder.instant($0) ?? .distantPast) < (CarrierTimestampOrder.instant($1) ?? .distantPast)
        }
        return (page.next_page_token, newest)
    }
}

enum CarrierTimestampOrder {
    static func instant(_ text: String) -> Date? {
        guard let timestamp = CarrierTimestamp.parse(text.count == 10 ? text + "T00:00:00Z" : text) else { return nil }
        return timestamp.resolve(inferredZone: nil, assumedZone: TimeZone(identifier: "UTC")!).instant
    }
}
