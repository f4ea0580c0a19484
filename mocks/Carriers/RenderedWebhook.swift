import Foundation
import HTTPTypes

/// One webhook request as a vendor would post it: headers (signature and `Content-Type`
/// included) and the exact body bytes the signature covers.
///
/// ```swift
/// let webhook = try KdniaoRenderer().request(history: events, new: events, secret: appKey, at: .now)
/// var request = HTTPClientRequest(url: gateway + RenderedWebhook.path(adapter: "kdniao"))
/// request.method = .POST
/// for field in webhook.headers { request.headers.add(name: field.name.rawName, value: field.value) }
/// request.body = .bytes(ByteBuffer(bytes: webhook.body))
/// ```
public struct RenderedWebhook: Sendable, Hashable {
    /// Every header the vendor sends, `Content-Type` and the signature among them.
    public var headers: HTTPFields
    /// The raw body; any change to it breaks the signature.
    public var body: Data

    public init(headers: HTTPFields, body: Data) {
        self.headers = headers
        self.body = body
    }

    /// The `Content-Type` header.
    public var contentType: String { headers[.contentType] ?? "" }

    /// Where the gateway receives an adapter's webhooks: `/webhooks/<adapter>`.
    public static func path(adapter: String) -> String { "/webhooks/" + adapter }

    /// `headers` for a request of `contentType` with one signature header.
    static func headers(contentType: String, _ signature: (name: String, value: String)? = nil) -> HTTPFields {
        var fields: HTTPFields = [.contentType: contentType]
        if let signature, let name = HTTPField.Name(signature.name) { fields[name] = signature.value }
        return fields
    }
}
