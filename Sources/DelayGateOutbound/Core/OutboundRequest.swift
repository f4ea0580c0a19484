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

    /// The request as the outbox stores it, in the shape of an HTTP/1.1 request head:
    ///
    /// ```
    /// POST https://shop.zendesk.com/api/v2/tickets.json
    /// Content-Type: application/json
    /// @warehouses: WH-SH,WH-HZ
    ///
    /// {"ticket":…}
    /// ```
    ///
    /// The request line, then a line per header and per extra (an extra's name starts with `@`,
    /// which no header name can), then, when there is a body, an empty line and the body as it is.
    /// Line feeds, carriage returns and backslashes inside the head are written `\n`, `\r` and
    /// `\\`, so that every head line is one line.
    ///
    /// Reading it back is a split by lines: JSON in the head cost the dispatcher 6 % of its CPU
    /// per delivery (JSONDecoder is about ten times slower on it), and a body inside the JSON cost
    /// it a tenth more when it was escaped and unescaped.
    public func encoded() -> String {
        var head = Self.escaped(method) + " " + Self.escaped(url) + "\n"
        for header in headers {
            head += Self.escaped(header.name) + ": " + Self.escaped(header.value) + "\n"
        }
        for (name, value) in extras.sorted(by: { $0.key < $1.key }) {
            head += "@" + Self.escaped(name) + ": " + Self.escaped(value) + "\n"
        }
        return body.map { head + "\n" + $0 } ?? head
    }

    /// Reads a request stored by ``encoded()``, or by earlier versions (JSON, with the body after
    /// it or inside it).
    public static func decode(_ stored: String) throws -> OutboundRequest {
        let utf8 = stored.utf8
        guard utf8.first != UInt8(ascii: "{") else { return try decodeJSON(stored) }
        let newline = UInt8(ascii: "\n")
        var lineStart = utf8.startIndex
        var request = OutboundRequest(method: "", url: "")
        var sawRequestLine = false
        while lineStart < utf8.endIndex {
            let lineEnd = utf8[lineStart...].firstIndex(of: newline) ?? utf8.endIndex
            let line = stored[lineStart..<lineEnd]
            let next = lineEnd == utf8.endIndex ? lineEnd : utf8.index(after: lineEnd)
            if !sawRequestLine {
                guard let space = line.firstIndex(of: " "), isRequestLine(method: line[..<space]) else {
                    throw StoredRequestError(line: String(line))
                }
                request.method = unescaped(line[..<space])
                request.url = unescaped(line[line.index(after: space)...])
                sawRequestLine = true
            } else if line.isEmpty {
                request.body = String(stored[next...])
                return request
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw StoredRequestError(line: String(line)) }
                let name = line[..<colon]
                var value = line[line.index(after: colon)...]
                if value.first == " " { value = value.dropFirst() }
                if name.first == "@" {
                    request.extras[unescaped(name.dropFirst())] = unescaped(value)
                } else {
                    request.headers.append(Header(unescaped(name), unescaped(value)))
                }
            }
            lineStart = next
        }
        guard sawRequestLine else { throw StoredRequestError(line: "") }
        return request
    }

    /// Whether a stored first line starts like a request line: an upper-case method (`POST`,
    /// `PATCH`, …) before the space. A row damaged or written by something else is then a dead
    /// letter that says so, rather than a request sent to a nonsense address and retried.
    private static func isRequestLine(method: Substring) -> Bool {
        !method.isEmpty && method.utf8.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
    }

    /// A stored request with a line that is neither a request line nor `name: value`.
    public struct StoredRequestError: Error, CustomStringConvertible {
        public var line: String
        public var description: String { "not a stored request line: \"\(line.prefix(80))\"" }
    }

    /// The forms of earlier versions: everything but the body as one line of JSON, then a line
    /// feed and the body; before that, the body inside the JSON.
    private static func decodeJSON(_ stored: String) throws -> OutboundRequest {
        let utf8 = stored.utf8
        guard let newline = utf8.firstIndex(of: UInt8(ascii: "\n")) else {
            return try decoder.decode(OutboundRequest.self, from: Data(utf8))
        }
        var request = try decoder.decode(OutboundRequest.self, from: Data(utf8[..<newline]))
        request.body = String(stored[utf8.index(after: newline)...])
        return request
    }

    private static let decoder = JSONDecoder()

    private static func escaped(_ text: String) -> String {
        // A backslash, line feed or carriage return.
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || $0 == 0x0D }) else { return text }
        var result = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    private static func unescaped(_ text: Substring) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return String(text) }
        var result = ""
        var escaping = false
        for character in text.unicodeScalars {
            if escaping {
                switch character {
                case "n": result += "\n"
                case "r": result += "\r"
                default: result.unicodeScalars.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.unicodeScalars.append(character)
            }
        }
        return result
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
