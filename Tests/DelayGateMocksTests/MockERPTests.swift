import AsyncHTTPClient
import DelayGateMocks
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("MockERP")
struct MockERPTests {
    @Test("the token endpoint refuses a wrong client secret with RFC 6749 invalid_client")
    func refusesWrongSecret() async throws {
        let erp = MockERP(clientSecret: "right")
        try await MockServer.run(erp.router()) { baseURL in
            var request = HTTPClientRequest(url: "\(baseURL)/oauth/token")
            request.method = .POST
            let credentials = Data("delaygate:wrong".utf8).base64EncodedString()
            request.headers.add(name: "Authorization", value: "Basic \(credentials)")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "grant_type=client_credentials"))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            #expect(response.status.code == 401)
            #expect(String(buffer: body).contains("invalid_client"))
        }
    }
}
