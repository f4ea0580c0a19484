import DelayGateAdapters
import DelayGateMocks
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let instant: Mutex<Date>

    init(_ start: Date) { instant = Mutex(start) }

    var now: Date { instant.withLock { $0 } }

    func set(_ date: Date) { instant.withLock { $0 = date } }

    /// The clock as the closure types take it.
    var read: @Sendable () -> Date { { self.now } }
}

/// A token endpoint whose answers the test holds back until it lets them go, and whose body it
/// chooses: what the mock ERP's endpoint cannot do.
final class HeldTokenEndpoint: Sendable {
    private struct State {
        var requests = 0
        var held: [CheckedContinuation<Void, Never>] = []
        var released = false
        var watchers: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    let answer: String

    init(answer: String) { self.answer = answer }

    var requests: Int { state.withLock { $0.requests } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("token") { _, _ -> Response in
            await self.arrive()
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: self.answer)))
        }
        return router
    }

    private func arrive() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (release, watchers) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                state.requests += 1
                let count = state.requests
                let ready = state.watchers.filter { $0.0 <= count }.map(\.1)
                state.watchers.removeAll { $0.0 <= count }
                if !state.released { state.held.append(continuation) }
                return (state.released, ready)
            }
            for watcher in watchers { watcher.resume() }
            if release { continuation.resume() }
        }
    }

    /// Returns once `count` requests have arrived.
    func waitForRequests(_ count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let arrived = state.withLock { state -> Bool in
                if state.requests >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if arrived { continuation.resume() }
        }
    }

    /// Answers every held request, and every later one at once.
    func release() {
        let held = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.held.removeAll() }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }
}

/// OAuth 2.0 client credentials as the outbound ERP adapter and the ERP poller use them, against
/// the mock ERP's token endpoint (RFC 6749, HTTP Basic client authentication) on a hand-moved clock.
@Suite("OAuth client-credentials token provider")
struct TokenProviderTests {
    static let secret = "erp-secret-7f3a9c"

    static func provider(_ base: String, secret: String = secret, clock: TestClock) -> ClientCredentialsTokenProvider {
        ClientCredentialsTokenProvider(
            tokenURL: "\(base)/oauth/token", clientID: "delaygate", clientSecret: secret, scope: "fulfilment:write",
            clock: clock.read)
    }

    static func withERP<T: Sendable>(
        _ erp: MockERP, _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        try await MockServer.run(erp.router(), body)
    }

    @Test("a token is reused until a minute before it expires (a tenth of its lifetime when that is shorter)")
    func cachedUntilShortlyBeforeExpiry() async throws {
        for (lifetime, margin) in [(3600.0, 60.0), (100.0, 10.0)] {
            let erp = MockERP(clientSecret: Self.secret, tokenLifetime: Int(lifetime))
            try await Self.withERP(erp) { base in
                let clock = TestClock(epoch)
                let tokens = Self.provider(base, clock: clock)
                let first = try await tokens.token()
                clock.set(epoch.addingTimeInterval(lifetime - margin - 1))
                #expect(try await tokens.token() == first)
                #expect(erp.tokenRequests == 1)
                // Inside the margin: a new token, although the old one has not expired yet.
                clock.set(epoch.addingTimeInterval(lifetime - margin + 1))
                let second = try await tokens.token()
                #expect(second != first, "lifetime \(lifetime): the token was kept inside its refresh margin")
                #expect(erp.tokenRequests == 2)
                #expect(try await tokens.token() == second)
                #expect(erp.tokenRequests == 2)
            }
        }
    }

    @Test("fifty concurrent callers while no token is cached cause one token request and all get its token")
    func concurrentCallersShareOneRequest() async throws {
        let endpoint = HeldTokenEndpoint(
            answer: #"{"access_token":"shared-token","token_type":"Bearer","expires_in":3600}"#)
        try await MockServer.run(endpoint.router()) { base in
            let tokens = ClientCredentialsTokenProvider(
                tokenURL: "\(base)/token", clientID: "delaygate", clientSecret: Self.secret)
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 {
                    group.addTask { try await tokens.token() }
                }
                // The first request is held at the endpoint until every other caller waits for its
                // answer (or, were the provider to fetch per caller, until a second request arrives).
                await endpoint.waitForRequests(1)
                while await tokens.callersWaitingForRefresh < 49, endpoint.requests == 1 { await Task.yield() }
                endpoint.release()
                var values: [String] = []
                for try await value in group { values.append(value) }
                #expect(values.count == 50 && values.allSatisfy { $0 == "shared-token" })
            }
            #expect(endpoint.requests == 1)
            #expect(await tokens.fetchCount == 1)
        }
    }

    @Test("after invalidate the next call fetches a new token; invalidating a replaced token fetches nothing")
    func invalidate() async throws {
        let erp = MockERP(clientSecret: Self.secret)
        try await Self.withERP(erp) { base in
            let tokens = Self.provider(base, clock: TestClock(epoch))
            let refused = try await tokens.token()
            await tokens.invalidate(refused)
            let fresh = try await tokens.token()
            #expect(fresh != refused)
            #expect(erp.tokenRequests == 2)
            // A second caller that was refused with the old token: its invalidate is stale.
            await tokens.invalidate(refused)
            #expect(try await tokens.token() == fresh)
            #expect(erp.tokenRequests == 2)
        }
    }

    /// The error `body` throws, as text, with its `String(reflecting:)` form.
    static func failure(_ body: () async throws -> String) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch {
            return "\(error) | \(String(reflecting: error))"
        }
    }

    @Test(
        "errors of a failing token endpoint carry neither the client secret nor a token; it is asked again after a back-off"
    )
    func failuresKeepSecrets() async throws {
        let erp = MockERP(clientSecret: Self.secret, faults: .init(failFirstTokenRequests: 1))
        let basic = Data("delaygate:\(Self.secret)".utf8).base64EncodedString()
        try await Self.withERP(erp) { base in
            let clock = TestClock(epoch)
            let tokens = Self.provider(base, clock: clock)
            let unavailable = try #require(await Self.failure { try await tokens.token() })
            #expect(unavailable.contains("HTTP 503"))
            // Within the back-off nobody asks the endpoint.
            let backingOff = try #require(await Self.failure { try await tokens.token() })
            #expect(backingOff.contains("backing off"))
            #expect(erp.tokenRequests == 1)
            clock.set(epoch.addingTimeInterval(1))
            let token = try await tokens.token()
            #expect(erp.tokenRequests == 2)

            let wrong = Self.provider(base, secret: "wrong-secret-55d1", clock: clock)
            let refused = try #require(await Self.failure { try await wrong.token() })
            #expect(refused.contains("HTTP 401") && refused.contains("invalid_client"))
            for error in [unavailable, backingOff, refused] {
                #expect(!error.contains(Self.secret) && !error.contains("wrong-secret-55d1") && !error.contains(basic))
                #expect(!error.contains(token))
            }
        }
        // Nobody listening at all.
        let closed = ClientCredentialsTokenProvider(
            tokenURL: "http://127.0.0.1:1/oauth/token", clientID: "delaygate", clientSecret: Self.secret,
            timeout: .milliseconds(300))
        let unreachable = try #require(await Self.failure { try await closed.token() })
        #expect(unreachable.contains("unavailable") && !unreachable.contains(Self.secret))
        // The grant itself, should it end up in a log line.
        let grant = ClientCredentialsTokenProvider.Grant.clientCredentials(
            clientID: "delaygate", clientSecret: Self.secret, scope: nil)
        #expect("\(grant)".contains("delaygate") && !"\(grant)".contains(Self.secret))
        #expect(!String(reflecting: grant).contains(Self.secret))
    }

    @Test("an answer that is not a bearer token is an error that does not quote the access token in it")
    func malformedAnswerHidesToken() async throws {
        let endpoint = HeldTokenEndpoint(
            answer: #"{"access_token":"at-leaky-4242","token_type":"mac","expires_in":60}"#)
        endpoint.release()
        try await MockServer.run(endpoint.router()) { base in
            let tokens = ClientCredentialsTokenProvider(
                tokenURL: "\(base)/token", clientID: "delaygate", clientSecret: Self.secret)
            let error = try #require(await Self.failure { try await tokens.token() })
            #expect(error.contains("not an RFC 6749 bearer token"))
            #expect(!error.contains("at-leaky-4242") && !error.contains(Self.secret))
        }
    }
}
