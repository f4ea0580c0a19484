import Hummingbird
import Synchronization

/// The paths the router serves and the methods of each, so that a request with a known path and
/// an unknown method is answered `405 Method Not Allowed` with an `Allow` header (RFC 9110
/// §15.5.6) instead of the router's `404`.
public final class RouteTable: Sendable {
    private struct Route {
        /// Literal segments; nil for a `{capture}`.
        var segments: [Substring?]
        var methods: Set<String>
    }

    private let routes = Mutex<[Route]>([])

    public init() {}

    /// Records the router's routes (call once they are all registered).
    public func load<Context>(_ router: Router<Context>) {
        var table: [String: Route] = [:]
        for route in router.routes {
            let path = route.path.description
            let segments = Self.segments(path).map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }
            table[path, default: Route(segments: segments, methods: [])].methods.insert(route.method.rawValue)
            if route.method == .get { table[path]?.methods.insert("HEAD") }
        }
        routes.withLock { $0 = Array(table.values) }
    }

    /// The methods served at `path`, sorted; empty when no route has that path.
    public func methods(at path: String) -> [String] {
        let requested = Self.segments(path)
        return routes.withLock { routes in
            routes.filter { route in
                route.segments.count == requested.count
                    && zip(route.segments, requested).allSatisfy { $0.0 == nil || $0.0 == $0.1 }
            }.flatMap(\.methods)
        }.sorted()
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
