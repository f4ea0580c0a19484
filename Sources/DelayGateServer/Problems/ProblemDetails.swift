import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem document, thrown by handlers and rendered as `application/problem+json`.
///
/// Each kind of problem has a stable `type` URI (`urn:delaygate:problem:<slug>`, listed in
/// `docs/problems.md`) so that clients can branch on it; `detail` explains this occurrence and
/// extension members carry machine-readable specifics.
///
/// ```swift
/// throw ProblemDetails(.unauthorized, slug: "invalid-signature", title: "Signature verification failed",
///                      detail: "X-DelayGate-Signature does not match the body")
/// ```
public struct ProblemDetails: Error, HTTPResponseError, Sendable, Hashable {
    public var status: HTTPResponse.Status
    /// Short identifier of the problem kind; the `type` URI ends with it.
    public var slug: String
    public var title: String
    public var detail: String?
    /// Extension members, e.g. `missing_variables` or `inbox_id`.
    public var extensions: [String: JSONValue]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status,
        slug: String,
        title: String,
        detail: String? = nil,
        extensions: [String: JSONValue] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    public var type: String { "urn:delaygate:problem:\(slug)" }

    public static let mediaType = "application/problem+json"

    /// The JSON document.
    public func body() -> Data {
        var members = extensions
        members["type"] = .string(type)
        members["title"] = .string(title)
        members["status"] = .int(Int(status.code))
        if let detail { members["detail"] = .string(detail) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(members)) ?? Data(#"{"status":500,"title":"Internal Server Error"}"#.utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = Self.mediaType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body())))
    }
}

extension ProblemDetails {
    static func notFound(_ detail: String) -> ProblemDetails {
        ProblemDetails(.notFound, slug: "not-found", title: "Not found", detail: detail)
    }

    static func internalError() -> ProblemDetails {
        ProblemDetails(
            .internalServerError, slug: "internal-error", title: "Internal server error",
            detail: "the gateway failed to handle the request; the error is in its log")
    }

    /// The problem for an error thrown below the handlers (router, body collection, …).
    static func from(_ error: any Error, request: Request) -> ProblemDetails {
        switch error {
        case let problem as ProblemDetails:
            return problem
        case is NIOTooManyBytesError:
            return ProblemDetails(
                .contentTooLarge, slug: "payload-too-large", title: "Payload too large",
                detail: "the request body exceeds the gateway's limit")
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound:
                return .notFound("no route for \(request.method) \(request.uri.path)")
            case .methodNotAllowed:
                return ProblemDetails(
                    .methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                    detail: "\(request.method) is not allowed on \(request.uri.path)")
            case .contentTooLarge:
                return ProblemDetails(
                    .contentTooLarge, slug: "payload-too-large", title: "Payload too large",
                    detail: "the request body exceeds the gateway's limit")
            case let status:
                return ProblemDetails(
                    status, slug: status.code >= 500 ? "internal-error" : "bad-request", title: status.reasonPhrase)
            }
        default:
            return .internalError()
        }
    }
}
