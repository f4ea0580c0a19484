import AsyncHTTPClient
import DelayGateAdapters
import DelayGateModel
import Foundation
import NIOCore
import NIOHTTP1

/// Sends outbound requests and classifies the answers the way the outbox needs.
///
/// - 2xx: delivered.
/// - 429 and 503: transient, not retried before `Retry-After` (seconds or an HTTP date).
/// - 408, other 5xx, timeouts and connection errors: transient.
/// - 401 with an OAuth token source: the token is dropped and the request sent once more with a
///   fresh one; a second 401 is permanent (the credentials are wrong: fix, then replay).
/// - Any other 4xx: permanent, with the answer kept for the dead letter.
public struct OutboundHTTP: Sendable {
    /// An answer, with its body as text (bounded).
    public struct Answer: Sendable, Hashable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: String
        /// When it arrived by the sender's clock (``OutboundHTTP``'s `clock`): what a `Retry-After`
        /// date is measured from, so a dispatcher on a fixed or simulated clock waits as asked.
        public var receivedAt: Date

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        public static func == (lhs: Answer, rhs: Answer) -> Bool {
            lhs.status == rhs.status && lhs.body == rhs.body
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(status)
            hasher.combine(body)
        }
    }

    public let client: HTTPClient
    public let timeout: TimeAmount
    /// Largest answer body read; the rest is dropped.
    public let maxAnswerBytes: Int
    let clock: @Sendable () -> Date

    /// The client outbound deliveries share unless given another: `HTTPClient.shared`'s settings,
    /// but
    /// - as many connections per host as an adapter may have requests in flight (256, the
    ///   largest `concurrency:`), so that an adapter's concurrency is real rather than queued
    ///   behind the shared client's 8 connections per host;
    /// - no redirects: a ticket or message POSTed to an API that answers 3xx is not re-sent
    ///   elsewhere (as a GET, for 301–303) behind the operator's back; it becomes a dead letter
    ///   that names the new location;
    /// - no tracing spans (DelayGate bootstraps no tracer; building the attributes of a no-op
    ///   span was 3 % of the dispatcher's CPU per delivery);
    /// - no response decompression: the shared client asks for gzip or deflate and inflates the
    ///   answer through one more channel handler; the answers DelayGate reads are short JSON.
    ///
    /// The idle-read timeout stays: the request's deadline ends once the answer's head arrives,
    /// and a receiver that then stalls mid-body is cut off only by it.
    ///
    /// It lives as long as the process.
    public static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
        configuration.redirectConfiguration = .disallow
        configuration.tracing.tracer = nil
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(
        client: HTTPClient = OutboundHTTP.defaultClient, timeout: TimeAmount = .seconds(10),
        maxAnswerBytes: Int = 64 * 1024,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.timeout = timeout
        self.maxAnswerBytes = maxAnswerBytes
        self.clock = clock
    }

    /// Sends `request` as it is. Throws on connection errors and timeouts.
    public func send(_ request: OutboundRequest, timeout: TimeAmount? = nil) async throws -> Answer {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(outgoing, timeout: timeout ?? self.timeout)
        var bytes = try await response.body.collect(upTo: .max)
        let text = bytes.readString(length: min(bytes.readableBytes, maxAnswerBytes)) ?? ""
        return Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: text,
            receivedAt: clock())
    }

    /// Sends `request` with a bearer token from `tokens` (when given), once more with a fresh
    /// token after a 401, and classifies the answer; `receipt` reads the created object's id
    /// from a successful answer.
    public func deliver(
        _ request: OutboundRequest, tokens: (any AccessTokenSource)? = nil,
        receipt: @Sendable (Answer) -> String? = { _ in nil }
    ) async -> DeliveryOutcome {
        await deliver(request, tokens: tokens, classify: { Self.classify($0, receipt: receipt) })
    }

    /// Like ``deliver(_:tokens:receipt:)`` with the adapter's own classification (for APIs that
    /// report errors inside a 200 answer).
    public func deliver(
        _ request: OutboundRequest, tokens: (any AccessTokenSource)?, classify: @Sendable (Answer) -> DeliveryOutcome
    ) async -> DeliveryOutcome {
        var request = request
        for attempt in 0..<2 {
            var token: String?
            if let tokens {
                do {
                    token = try await tokens.token()
                } catch {
                    return .transient(status: nil, retryAfter: nil, error: "no access token: \(error)")
                }
                request.setHeader("Authorization", "Bearer \(token!)")
            }
            let answer: Answer
            do {
                answer = try await send(request)
            } catch let error as HTTPClientError where Self.isUnsendable(error) {
                // No attempt can succeed until the adapter's address is fixed.
                return .permanent(
                    status: nil, error: "cannot send to \"\(request.url.prefix(200))\": \(error)", response: nil)
            } catch {
                return .transient(status: nil, retryAfter: nil, error: Self.describe(error))
            }
            if answer.status == 401, let tokens, let token, attempt == 0 {
                await tokens.invalidate(token)
                continue
            }
            return classify(answer)
        }
        return .permanent(status: 401, error: "refused twice with fresh credentials", response: nil)
    }

    /// The default classification of an answer; a `Retry-After` date counts from the answer's
    /// ``Answer/receivedAt``.
    public static func classify(_ answer: Answer, receipt: (Answer) -> String? = { _ in nil }) -> DeliveryOutcome {
        switch answer.status {
        case 200..<300:
            return .delivered(status: answer.status, receipt: receipt(answer))
        case 429, 503:
            return .transient(
                status: answer.status, retryAfter: retryAfter(answer.header("Retry-After"), now: answer.receivedAt),
                error: "HTTP \(answer.status)\(summary(answer.body))")
        case 408, 500..<600:
            return .transient(
                status: answer.status, retryAfter: nil, error: "HTTP \(answer.status)\(summary(answer.body))")
        case 300..<400:
            // Redirects are not followed (see ``defaultClient``): say where the API moved to.
            let location = answer.header("Location").map { " to \($0)" } ?? ""
            return .permanent(
                status: answer.status,
                error: "HTTP \(answer.status): redirected\(location); update the adapter's url",
                response: answer.body)
        default:
            return .permanent(
                status: answer.status, error: "HTTP \(answer.status)\(summary(answer.body))", response: answer.body)
        }
    }

    /// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), the date measured from
    /// `now`; a date already past is zero, anything else unreadable nil.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(max(0, Int64(date.timeIntervalSince(now) * 1000)))
    }

    /// The first 200 characters of an answer, phone numbers masked, for `last_error` and logs
    /// (answers never carry our secrets, but may quote the customer's number).
    static func summary(_ body: String) -> String {
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return "" }
        return ": " + Redaction.maskingPhoneNumbers(String(trimmed.prefix(200)))
    }

    /// Errors about the request's URL itself (no scheme, no host, not http or https).
    static func isUnsendable(_ error: HTTPClientError) -> Bool {
        [.invalidURL, .emptyScheme, .emptyHost, .missingSocketPath].contains(error)
            || error.description.hasPrefix("HTTPClientError.unsupportedScheme")
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                return "timed out"
            }
            return "connection failed: \(error)"
        }
        return "connection failed: \(type(of: error)) \(error)"
    }
}

extension OutboundRequest {
    /// A form body from ordered pairs.
    public static func formBody(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(FormURLEncoded.percentEncode($0.0))=\(FormURLEncoded.percentEncode($0.1))" }.joined(
            separator: "&")
    }

    /// JSON text of a value built of dictionaries, arrays, strings, numbers, booleans and
    /// `NSNull`, keys sorted (stable for tests and idempotent replays).
    ///
    /// Written by `JSONEncoder` through ``JSONTree``: `JSONSerialization` bridged every value to
    /// an `NSObject` first and was most of the cost of rendering a ticket.
    public static func json(_ object: Any) -> String {
        let data = (try? jsonEncoder.encode(JSONTree(object))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// An untyped value as `Encodable`: what ``OutboundRequest/json(_:)`` writes. Values of other
/// types are an encoding error.
struct JSONTree: Encodable {
    let value: Any

    init(_ value: Any) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case let dictionary as [String: Any]:
            var container = encoder.container(keyedBy: StringCodingKey.self)
            for (key, element) in dictionary { try container.encode(JSONTree(element), forKey: StringCodingKey(key)) }
        case let array as [Any]:
            var container = encoder.unkeyedContainer()
            for element in array { try container.encode(JSONTree(element)) }
        case let number as NSNumber where type(of: value) is NSNumber.Type:
            // A number parsed by JSONSerialization: a real NSNumber, which casts to Bool and to Int
            // alike, so its own type decides (booleans are `c`, floating point `d` or `f`).
            var container = encoder.singleValueContainer()
            switch String(cString: number.objCType) {
            case "c": try container.encode(number.boolValue)
            case "d", "f": try container.encode(number.doubleValue)
            default: try container.encode(number.int64Value)
            }
        default:
            var container = encoder.singleValueContainer()
            switch value {
            case let text as String: try container.encode(text)
            case let text as Substring: try container.encode(String(text))
            case let flag as Bool: try container.encode(flag)
            case let number as Int: try container.encode(number)
            case let number as Int64: try container.encode(number)
            case let number as Int32: try container.encode(number)
            case let number as Double: try container.encode(number)
            case let number as Decimal: try container.encode(number)
            case is NSNull: try container.encodeNil()
            default:
                throw EncodingError.invalidValue(
                    value,
                    .init(codingPath: encoder.codingPath, debugDescription: "not a JSON value: \(type(of: value))"))
            }
        }
    }
}
