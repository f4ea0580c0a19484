import DelayGateAdapters
import DelayGateIngest
import DelayGateModel
import DelayGateServer
import DelayGateStorage
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A vendor fixture from the adapters tests (our own compositions in the vendors' shapes).
func vendorFixture(_ name: String) throws -> Data {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../DelayGateAdaptersTests/Fixtures/\(name)").standardized
    return try Data(contentsOf: url)
}

/// One carrier kind's end-to-end case.
struct CarrierCase: Sendable, CustomStringConvertible {
    var kind: String
    var file: String
    var environment: [String: String]
    var contentType: String
    var body: @Sendable () throws -> Data
    var sign: @Sendable (Data) -> HTTPFields
    /// A body with only the first scans, for the out-of-order delivery.
    var olderBody: @Sendable () throws -> Data
    var shipment: ShipmentKey
    var milestone: Milestone
    var events: Int

    var description: String { kind }

    static let kdniaoRequestData =
        #"{"EBusinessID":"1237100","PushTime":"2024-05-20 10:15:03","Count":"1","Data":[{"ShipperCode":"YTO","LogisticCode":"YT8801234567890","Success":true,"State":"2","StateEx":"201","Traces":[{"AcceptTime":"2024-05-18 16:42:11","AcceptStation":"【杭州市】浙江省杭州市萧山区营业部 已揽收","Location":"杭州市","Action":"1"}]}]}"#

    static let all: [CarrierCase] = [
        CarrierCase(
            kind: "kdniao",
            file:
                "kind: kdniao\nverification:\n  app_key: ${KDNIAO_APP_KEY}\noptions:\n  carriers:\n    YTO: yto\n    ZTO: zto\n",
            environment: ["KDNIAO_APP_KEY": "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"],
            contentType: "application/x-www-form-urlencoded",
            body: { try vendorFixture("kdniao-102-body.form.txt") }, sign: { _ in [:] },
            olderBody: {
                KdniaoSignature.formBody(requestData: kdniaoRequestData, appKey: "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17")
            },
            shipment: ShipmentKey(carrier: "yto", trackingNumber: "YT8801234567890"), milestone: .hubArrival, events: 8),
        CarrierCase(
            kind: "aftership", file: "kind: aftership\nverification:\n  secret: ${AFTERSHIP_SECRET}\n",
            environment: ["AFTERSHIP_SECRET": "as_whsec_demo_0123456789"], contentType: "application/json",
            body: { try vendorFixture("aftership-tracking_update.json") },
            sign: {
                [
                    HTTPField.Name("aftership-hmac-sha256")!: HMACHeaderVerifier.sign(
                        body: $0, secret: "as_whsec_demo_0123456789", encoding: .base64)
                ]
            },
            olderBody: {
                Data(
                    #"{"event":"tracking_update","event_id":"old-1","msg":{"tracking_number":"YT8801234567890","slug":"yto","tag":"InTransit","checkpoints":[{"slug":"yto","checkpoint_time":"2024-05-18T16:42:11+08:00","location":"浙江省杭州市萧山区","city":"杭州市","state":"浙江省","country_iso3":"CHN","message":"【杭州市】浙江省杭州市萧山区营业部 已揽收","tag":"InTransit","subtag":"InTransit_002"}]},"ts":1716170000}"#
                        .utf8)
            },
            shipment: ShipmentKey(carrier: "yto", trackingNumber: "YT8801234567890"), milestone: .hubArrival, events: 5),
        CarrierCase(
            kind: "easypost", file: "kind: easypost\nverification:\n  secret: ${EASYPOST_SECRET}\n",
            environment: ["EASYPOST_SECRET": "ep_webhook_secret_ascii"], contentType: "application/json",
            body: { try vendorFixture("easypost-tracker.updated.json") },
            sign: {
                [
                    HTTPField.Name("X-Hmac-Signature")!: HMACHeaderVerifier.sign(
                        body: $0, secret: "ep_webhook_secret_ascii", encoding: .hex, prefix: "hmac-sha256-hex=")
                ]
            },
            olderBody: {
                Data(
                    #"{"id":"evt_old","description":"tracker.updated","result":{"id":"trk_9f8e7d6c5b4a43219876fedcba012345","tracking_code":"1Z999AA10123456784","carrier":"UPS","is_return":false,"tracking_details":[{"status":"in_transit","status_detail":"received_at_origin_facility","message":"Pickup Scan","datetime":"2024-05-18T17:05:00+08:00","carrier_code":"OR","tracking_location":{"city":"SHANGHAI","country":"CN","zip":"200120"}}]}}"#
                        .utf8)
            },
            shipment: ShipmentKey(carrier: "ups", trackingNumber: "1Z999AA10123456784"), milestone: .attemptFailed,
            events: 5),
        CarrierCase(
            kind: "seventeen-track",
            file:
                "kind: seventeen-track\nverification:\n  secret: ${SEVENTEEN_TRACK_KEY}\noptions:\n  carriers:\n    \"190008\": yunexpress\n",
            environment: ["SEVENTEEN_TRACK_KEY": "TEST17KEY0123456789ABCDEF"], contentType: "application/json",
            body: { try vendorFixture("17track-TRACKING_UPDATED.json") },
            sign: {
                [HTTPField.Name("sign")!: SuffixedSHA256Verifier.sign(body: $0, secret: "TEST17KEY0123456789ABCDEF")]
            },
            olderBody: {
                Data(
                    #"{"event":"TRACKING_UPDATED","data":{"number":"YT2415800012345","carrier":190008,"track_info":{"tracking":{"providers":[{"provider":{"key":190008},"events":[{"time_iso":"2024-05-15T18:26:00","description":"【深圳市】广东省深圳市宝安区网点 已揽收","location":"深圳市","stage":"PickedUp","sub_status":"InTransit_PickedUp","address":{"country":"CN","state":"广东省","city":"深圳市"}}]}]}}}}"#
                        .utf8)
            },
            shipment: ShipmentKey(carrier: "yunexpress", trackingNumber: "YT2415800012345"),
            milestone: .customsDocsRequired,
            events: 7),
        CarrierCase(
            kind: "acme",
            file: """
                kind: json-mapping
                carrier: acme-express
                verification:
                  scheme: hmac-sha256
                  secret: ${ACME_SECRET}
                  header: X-Acme-Signature
                mapping:
                  events: $.scans[*]
                  tracking_number: $.waybill
                  time: at
                  time_format: "yyyy-MM-dd HH:mm:ss"
                  status: code
                  facility_name: site
                  city: city
                statuses:
                  "100": picked_up
                  "200": hub_arrival
                  "300": hub_departure
                """,
            environment: ["ACME_SECRET": "acme"], contentType: "application/json",
            body: {
                Data(
                    #"{"waybill":"AC20261111","scans":[{"at":"2026-11-11 08:00:00","code":"100","site":"杭州萧山网点","city":"杭州市"},{"at":"2026-11-11 21:00:00","code":"200","site":"杭州转运中心","city":"杭州市"},{"at":"2026-11-12 03:00:00","code":"300","site":"杭州转运中心","city":"杭州市"}]}"#
                        .utf8)
            },
            sign: {
                [HTTPField.Name("X-Acme-Signature")!: HMACHeaderVerifier.sign(body: $0, secret: "acme", encoding: .hex)]
            },
            olderBody: {
                Data(
                    #"{"waybill":"AC20261111","scans":[{"at":"2026-11-11 21:00:00","code":"200","site":"杭州转运中心","city":"杭州市"}]}"#
                        .utf8)
            },
            shipment: ShipmentKey(carrier: "acme-express", trackingNumber: "AC20261111"), milestone: .hubDeparture,
            events: 3),
        CarrierCase(
            kind: "broker", file: "kind: customs\nverification:\n  secret: ${BROKER_SECRET}\n",
            environment: ["BROKER_SECRET": "broker"], contentType: "application/json",
            body: {
                Data(
                    #"{"updates":[{"declaration_id":"DEC-7","carrier":"sf-express","tracking_number":"SF7700","status":"submitted","time":"2026-11-12 08:00:00","office":{"name":"上海浦东国际机场海关","city":"上海市","country":"CN"}},{"declaration_id":"DEC-7","carrier":"sf-express","tracking_number":"SF7700","status":"documents_required","time":"2026-11-12 10:00:00","missing_documents":["commercial_invoice"],"office":{"name":"上海浦东国际机场海关","city":"上海市","country":"CN"}}]}"#
                        .utf8)
            },
            sign: { TestGateway.signedHeaders(String(decoding: $0, as: UTF8.self), secret: "broker") },
            olderBody: {
                Data(
                    #"{"updates":[{"declaration_id":"DEC-7","carrier":"sf-express","tracking_number":"SF7700","status":"submitted","time":"2026-11-12 08:00:00"}]}"#
                        .utf8)
            },
            shipment: ShipmentKey(carrier: "sf-express", trackingNumber: "SF7700"), milestone: .customsDocsRequired,
            events: 2),
    ]
}

@Suite("Carrier webhooks over HTTP", .timeLimit(.minutes(1)))
struct CarrierWebhookTests {
    @Test(
        "a signed push is stored, a resent push adds nothing, an older push moves nothing, a bad signature stores nothing",
        arguments: CarrierCase.all)
    func carrier(_ carrier: CarrierCase) async throws {
        let test = try TestGateway(adapters: ["\(carrier.kind).yaml": carrier.file], environment: carrier.environment)
        defer { test.remove() }
        let body = try carrier.body()
        var headers = carrier.sign(body)
        headers[.contentType] = carrier.contentType
        var olderHeaders = carrier.sign(try carrier.olderBody())
        olderHeaders[.contentType] = carrier.contentType
        var forged = headers
        for field in headers where field.name != .contentType { forged[field.name] = String(field.value.reversed()) }
        var forgedBody = body
        if carrier.kind == "kdniao" {
            // Kdniao's signature is a form field, not a header.
            forged = headers
            let text = String(decoding: body, as: UTF8.self)
            forgedBody = Data(text.replacingOccurrences(of: "DataSign=", with: "DataSign=AAAA").utf8)
        }
        let (valid, older, wrong, wrongBody) = (headers, olderHeaders, forged, forgedBody)

        try await test.gateway.application().test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/webhooks/\(carrier.kind)", method: .post, headers: valid, body: ByteBuffer(bytes: body)
                ) {
                    #expect(($0.status.code / 100) == 2, "\(carrier.kind): \(String(buffer: $0.body))")
                }
                await test.gateway.normalizer.waitUntilIdle()
            }
            try await client.execute(
                uri: "/webhooks/\(carrier.kind)", method: .post, headers: older,
                body: ByteBuffer(bytes: try carrier.olderBody())
            ) { #expect(($0.status.code / 100) == 2) }
            await test.gateway.normalizer.waitUntilIdle()
            // Change the parcel inside the signed content (for Kdniao, inside RequestData).
            let tampered = Data(
                String(decoding: body, as: UTF8.self)
                    .replacingOccurrences(
                        of: carrier.shipment.trackingNumber, with: carrier.shipment.trackingNumber + "9"
                    ).utf8)
            try await client.execute(
                uri: "/webhooks/\(carrier.kind)", method: .post, headers: valid, body: ByteBuffer(bytes: tampered)
            ) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(
                uri: "/webhooks/\(carrier.kind)", method: .post, headers: wrong, body: ByteBuffer(bytes: wrongBody)
            ) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(try await test.inboxCounts() == [.normalized: 3])
        #expect(try await test.eventCount() == carrier.events)
        let shipment = try await test.database.read { db in try ShipmentStore.shipment(carrier.shipment, in: db) }
        #expect(shipment?.milestone == carrier.milestone)
    }

    @Test(
        "a partially bad batch keeps the good items and reports the bad ones as the sender's protocol expects",
        arguments: [
            (
                "canonical-json", "verification:\n  secret: ${S}\n",
                #"{"events":[{"carrier":"zto","tracking_number":"Z1","time":"2026-11-11T08:00:00+08:00","milestone":"picked_up"},{"carrier":"zto"}]}"#
            ),
            (
                "customs", "verification:\n  secret: ${S}\n",
                #"{"updates":[{"declaration_id":"D1","carrier":"sf","tracking_number":"SF1","status":"held","time":"2026-11-12T10:00:00+08:00"},{"status":"held"}]}"#
            ),
            (
                "orders", "verification:\n  secret: ${S}\n",
                #"{"orders":[{"id":"SO-1","customer":{},"value":{"amount":"1.00","currency":"CNY"},"updated_at":"2026-11-11T10:00:00+08:00"},{"id":"SO-2"}]}"#
            ),
            (
                "disruption", "verification:\n  secret: ${S}\n",
                #"{"notices":[{"id":"n1","kind":"closure","severity":"major","regions":["上海市"],"valid_from":"2026-11-12","title":"封路"},{"id":"n2"}]}"#
            ),
        ])
    func partialBatch(kind: String, file: String, body: String) async throws {
        let test = try TestGateway(adapters: ["feed.yaml": "kind: \(kind)\n" + file], environment: ["S": "secret"])
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(
                body, adapter: "feed", headers: TestGateway.signedHeaders(body, secret: "secret")
            ) { response in
                #expect(response.status == .accepted)
                struct Accepted: Decodable {
                    var records: Int
                    var rejected_items: [RejectedItem]
                }
                let accepted = try JSONDecoder().decode(Accepted.self, from: Data(response.body.readableBytesView))
                #expect(accepted.records == 1)
                #expect(accepted.rejected_items.map(\.index) == [1])
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        let row = try #require(try await test.database.read { db in try InboxStore.list(limit: 1, in: db) }.first)
        #expect(row.state == .normalized && row.eventCount == 1 && row.reason?.contains("item 1") == true)
    }

    @Test("a Kdniao push with a bad waybill keeps the good one and says which in Reason, with Success true")
    func kdniaoPartialBatch() async throws {
        let carrier = CarrierCase.all[0]
        let test = try TestGateway(adapters: ["kdniao.yaml": carrier.file], environment: carrier.environment)
        defer { test.remove() }
        let requestData = CarrierCase.kdniaoRequestData.replacingOccurrences(
            of: #""Count":"1","Data":["#, with: #""Count":"2","Data":[{"ShipperCode":"YTO","Traces":[]},"#)
        let body = KdniaoSignature.formBody(requestData: requestData, appKey: "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17")
        try await test.gateway.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/kdniao", method: .post, headers: [.contentType: carrier.contentType],
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(
                    text.contains(#""Success":true"#) && text.contains("Data[0]: LogisticCode is missing"), "\(text)")
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        #expect(try await test.eventCount() == 1)
    }

    @Test("a Kdniao push is acknowledged in Kdniao's JSON")
    func kdniaoAcknowledgement() async throws {
        let carrier = CarrierCase.all[0]
        let test = try TestGateway(adapters: ["kdniao.yaml": carrier.file], environment: carrier.environment)
        defer { test.remove() }
        try await test.gateway.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/kdniao", method: .post, headers: [.contentType: carrier.contentType],
                body: ByteBuffer(bytes: try carrier.body())
            ) { response in
                #expect(response.status == .ok)
                let text = String(buffer: response.body)
                #expect(
                    text.contains(#""EBusinessID":"1237100""#) && text.contains(#""Success":true"#)
                        && text.contains(#""UpdateTime":""#))
            }
        }
    }

    @Test("a carrier added only by a json-mapping file works end to end")
    func configuredCarrier() async throws {
        let file = """
            # A carrier DelayGate has no code for: described by this file alone.
            kind: json-mapping
            carrier: acme-express
            verification:
              scheme: hmac-sha256
              secret: ${ACME_SECRET}
              header: X-Acme-Signature
            mapping:
              events: $.scans[*]
              tracking_number: $.waybill
              time: at
              time_format: "yyyy-MM-dd HH:mm:ss"
              status: code
              city: city
            statuses:
              "100": picked_up
              "200": hub_arrival
              "900": delivered
            """
        let test = try TestGateway(adapters: ["acme.yaml": file], environment: ["ACME_SECRET": "s3"])
        defer { test.remove() }
        let body = Data(
            #"{"waybill":"AC1","scans":[{"at":"2026-11-11 08:00:00","code":"100","city":"杭州市"},{"at":"2026-11-12 09:00:00","code":"900","city":"上海市"},{"at":"2026-11-11 20:00:00","code":"200","city":"杭州市"}]}"#
                .utf8)
        try await test.gateway.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/acme", method: .post,
                headers: [
                    .contentType: "application/json",
                    HTTPField.Name("X-Acme-Signature")!: HMACHeaderVerifier.sign(
                        body: body, secret: "s3", encoding: .hex),
                ],
                body: ByteBuffer(bytes: body)
            ) { #expect($0.status == .accepted) }
            await test.gateway.normalizer.waitUntilIdle()
        }
        let shipment = try await test.database.read { db in
            try ShipmentStore.shipment(ShipmentKey(carrier: "acme-express", trackingNumber: "AC1"), in: db)
        }
        #expect(shipment?.milestone == .delivered)
        #expect(shipment?.eventCount == 3)
        #expect(shipment?.node.city == "上海市")
    }

    @Test("orders pushed to /webhooks/orders, customs updates and disruption notices are stored")
    func ordersCustomsDisruptions() async throws {
        let signed = "verification:\n  secret: ${OWN_SECRET}\n"
        let test = try TestGateway(
            adapters: [
                "orders.yaml": "kind: orders\n" + signed, "broker.yaml": "kind: customs\n" + signed,
                "weather.yaml": "kind: disruption\n" + signed,
            ],
            environment: ["OWN_SECRET": "own"])
        defer { test.remove() }
        let order =
            #"{"orders":[{"id":"SO-9","customer":{"name":"李雷","phone":"+8613900139000"},"value":{"amount":"88.00","currency":"CNY"},"shipments":[{"carrier":"sf-express","tracking_number":"SF9"}],"updated_at":"2026-11-11T10:00:00+08:00"}]}"#
        let customs =
            #"{"updates":[{"declaration_id":"D9","carrier":"sf-express","tracking_number":"SF9","status":"held","time":"2026-11-12T10:00:00+08:00"}]}"#
        let notice =
            #"{"notices":[{"id":"n1","kind":"closure","severity":"major","regions":["上海市"],"valid_from":"2026-11-12T00:00:00+08:00","title":"道路封闭"}]}"#
        try await test.gateway.application().test(.router) { client in
            for (uri, body) in [("/webhooks/orders", order), ("/webhooks/broker", customs), ("/webhooks/weather", notice)] {
                try await client.execute(
                    uri: uri, method: .post, headers: TestGateway.signedHeaders(body, secret: "own"),
                    body: ByteBuffer(string: body)
                ) {
                    #expect($0.status == .accepted, "\(uri): \(String(buffer: $0.body))")
                }
            }
            await test.gateway.normalizer.waitUntilIdle()
        }
        let (stored, shipment, notices) = try await test.database.read { db in
            (
                try OrderStore.order(id: "SO-9", in: db),
                try ShipmentStore.shipment(ShipmentKey(carrier: "sf-express", trackingNumber: "SF9"), in: db),
                try DisruptionStore.all(in: db)
            )
        }
        #expect(stored?.customer.name == "李雷")
        #expect(shipment?.milestone == .customsHeld)
        #expect(notices.map(\.id) == ["n1"])
    }
}

@Suite("Unknown carrier codes", .timeLimit(.minutes(1)))
struct UnknownCodeTests {
    @Test("a code no crosswalk knows is stored as unknown with its raw code and counted in /metrics")
    func counted() async throws {
        let test = try TestGateway(
            adapters: ["aftership.yaml": "kind: aftership\nverification:\n  secret: ${S}\n"],
            environment: ["S": "as-secret"])
        defer { test.remove() }
        let body =
            #"{"event":"tracking_update","event_id":"e1","msg":{"tracking_number":"YT1","slug":"yto","checkpoints":[{"checkpoint_time":"2026-11-11T08:00:00+08:00","subtag":"Teleported_001","message":"瞬移","location":"杭州"}]}}"#
        try await test.gateway.application().test(.router) { client in
            try await client.postWebhook(
                body, adapter: "aftership",
                headers: [
                    .contentType: "application/json",
                    HTTPField.Name("aftership-hmac-sha256")!: HMACHeaderVerifier.sign(
                        body: Data(body.utf8), secret: "as-secret", encoding: .base64),
                ]
            ) { #expect($0.status == .accepted) }
            await test.gateway.normalizer.waitUntilIdle()
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(
                    String(buffer: response.body).contains(
                        #"delaygate_unknown_status_codes_total{adapter="aftership",code="Teleported_001"} 1"#))
            }
        }
        let events = try await test.database.read { db in
            try EventStore.events(for: ShipmentKey(carrier: "yto", trackingNumber: "YT1"), in: db)
        }
        #expect(events.map(\.event.milestone) == [.unknown])
        #expect(events.first?.event.carrierStatus.code == "Teleported_001")
    }
}
