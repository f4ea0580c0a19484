import DelayGateMocks
import DelayGateOutbound
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// Outbound requests are not redirected: a POSTed ticket is never re-sent somewhere else.
@Suite("Redirects")
struct RedirectTests {
    @Test("a 301 is a dead letter naming the new location, and nothing reaches it")
    func movedPermanently() async throws {
        let movedTo = Mutex(0)
        let router = Router()
        router.post("api/v2/tickets") { _, _ -> Response in
            Response(
                status: .movedPermanently, headers: [.location: "/api/v3/tickets"],
                body: .init(byteBuffer: ByteBuffer(string: "moved")))
        }
        router.on("api/v3/tickets", method: .get) { _, _ -> Response in
            movedTo.withLock { $0 += 1 }
            return Response(status: .ok)
        }
        router.post("api/v3/tickets") { _, _ -> Response in
            movedTo.withLock { $0 += 1 }
            return Response(status: .created)
        }
        let outcome = try await MockServer.run(router) { baseURL in
            await OutboundHTTP().deliver(
                OutboundRequest(url: "\(baseURL)/api/v2/tickets", body: #"{"ticket":{}}"#))
        }
        guard case .permanent(let status, let error, let response) = outcome else {
            Issue.record("expected a dead letter, got \(outcome)")
            return
        }
        #expect(status == 301)
        #expect(error == "HTTP 301: redirected to /api/v3/tickets; update the adapter's url")
        #expect(response == "moved")
        #expect(movedTo.withLock { $0 } == 0)
    }
}
