import DelayGateModel
import Foundation
import Hummingbird

/// Typed reading of a request's query string: a value that is present but wrong is a `400`
/// problem naming the parameter, so a typo never silently widens a query.
struct QueryParameters {
    let parameters: Parameters
    /// The names this route reads; any other is refused.
    let known: Set<String>

    init(_ request: Request, known: Set<String>) throws {
        self.parameters = request.uri.queryParameters
        self.known = known
        for (name, _) in parameters where !known.contains(String(name)) {
            throw Self.invalid(
                String(name),
                known.isEmpty
                    ? "this route takes no query parameters"
                    : "unknown query parameter; this route reads \(known.sorted().joined(separator: ", "))")
        }
    }

    func string(_ name: String) -> String? {
        parameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Comma-separated or repeated values, each one of `allowed` when given.
    func list(_ name: String, allowed: [String]? = nil) throws -> [String] {
        let values = parameters.getAll(name).flatMap { $0.split(separator: ",") }.map {
            String($0.trimmingWhitespace())
        }.filter { !$0.isEmpty }
        if let allowed, let wrong = values.first(where: { !allowed.contains($0) }) {
            throw Self.invalid(name, "'\(wrong)' is not one of \(allowed.joined(separator: ", "))")
        }
        return values
    }

    func one(_ name: String, of allowed: [String]) throws -> String? {
        guard let value = string(name) else { return nil }
        guard allowed.contains(value) else {
            throw Self.invalid(name, "'\(value)' is not one of \(allowed.joined(separator: ", "))")
        }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw Self.invalid(name, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// An RFC 3339 instant with an offset (`2026-11-11T08:00:00+08:00`, `…Z`).
    func instant(_ name: String) throws -> Date? {
        guard let text = string(name) else { return nil }
        guard case .instant(let date, _) = CarrierTimestamp.parse(text) else {
            throw Self.invalid(name, "expected an RFC 3339 time with an offset, such as 2026-11-11T08:00:00Z")
        }
        return date
    }

    static func invalid(_ name: String, _ message: String) -> ProblemDetails {
        ProblemDetails(
            .badRequest, slug: "invalid-query", title: "Invalid query parameter", detail: "\(name): \(message)",
            extensions: ["parameter": .string(name)])
    }
}
