import DelayGateMocks
import Foundation
import NIOHTTP1
import Testing

@Suite("MockERP actions")
struct MockERPActionsTests {
    static func request(_ quantity: Int, warehouse: String = "SH01") -> JSONValue {
        [
            "order_id": "SO-1001", "warehouse": .string(warehouse),
            "items": [["sku": "SKU-RED", "quantity": .int(quantity)]], "reason": "reship after loss",
            "ship_to": ["name": "Li Wei", "city": "Hangzhou", "phone": "+8613800138000"], "reference": "alert-1",
        ]
    }

    @Test("stock per warehouse; a fulfilment request is accepted once and reserves its stock")
    func fulfils() async throws {
        let erp = MockERP(clientSecret: "erp-secret")
        erp.setStock(warehouse: "SH01", sku: "SKU-RED", available: 5)
        try await MockServer.run(erp.router()) { base in
            let token = try await ERPSupport.token(base)
            let stock = try await HTTP.send(
                .GET, "\(base)/api/warehouses/SH01/stock?sku=SKU-RED", headers: [HTTP.bearer(token)])
            #expect(stock.json == ["warehouse": "SH01", "sku": "SKU-RED", "available": 5])
            let unknown = try await HTTP.send(
                .GET, "\(base)/api/warehouses/BJ02/stock?sku=SKU-RED", headers: [HTTP.bearer(token)])
            #expect(unknown.json?["available"] == 0)

            let headers = [HTTP.bearer(token), ("Idempotency-Key", "alert-1")]
            let answer = try await HTTP.postJSON("\(base)/api/fulfilment-requests", Self.request(3), headers: headers)
            #expect(answer.status == 201)
            let id = try #require(answer.json?["id"]?.string)
            #expect(id.hasPrefix("FR-"))
            #expect(answer.json?["status"] == "accepted")
            #expect(answer.json?["warehouse"] == "SH01")
            let again = try await HTTP.postJSON("\(base)/api/fulfilment-requests", Self.request(3), headers: headers)
            #expect(again.json?["id"]?.string == id)
            #expect(erp.created.count == 1)
            #expect(erp.duplicateKeyHits == 1)
            #expect(erp.stock(warehouse: "SH01", sku: "SKU-RED") == 2)
            #expect(erp.created[0].items == [MockERP.FulfilmentItem(sku: "SKU-RED", quantity: 3)])
            #expect(erp.created[0].shipTo?["city"] == "Hangzhou")
        }
    }

    @Test("insufficient stock is a 409 problem document and reserves nothing")
    func insufficient() async throws {
        let erp = MockERP(clientSecret: "erp-secret")
        erp.setStock(warehouse: "SH01", sku: "SKU-RED", available: 2)
        try await MockServer.run(erp.router()) { base in
            let token = try await ERPSupport.token(base)
            let answer = try await HTTP.postJSON(
                "\(base)/api/fulfilment-requests", Self.request(3),
                headers: [HTTP.bearer(token), ("Idempotency-Key", "alert-1")])
            #expect(answer.status == 409)
            #expect(answer.header("Content-Type") == "application/problem+json")
            #expect(answer.json?["title"] == "Insufficient stock")
            #expect(answer.json?["shortages"] == [["sku": "SKU-RED", "requested": 3, "available": 2]])
            #expect(erp.created.isEmpty)
            #expect(erp.stock(warehouse: "SH01", sku: "SKU-RED") == 2)
        }
    }

    @Test("revoked tokens are refused on every endpoint; a new token works")
    func revoked() async throws {
        let erp = MockERP(clientSecret: "erp-secret")
        erp.setStock(warehouse: "SH01", sku: "SKU-RED", available: 10)
        try await MockServer.run(erp.router()) { base in
            let token = try await ERPSupport.token(base)
            erp.revokeTokens()
            let refused = try await HTTP.postJSON(
                "\(base)/api/fulfilment-requests", Self.request(1), headers: [HTTP.bearer(token)])
            #expect(refused.status == 401)
            #expect(refused.json == ["error": "invalid_token"])
            let stock = try await HTTP.send(
                .GET, "\(base)/api/warehouses/SH01/stock?sku=SKU-RED", headers: [HTTP.bearer(token)])
            #expect(stock.status == 401)
            let fresh = try await ERPSupport.token(base)
            let accepted = try await HTTP.postJSON(
                "\(base)/api/fulfilment-requests", Self.request(1), headers: [HTTP.bearer(fresh)])
            #expect(accepted.status == 201)
            await erp.waitUntilActions { $0.created.count == 1 }
        }
    }
}

enum ERPSupport {
    static func token(_ base: String, secret: String = "erp-secret") async throws -> String {
        let answer = try await HTTP.send(
            .POST, "\(base)/oauth/token",
            headers: [HTTP.basic("delaygate", secret), ("Content-Type", "application/x-www-form-urlencoded")],
            body: "grant_type=client_credentials")
        guard let token = answer.json?["access_token"]?.string else {
            throw MockTestError("no ERP token: \(answer.status) \(answer.body)")
        }
        return token
    }
}
