import Foundation

/// A rendered outbound request, as stored in the outbox: what to send, without credentials.
///
/// Credentials (API tokens, OAuth bearer tokens, request signatures) are added by the adapter
/// each time the request is sent, so the database never holds a secret and a rotated secret
/// takes effect on the next attempt.
public struct OutboundRequest: Codable, Sendable, Hashable {
    public struct Header: Codable, Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: String
    public var url: String
    public var headers: [Header]
    public var body: String?
    /// Facts the adapter needs at send time that are not part of the request (e.g. the order
    /// lines and candidate warehouses of an ERP re-ship), as strings.
    public var extras: [String: String]

    public init(
        method: String = "POST", url: String, headers: [Header] = [], body: String? = nil,
        extras: [String: String] = [:]
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.extras = extras
    }

    /// The request as JSON for the outbox.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// Reads a request stored by ``encoded()``.
    public static func decode(_ json: String) throws -> OutboundRequest {
        try JSONDecoder().decode(OutboundRequest.self, from: Data(json.utf8))
    }

    /// Adds or replaces a header.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append(Header(name, value))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// How one delivery attempt ended.
public enum DeliveryOutcome: Sendable, Hashable {
    /// The receiver accepted it; `receipt` is its id for what it created.
    case delivered(status: Int?, receipt: String?)
    /// A failure that may pass (5xx, 429, timeouts, connection errors): try again, not before
    /// `retryAfter` when the receiver said so.
    case transient(status: Int?, retryAfter: Duration?, error: String)
    /// Refused for good (4xx other than 429/408): a dead letter, with the receiver's answer.
    case permanent(status: Int?, error: String, response: String?)
}
