import AsyncHTTPClient
import DelayGateAdapters
import DelayGateStorage
import Foundation
import GRDB
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Fetches orders from an ERP page by page (an `erp-poll` adapter), as a lifecycle service.
///
/// Each page is committed to the inbox together with the cursor that follows it, in one
/// transaction, and handed to the normalizer; a restart therefore resumes right after the last
/// committed page and never stores a page twice. Once caught up (no `next_page_token`), the next
/// poll asks for orders updated after the newest `updated_at` seen. Transient failures (network,
/// 5xx, 429) back off exponentially with full jitter up to a minute, honouring `Retry-After`; a
/// refused token is dropped and the call retried once with a fresh one.
public final class ERPOrderPoller: Service, Sendable {
    /// Where the poller is in the ERP's order stream.
    public struct Cursor: Codable, Sendable, Hashable {
        /// Continue a paged read with this token.
        public var pageToken: String?
        /// Otherwise ask for orders updated after this time (as the ERP wrote it).
        public var updatedSince: String?

        enum CodingKeys: String, CodingKey {
            case pageToken = "page_token"
            case updatedSince = "updated_since"
        }
    }

    private let adapter: ERPPollAdapter
    private let writer: GroupCommitWriter
    private let normalizer: Normalizer
    private let database: any DatabaseWriter
    private let httpClient: HTTPClient
    private let tokens: ClientCredentialsTokenProvider?
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let pages: MetricHandles<Counter>
    private let maxBackoff: Duration

    public init(
        adapter: ERPPollAdapter,
        writer: GroupCommitWriter,
        normalizer: Normalizer,
        database: any DatabaseWriter,
        httpClient: HTTPClient = .shared,
        maxBackoff: Duration = .seconds(60),
        clock: @escaping @Sendable () -> Date = { Date() },
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger = Logger(label: "delaygate.erp-poll")
    ) {
        self.adapter = adapter
        self.writer = writer
        self.normalizer = normalizer
        self.database = database
        self.httpClient = httpClient
        self.maxBackoff = maxBackoff
        self.clock = clock
        self.logger = logger
        let polling = adapter.polling
        self.tokens = polling.clientSecret.map {
            ClientCredentialsTokenProvider(
                tokenURL: polling.tokenURL, clientID: polling.clientID, clientSecret: $0, scope: polling.scope,
                httpClient: httpClient, timeout: .seconds(Int64(polling.timeout.components.seconds)), clock: clock)
        }
        self.pages = MetricHandles(
            counter: "delaygate_poller_pages_total", labels: ["poller", "outcome"], factory: metricsFactory)
    }

    /// The stored cursor of this poller.
    public func storedCursor() async throws -> Cursor {
        let name = adapter.name
        let text = try await database.read { db in try PollerCursorStore.cursor(for: name, in: db) }
        return text.flatMap { try? JSONDecoder().decode(Cursor.self, from: Data($0.utf8)) } ?? Cursor()
    }

    public func run() async throws {
        guard let tokens else {
            logger.warning(
                "ERP poller idle: its client secret variable is unset",
                metadata: [
                    "adapter": "\(adapter.name)", "variable": "\(adapter.missingSecrets.joined(separator: ","))",
                ])
            try? await gracefulShutdown()
            return
        }
        // Stopping cancels a fetch in flight (nothing of it is stored) or the pause between polls.
        await cancelWhenGracefulShutdown {
            await self.loop(tokens: tokens)
        }
    }

    private func loop(tokens: ClientCredentialsTokenProvider) async {
        var cursor: Cursor
        do {
            cursor = try await storedCursor()
        } catch {
            logger.error("cannot read the poller cursor", metadata: ["error": "\(error)"])
            return
        }
        var failures = 0
        while !Task.isCancelled {
            let pause: Duration
            do {
                let page = try await fetch(cursor, tokens: tokens)
                failures = 0
                let next = try await store(page, after: cursor)
                cursor = next
                pages[adapter.name, "stored"].increment()
                // Caught up: wait for the ERP to have news.
                pause = next.pageToken == nil ? adapter.polling.interval : .zero
            } catch let error as PollError {
                failures += 1
                pages[adapter.name, "failed"].increment()
                pause = backoff(after: failures, retryAfter: error.retryAfter)
                logger.warning(
                    "ERP poll failed; retrying",
                    metadata: ["adapter": "\(adapter.name)", "error": "\(error)", "retry_in": "\(pause)"])
            } catch {
                if Task.isCancelled { return }
                failures += 1
                pages[adapter.name, "failed"].increment()
                pause = backoff(after: failures, retryAfter: nil)
                logger.warning(
                    "ERP poll failed; retrying",
                    metadata: ["adapter": "\(adapter.name)", "error": "\(error)", "retry_in": "\(pause)"])
            }
            if pause > .zero {
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }

    /// Exponential back-off with full jitter (1 s doubling up to the cap), or the server's `Retry-After`.
    private func backoff(after failures: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return min(retryAfter, maxBackoff) }
        let ceiling = min(Double(maxBackoff.components.seconds), pow(2, Double(min(failures, 16) - 1)))
        return .milliseconds(Int64(Double.random(in: 0...ceiling) * 1000))
    }

    /// One page: the raw body and what follows it.
    struct Page {
        var body: Data
        var payload: NormalizedPayload?
        var rejection: PayloadRejection?
        var next: Cursor
    }

    private func fetch(_ cursor: Cursor, tokens: ClientCredentialsTokenProvider) async throws -> Page {
        var parameters = [("limit", String(adapter.polling.pageSize))]
        if let token = cursor.pageToken {
            parameters.append(("page_token", token))
        } else if let since = cursor.updatedSince {
            parameters.append(("updated_since", since))
        }
        // Strict encoding: a '+' in "+08:00" or in a token must not reach the ERP as a space.
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }
        let base = adapter.polling.url
        let url = base + (base.contains("?") ? "&" : "?") + query.joined(separator: "&")

        var (status, headers, body) = try await get(url, token: try await tokens.token())
        if status == 401 {
            // The token expired or was revoked early: one fresh token, one retry.
            await tokens.invalidate(try await tokens.token())
            (status, headers, body) = try await get(url, token: try await tokens.token())
        }
        switch status {
        case 200..<300:
            break
        case 429, 503:
            throw PollError(
                "HTTP \(status)",
                retryAfter: headers.first(name: "Retry-After").flatMap(Int64.init).map { .seconds($0) })
        default:
            throw PollError("HTTP \(status)")
        }
        let receivedAt = clock()
        let (nextToken, newest) = adapter.pageCursor(body)
        var next = cursor
        if let nextToken {
            next.pageToken = nextToken
        } else {
            next.pageToken = nil
            if let newest { next.updatedSince = newest }
        }
        do throws(PayloadRejection) {
            return Page(body: body, payload: try adapter.parse(body, receivedAt: receivedAt), next: next)
        } catch {
            return Page(body: body, rejection: error, next: cursor)
        }
    }

    private func get(_ url: String, token: String) async throws -> (UInt, HTTPHeaders, Data) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await httpClient.execute(
            request, timeout: .seconds(Int64(adapter.polling.timeout.components.seconds)))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, response.headers, Data(bytes.readableBytesView))
    }

    /// Commits the page and the cursor after it together; returns that cursor.
    private func store(_ page: Page, after cursor: Cursor) async throws -> Cursor {
        if let rejection = page.rejection {
            // Keep what the ERP sent, but do not move past a page that cannot be read.
            let entry = InboxEntry(
                adapter: adapter.name, contentType: "application/json", body: page.body, receivedAt: clock(),
                state: .rejected,
                reason: rejection.description)
            _ = try await writer.write(isolated: false) { db in try InboxStore.append(entry, in: db) }
            throw PollError("the ERP page cannot be read: \(rejection)")
        }
        guard let payload = page.payload, !payload.orders.isEmpty || !payload.rejectedItems.isEmpty else {
            return page.next  // nothing new
        }
        let name = adapter.name
        let receivedAt = clock()
        let cursorText = String(decoding: try JSONEncoder().encode(page.next), as: UTF8.self)
        let entry = InboxEntry(
            adapter: name, contentType: "application/json", body: page.body, receivedAt: receivedAt, state: .pending)
        let inboxID = try await writer.write { db in
            let id = try InboxStore.append(entry, in: db)
            try PollerCursorStore.save(cursorText, for: name, at: receivedAt, in: db)
            return id
        }
        normalizer.submit(AcceptedDelivery(inboxID: inboxID, adapter: name, receivedAt: receivedAt, payload: payload))
        return page.next
    }

    struct PollError: Error, CustomStringConvertible {
        var description: String
        var retryAfter: Duration?

        init(_ description: String, retryAfter: Duration? = nil) {
            self.description = description
            self.retryAfter = retryAfter
        }
    }
}
