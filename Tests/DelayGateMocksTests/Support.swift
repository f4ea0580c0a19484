import AsyncHTTPClient
import DelayGateMocks
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// An HTTP answer as the tests read it.
struct Answer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: JSONValue? { JSONValue.parse(Data(body.utf8)) }
    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// Real HTTP requests through AsyncHTTPClient's shared client.
enum HTTP {
    static func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: String? = nil,
        timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    static func postJSON(
        _ url: String, _ value: JSONValue, headers: [(String, String)] = [], timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        try await send(
            .POST, url, headers: headers + [("Content-Type", "application/json")],
            body: String(decoding: value.encoded(), as: UTF8.self), timeout: timeout)
    }

    static func postForm(
        _ url: String, _ fields: [String: String], headers: [(String, String)] = [], timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        try await send(
            .POST, url, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
            body: formEncode(fields), timeout: timeout)
    }

    /// `name=value&…`, sorted, with everything but RFC 3986 unreserved characters percent-encoded.
    static func formEncode(_ fields: [String: String]) -> String {
        var unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        unreserved.insert(charactersIn: "-_.~")
        func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved)! }
        return fields.sorted { $0.key < $1.key }.map { "\(encode($0.key))=\(encode($0.value))" }
            .joined(separator: "&")
    }

    static func basic(_ user: String, _ password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    static func bearer(_ token: String) -> (String, String) { ("Authorization", "Bearer \(token)") }
}

/// A clock the tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date()) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.now } }
}

struct MockTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
