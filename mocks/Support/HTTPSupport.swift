import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Small HTTP pieces the mocks share: answers, credentials, form bodies, times and identifiers.
enum MockHTTP {
    /// The largest request body a mock reads.
    static let bodyLimit = 1 << 20

    /// A JSON answer (`application/json; charset=utf-8` unless `contentType` says otherwise).
    static func json(
        _ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:],
        contentType: String = "application/json; charset=utf-8"
    ) -> Response {
        json(status, encoded: ByteBuffer(bytes: value.encoded()), headers: headers, contentType: contentType)
    }

    /// A JSON answer with a body encoded beforehand (an answer that never changes, encoded once).
    static func json(
        _ status: HTTPResponse.Status, encoded body: ByteBuffer, headers: HTTPFields = [:],
        contentType: String = "application/json; charset=utf-8"
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body))
    }

    /// An RFC 9457 problem document (`application/problem+json`).
    static func problem(
        _ status: HTTPResponse.Status, title: String, detail: String, type: String = "about:blank",
        extensions: [String: JSONValue] = [:], headers: HTTPFields = [:]
    ) -> Response {
        var members = extensions
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .int(status.code)
        members["detail"] = .string(detail)
        return json(status, .object(members), headers: headers, contentType: "application/problem+json")
    }

    /// `Retry-After` as a header list, or none.
    static func retryAfter(_ seconds: Int?) -> HTTPFields {
        guard let seconds else { return [:] }
        return [.retryAfter: String(seconds)]
    }

    /// The whole request body.
    static func body(_ request: Request) async throws -> ByteBuffer {
        var request = request
        return try await request.collectBody(upTo: bodyLimit)
    }

    /// The user and password of an `Authorization: Basic …` header.
    static func basicCredentials(_ request: Request) -> (user: String, password: String)? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }

    /// The token of an `Authorization: Bearer …` header.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingCharacters(in: .whitespaces)
    }

    /// A request header by name, if present.
    static func header(_ request: Request, _ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    /// The `scheme://host[:port]` the client addressed (from `Host`).
    static func origin(_ request: Request) -> String {
        let host = request.head.authority ?? "127.0.0.1"
        return "\(request.head.scheme ?? "http")://\(host)"
    }
}

/// `application/x-www-form-urlencoded` pairs, also used for query strings.
struct FormFields: Sendable, Hashable {
    /// The pairs in order; a name may repeat.
    var pairs: [(name: String, value: String)]

    init(pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Parses `a=1&b=x+y%21`: `+` is a space, percent escapes are decoded.
    init(parsing text: some StringProtocol) {
        pairs = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            return (name, value)
        }
    }

    /// The first value of `name`.
    subscript(name: String) -> String? { pairs.first { $0.name == name }?.value }

    /// The first value of every name.
    var dictionary: [String: String] {
        Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    static func decode(_ text: some StringProtocol) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    static func == (lhs: FormFields, rhs: FormFields) -> Bool {
        lhs.pairs.map(\.name) == rhs.pairs.map(\.name) && lhs.pairs.map(\.value) == rhs.pairs.map(\.value)
    }

    func hash(into hasher: inout Hasher) {
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}

/// Times and identifiers in vendor formats.
enum MockFormat {
    /// `2025-11-25T07:53:00Z`.
    static func iso8601(_ date: Date) -> String {
        formatter("yyyy-MM-dd'T'HH:mm:ss'Z'").string(from: date)
    }

    /// RFC 2822, as Twilio writes dates: `Tue, 25 Nov 2025 07:53:00 +0000`.
    static func rfc2822(_ date: Date) -> String {
        formatter("EEE, dd MMM yyyy HH:mm:ss Z").string(from: date)
    }

    /// Parses `yyyy-MM-dd'T'HH:mm:ss'Z'`.
    static func parseISO8601(_ text: String) -> Date? {
        formatter("yyyy-MM-dd'T'HH:mm:ss'Z'").date(from: text)
    }

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter
    }

    /// `count` random lower-case hexadecimal digits.
    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in Array("0123456789abcdef")[Int(generator.next() % 16)] })
    }

    /// `count` random characters of `[A-Za-z0-9_-]`.
    static func randomToken(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }

    /// Whether `text` is an E.164 number: `+`, a non-zero digit, at most 15 digits in all.
    static func isE164(_ text: String) -> Bool {
        guard text.hasPrefix("+") else { return false }
        let digits = text.dropFirst()
        return (2...15).contains(digits.count) && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            && digits.first != "0"
    }
}
