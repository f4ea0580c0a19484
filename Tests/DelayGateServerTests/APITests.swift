import DelayGateAdapters
import DelayGateAuth
import DelayGateConfig
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import Yams

/// Every route behind a bearer token, with the scope it needs.
let protectedRoutes: [(method: HTTPRequest.Method, uri: String, scope: String)] = [
    (.post, "/v1/events", Scope.eventsWrite),
    (.post, "/v1/orders", Scope.ordersWrite),
    (.get, "/v1/alerts", Scope.alertsRead),
    (.get, "/v1/shipments/sf-express/SF1400000001", Scope.alertsRead),
    (.get, "/v1/insights/nodes/571WA", Scope.alertsRead),
    (.get, "/v1/adapters", Scope.admin),
    (.get, "/v1/outbox", Scope.admin),
    (.post, "/v1/outbox/1/replay", Scope.admin),
    (.get, "/v1/inbox?state=rejected", Scope.admin),
]

@Suite("OAuth token endpoint over HTTP (RFC 6749 §5, RFC 8414)", .timeLimit(.minutes(1)))
struct TokenEndpointTests {
    func form(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(
            string: fields.map { "\(FormURLEncoded.percentEncode($0.0))=\(FormURLEncoded.percentEncode($0.1))" }
                .joined(separator: "&"))
    }

    @Test("a token answer is JSON with no-store, and the token opens the API")
    func success() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            let token = try await client.execute(
                uri: "/oauth/token", method: .post,
                headers: [
                    .contentType: "application/x-www-form-urlencoded",
                    .authorization: TestAPI.basic("reader", api.secrets["reader"]!),
                ], body: form([("grant_type", "client_credentials"), ("scope", "alerts:read")])
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[HTTPField.Name("Pragma")!] == "no-cache")
                let json = try response.json()
                #expect(json["token_type"] as? String == "Bearer")
                #expect(json["expires_in"] as? Int == 900)
                #expect(json["scope"] as? String == "alerts:read")
                return try #require(json["access_token"] as? String)
            }
            try await client.execute(uri: "/v1/alerts", method: .get, headers: TestAPI.bearer(token)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            // client_secret_post
            try await client.execute(
                uri: "/oauth/token", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: form([
                    ("grant_type", "client_credentials"), ("client_id", "admin"), ("client_secret", api.secrets["admin"]!),
                ])
            ) { response in
                #expect(response.status == .ok)
                let scope = try response.json()["scope"] as? String
                #expect(scope == "admin")
            }
            try await client.execute(uri: "/.well-known/oauth-authorization-server", method: .get) { response in
                let json = try response.json()
                #expect(json["issuer"] as? String == "http://127.0.0.1:8080")
                #expect(json["token_endpoint"] as? String == "http://127.0.0.1:8080/oauth/token")
                #expect(json["grant_types_supported"] as? [String] == ["client_credentials"])
                #expect(
                    json["token_endpoint_auth_methods_supported"] as? [String] == [
                        "client_secret_basic", "client_secret_post",
                    ])
                #expect(json["jwks_uri"] == nil, "HS256 keys have no public half to publish")
            }
            try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test(
        "errors are RFC 6749 §5.2 JSON: 401 invalid_client with WWW-Authenticate, 400 for the rest",
        arguments: [
            ("wrong secret", "basic-wrong", "application/x-www-form-urlencoded", "grant_type=client_credentials",
             401, "invalid_client"),
            ("no client authentication", "none", "application/x-www-form-urlencoded", "grant_type=client_credentials",
             401, "invalid_client"),
            ("scope not allowed", "basic", "application/x-www-form-urlencoded",
             "grant_type=client_credentials&scope=admin", 400, "invalid_scope"),
            ("password grant", "basic", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b",
             400, "unsupported_grant_type"),
            ("no grant type", "basic", "application/x-www-form-urlencoded", "scope=alerts%3Aread", 400,
             "invalid_request"),
            ("JSON body", "basic", "application/json", #"{"grant_type":"client_credentials"}"#, 400, "invalid_request"),
            ("broken encoding", "basic", "application/x-www-form-urlencoded", "grant_type=%E2%28", 400,
             "invalid_request"),
        ])
    func errors(
        _ name: String, authorization: String, contentType: String, body: String, status: Int, code: String
    ) async throws {
        let api = try await TestAPI.make(clients: [("reader", [Scope.alertsRead])])
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        var headers: HTTPFields = [.contentType: contentType]
        switch authorization {
        case "basic": headers[.authorization] = TestAPI.basic("reader", api.secrets["reader"]!)
        case "basic-wrong": headers[.authorization] = TestAPI.basic("reader", "not-the-secret")
        default: break
        }
        try await test.gateway.application().test(.router) { [headers] client in
            try await client.execute(uri: "/oauth/token", method: .post, headers: headers, body: ByteBuffer(string: body))
            { response in
                #expect(response.status.code == status, "\(name): \(response.text)")
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.cacheControl] == "no-store")
                let json = try response.json()
                #expect(json["error"] as? String == code, "\(name)")
                #expect((json["error_description"] as? String)?.isEmpty == false)
                if code == "invalid_client" {
                    #expect(response.headers[.wwwAuthenticate] == #"Basic realm="delaygate""#)
                }
            }
        }
    }

    @Test("without a signing key the token endpoint and the API answer 503 naming the variable")
    func unconfigured() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dg-oauth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("oauth.yaml").path
        try """
        signing_keys:
          - { kid: k1, algorithm: HS256, secret: "${UNSET_TOKEN_SECRET}" }
        clients_file: \(folder.path)/clients.yaml
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let settings = try OAuthSettings.load(path: path, decoder: ConfigDecoder(environment: [:]))
        let test = try TestGateway(authorization: try await AuthorizationServer(settings: settings))
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            for (method, uri) in [(HTTPRequest.Method.post, "/oauth/token"), (.get, "/v1/alerts")] {
                try await client.execute(
                    uri: uri, method: method, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "grant_type=client_credentials")
                ) { response in
                    #expect(response.status == .serviceUnavailable)
                    let decoded = try problem(response)
                    #expect(decoded.missing_variables == ["UNSET_TOKEN_SECRET"])
                    #expect(decoded.detail?.contains("UNSET_TOKEN_SECRET") == true)
                }
            }
        }
    }
}

@Suite("Bearer tokens on every protected route (RFC 6750)", .timeLimit(.minutes(1)))
struct BearerTests {
    @Test("no token, a malformed, forged or expired one: 401 invalid_token; a token without the scope: 403")
    func refusals() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        // The same kid with another secret: a forged signature.
        let forged = try await TestAPI.make(signingSecret: "another-signing-secret-that-nobody-configured")
        try await test.gateway.application().test(.router) { client in
            for route in protectedRoutes {
                let wrongScope = try await api.token(Scope.all.filter { $0 != route.scope })
                let forgedToken = try await forged.token(Scope.all)
                let cases: [(String, HTTPFields, HTTPResponse.Status, String)] = [
                    ("no token", [:], .unauthorized, #"error="invalid_token""#),
                    ("Basic instead of Bearer", [.authorization: "Basic YTpi"], .unauthorized, "invalid_token"),
                    ("malformed", TestAPI.bearer("abc.def"), .unauthorized, "invalid_token"),
                    ("forged", TestAPI.bearer(forgedToken), .unauthorized, "invalid_token"),
                    ("wrong scope", TestAPI.bearer(wrongScope), .forbidden,
                     #"error="insufficient_scope", scope="\#(route.scope)""#),
                ]
                for (name, headers, status, challenge) in cases {
                    var headers = headers
                    headers[.contentType] = "application/json"
                    try await client.execute(
                        uri: route.uri, method: route.method, headers: headers, body: ByteBuffer(string: "{}")
                    ) { response in
                        #expect(response.status == status, "\(route.method) \(route.uri), \(name): \(response.text)")
                        let header = response.headers[.wwwAuthenticate] ?? ""
                        #expect(header.hasPrefix(#"Bearer realm="delaygate""#), "\(route.uri) \(name)")
                        #expect(header.contains(challenge), "\(route.uri) \(name): \(header)")
                        #expect(response.headers[.contentType] == "application/problem+json")
                    }
                }
            }
            // Expired: issued now, checked after its 900 s lifetime.
            var expiring: [String: String] = [:]
            for route in protectedRoutes { expiring[route.uri] = try await api.token([route.scope]) }
            api.clock.advance(901)
            for route in protectedRoutes {
                try await client.execute(
                    uri: route.uri, method: route.method, headers: TestAPI.bearer(expiring[route.uri]!)
                ) { response in
                    #expect(response.status == .unauthorized, "\(route.uri) with an expired token")
                    #expect(response.headers[.wwwAuthenticate]?.contains("the token has expired") == true)
                }
            }
        }
        // Nothing a refused request carried was stored.
        #expect(try await test.inboxCounts().isEmpty)
    }

    @Test("the right scope passes on every protected route")
    func allowed() async throws {
        let api = try await TestAPI.make()
        let test = try TestGateway(authorization: api.server)
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            for route in protectedRoutes {
                let token = try await api.token([route.scope])
                var headers = TestAPI.bearer(token)
                headers[.contentType] = "application/json"
                try await client.execute(
                    uri: route.uri, method: route.method, headers: headers, body: ByteBuffer(string: #"{"events":[]}"#)
                ) { response in
                    // Past the door: the route's own answer (a 404 for unknown things, 400 for an empty batch).
                    #expect(
                        ![HTTPResponse.Status.unauthorized, .forbidden, .serviceUnavailable].contains(response.status),
                        "\(route.uri): \(response.status) \(response.text)")
                }
            }
        }
    }
}

@Suite("The OpenAPI document", .timeLimit(.minutes(1)))
struct OpenAPITests {
    @Test("every route the router serves is in openapi.yaml, and every path there is served")
    func routerMatchesSpec() async throws {
        let test = try TestGateway()
        defer { test.remove() }
        let served = Set(
            test.gateway.router().routes.map { route in
                "\(route.method.rawValue) \(OpenAPITests.openAPIPath(route.path.description))"
            })
        let text = try await test.gateway.application().test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                return response.text
            }
        }
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let version = document["openapi"] as? String
        #expect(version?.hasPrefix("3.1") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        var described: Set<String> = []
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys
            where ["get", "post", "put", "patch", "delete", "head", "options"].contains(method) {
                described.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(served.subtracting(described).sorted() == [], "served but not described")
        #expect(described.subtracting(served).sorted() == [], "described but not served")
        #expect(served.count >= 16)
    }

    /// Hummingbird writes captures as `{name}`, like OpenAPI; paths start with a slash there.
    static func openAPIPath(_ path: String) -> String {
        path.hasPrefix("/") ? path : "/" + path
    }
}
