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

    /// The request as the outbox stores it: everything but the body as one line of JSON, then,
    /// when there is a body, a line feed and the body as it is.
    ///
    /// The body (a ticket, often kilobytes of text) is kept out of the JSON: escaping it when the
    /// delivery is planned and unescaping it at every attempt was a tenth of the dispatcher's CPU
    /// per delivery. JSONEncoder escapes line feeds inside strings, so the first one ends the JSON.
    public func encoded() -> String {
        var envelope = self
        envelope.body = nil
        let json = String(decoding: (try? Self.encoder.encode(envelope)) ?? Data("{}".utf8), as: UTF8.self)
        return body.map { json + "\n" + $0 } ?? json
    }

    /// Reads a request stored by ``encoded()``, or by earlier versions, which kept the body inside
    /// the JSON.
    public static func decode(_ stored: String) throws -> OutboundRequest {
        let utf8 = stored.utf8
        guard let newline = utf8.firstIndex(of: UInt8(ascii: "\n")) else {
            return try decoder.decode(OutboundRequest.self, from: Data(utf8))
        }
        var request = try decoder.decode(OutboundRequest.self, from: Data(utf8[..<newline]))
        request.body = String(stored[utf8.index(after: newline)...])
        return request
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let decoder = JSONDecoder()

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
