import DelayGateAdapters
import DelayGateConfig
import DelayGateModel
import Foundation
import HTTPTypes
import Testing

let acmeFile = """
    kind: json-mapping
    carrier: acme-express
    verification:
      scheme: hmac-sha256
      secret: ${ACME_SECRET}
      header: X-Acme-Signature
      encoding: base64
      prefix: "sha256="
    mapping:
      events: $.data.scans[*]
      tracking_number: $.data.waybill_no
      time: scanned_at
      time_format: "yyyy/MM/dd HH:mm:ss"
      time_zone: Asia/Shanghai
      status: code
      status_text: remark
      event_id: scan_id
      facility_code: site.code
      facility_name: site.name
      city: site.city
      region: site.province
      latitude: site.lat
      longitude: site.lng
      missing_documents: docs[*]
    statuses:
      "10": picked_up
      "20": hub_arrival
      "30": hub_departure
      "60": customs_docs_required
      "90": exception
    stall_statuses: ["90"]
    """

@Suite("Configured kinds")
struct ConfiguredKindTests {
    @Test("json-mapping reads a carrier described only by its file")
    func jsonMapping() throws {
        let adapter = try loadAdapter(acmeFile, name: "acme", environment: ["ACME_SECRET": "acme-secret"])
        let body = Data(
            """
            {"data": {"waybill_no": "AC123456789", "scans": [
              {"scan_id": "s1", "scanned_at": "2026/11/11 08:30:00", "code": "10", "remark": "已揽收",
               "site": {"code": "HZ01", "name": "杭州萧山网点", "city": "杭州市", "province": "浙江省", "lat": 30.18, "lng": 120.26}},
              {"scan_id": "s2", "scanned_at": "2026/11/11 21:05:00", "code": 20, "remark": "到达 杭州转运中心",
               "site": {"code": "HZHUB", "name": "杭州转运中心", "city": "杭州市", "province": "浙江省"}},
              {"scan_id": "s3", "scanned_at": "2026/11/12 03:00:00", "code": "77", "remark": "?"},
              {"scan_id": "s4", "scanned_at": "2026/11/12 09:00:00", "code": "60", "docs": ["commercial_invoice", "id_card"]},
              {"scan_id": "s5", "scanned_at": "yesterday", "code": "30"},
              {"scan_id": "s6", "scanned_at": "2026/11/13 09:00:00", "code": "90"}
            ]}}
            """.utf8)
        let signature = HMACHeaderVerifier.sign(body: body, secret: "acme-secret", encoding: .base64, prefix: "sha256=")
        try adapter.verify(
            InboundRequest(headers: [HTTPField.Name("X-Acme-Signature")!: signature], body: body), now: Date())
        let payload = try adapter.parse(body, receivedAt: receivedAt)
        #expect(
            payload.events.map(\.milestone) == [.pickedUp, .hubArrival, .unknown, .customsDocsRequired, .exception])
        #expect(payload.rejectedItems.map(\.index) == [4])
        let first = payload.events[0]
        #expect(first.carrier == "acme-express")
        #expect(first.trackingNumber == "AC123456789")
        #expect(first.carrierEventID == "s1")
        #expect(first.time.source == .assumedZone(zone: "Asia/Shanghai"))
        #expect(first.time.instant == (try instant("2026-11-11T08:30:00+08:00")))
        #expect(
            first.node
                == TrackingNode(
                    facilityCode: "HZ01", facilityName: "杭州萧山网点", city: "杭州市", region: "浙江省",
                    coordinates: Coordinates(latitude: 30.18, longitude: 120.26)))
        #expect(payload.events[1].carrierStatus.code == "20")  // numbers are read as text
        #expect(payload.events[2].carrierStatus.code == "77")
        #expect(payload.events[3].details.missingDocuments == ["commercial_invoice", "id_card"])
        #expect(payload.events[4].details.carrierReportedStall)
    }

    @Test("json-mapping files are checked: paths, formats, milestones and scheme options name their key")
    func jsonMappingErrors() throws {
        let cases: [(String, String, String)] = [
            ("time_format: \"yyyy/MM/dd HH:mm:ss\"", "time_format: \"when it happened\"", "mapping.time_format"),
            ("events: $.data.scans[*]", "events: $.data.scans[", "mapping.events"),
            ("\"90\": exception", "\"90\": on_fire", "statuses.90"),
            ("scheme: hmac-sha256", "scheme: carrier-pigeon", "verification.scheme"),
            ("  encoding: base64", "  encoding: base64\n  username: acme", "verification.username"),
            ("carrier: acme-express\n", "", "carrier"),
        ]
        for (original, broken, key) in cases {
            let folder = try AdapterFolder(["acme.yaml": acmeFile.replacingOccurrences(of: original, with: broken)])
            defer { folder.remove() }
            let loaded = folder.load(["ACME_SECRET": "x"])
            #expect(loaded.errors.first?.key == key, "\(broken): \(loaded.errors)")
        }
    }

    @Test("json-mapping with the standard-webhooks scheme verifies the reference vector")
    func jsonMappingStandardWebhooks() throws {
        let file = acmeFile.replacingOccurrences(
            of:
                "  scheme: hmac-sha256\n  secret: ${ACME_SECRET}\n  header: X-Acme-Signature\n  encoding: base64\n  prefix: \"sha256=\"\n",
            with: "  scheme: standard-webhooks\n  secret: ${ACME_SECRET}\n")
        let adapter = try loadAdapter(
            file, name: "acme", environment: ["ACME_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let headers: HTTPFields = [
            HTTPField.Name("webhook-id")!: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            HTTPField.Name("webhook-timestamp")!: "1614265330",
            HTTPField.Name("webhook-signature")!: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ]
        try adapter.verify(
            InboundRequest(headers: headers, body: body), now: Date(timeIntervalSince1970: 1_614_265_330))
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(
                InboundRequest(headers: headers, body: body), now: Date(timeIntervalSince1970: 1_614_265_330 + 600))
        }
    }

    @Test("customs updates become customs events with the missing documents and tax due")
    func customs() throws {
        let adapter = try loadAdapter(
            "kind: customs\nverification:\n  secret: ${S}\n", name: "broker", environment: ["S": "x"])
        let body = Data(
            """
            {"updates": [
              {"declaration_id": "DEC-1", "carrier": "sf-express", "tracking_number": "SF1", "status": "documents_required",
               "time": "2026-11-12T10:00:00+08:00", "missing_documents": ["commercial_invoice", "recipient_id_card"],
               "office": {"code": "2233", "name": "上海浦东国际机场海关", "city": "上海市", "country": "CN"}, "note": "请补充商业发票"},
              {"declaration_id": "DEC-2", "carrier": "sf-express", "tracking_number": "SF2", "status": "tax_due",
               "time": "2026-11-12T11:00:00+08:00", "tax_due": {"amount": "86.40", "currency": "cny"}},
              {"declaration_id": "DEC-3", "carrier": "sf-express", "tracking_number": "SF3", "status": "documents_required",
               "time": "2026-11-12T11:00:00+08:00"},
              {"declaration_id": "DEC-4", "carrier": "sf-express", "tracking_number": "SF4", "status": "released",
               "time": "2026-11-12 12:00:00"}
            ]}
            """.utf8)
        let payload = try adapter.parse(body, receivedAt: receivedAt)
        #expect(payload.events.map(\.milestone) == [.customsDocsRequired, .customsHeld, .customsCleared])
        #expect(payload.events[0].details.missingDocuments == ["commercial_invoice", "recipient_id_card"])
        #expect(payload.events[0].details.customsDeclaration == "DEC-1")
        #expect(payload.events[0].node.facilityName == "上海浦东国际机场海关")
        #expect(payload.events[1].details.taxDue == Money(amount: Decimal(string: "86.40")!, currency: "CNY"))
        #expect(payload.events[2].time.source == .assumedZone(zone: "Asia/Shanghai"))
        #expect(payload.rejectedItems.map(\.index) == [2])
        #expect(payload.rejectedItems[0].reason.contains("missing_documents"))
    }

    @Test("disruption notices are read with their validity, regions and route flag")
    func disruption() throws {
        let adapter = try loadAdapter(
            "kind: disruption\nverification:\n  secret: ${S}\n", name: "weather", environment: ["S": "x"])
        let body = Data(
            """
            {"notices": [
              {"id": "typhoon-27", "kind": "weather", "severity": "severe", "route_interrupted": true,
               "regions": ["浙江省", "上海市"], "facilities": ["HZHUB"], "valid_from": "2026-11-12T00:00:00+08:00",
               "valid_to": "2026-11-14T00:00:00+08:00", "title": "台风“海葵”登陆"},
              {"id": "bad", "kind": "weather", "severity": "minor", "valid_from": "2026-11-12", "title": "no place"},
              {"id": "fog", "kind": "weather", "severity": "cataclysmic", "regions": ["江苏省"], "valid_from": "2026-11-12", "title": "x"}
            ]}
            """.utf8)
        let payload = try adapter.parse(body, receivedAt: receivedAt)
        let notice = try #require(payload.disruptions.first)
        #expect(payload.disruptions.count == 1)
        #expect(notice.routeInterrupted && notice.severity == .severe && notice.source == "weather")
        #expect(notice.covers(TrackingNode(region: "浙江省")))
        #expect(notice.covers(TrackingNode(facilityCode: "HZHUB")))
        #expect(!notice.covers(TrackingNode(region: "江苏省")))
        #expect(notice.isActive(at: try instant("2026-11-13T12:00:00+08:00")))
        #expect(!notice.isActive(at: try instant("2026-11-14T00:00:00+08:00")))
        #expect(payload.rejectedItems.map(\.index) == [1, 2])
    }

    @Test("orders carry customers, value, promised date, presale and shipments")
    func orders() throws {
        let adapter = try loadAdapter(
            "kind: orders\nverification:\n  secret: ${S}\n", name: "orders", environment: ["S": "x"])
        let body = Data(
            """
            {"orders": [{
              "id": "SO-1", "customer": {"id": "c-1", "name": "王小明", "phone": "+8613800138000", "preferred_channel": "push",
                                        "app_user_id": "u-77", "locale": "zh-CN"},
              "destination": {"city": "广州市", "region": "广东省", "country": "CHN"},
              "value": {"amount": 1299.5, "currency": "CNY"}, "promised_delivery_date": "2026-11-14",
              "presale": {"supplier_eta": "2026-11-20T00:00:00+08:00", "promised_ship_date": "2026-11-21"},
              "shipments": [{"carrier": "sf-express", "tracking_number": "SF1"}], "updated_at": "2026-11-11T10:00:00+08:00"},
              {"id": "SO-2", "customer": {}, "value": {"amount": "x", "currency": "CNY"}, "updated_at": "2026-11-11T10:00:00+08:00"}
            ]}
            """.utf8)
        let payload = try adapter.parse(body, receivedAt: receivedAt)
        let order = try #require(payload.orders.first)
        #expect(order.customer.preferredChannel == .push)
        #expect(order.customer.maskedPhone == "**********8000")
        #expect(order.destination.country == "CN")
        #expect(order.value == Money(amount: Decimal(string: "1299.5")!, currency: "CNY"))
        #expect(order.promisedDeliveryDate == (try instant("2026-11-14T00:00:00+08:00")))
        #expect(order.presale?.promisedShipDate == (try instant("2026-11-21T00:00:00+08:00")))
        #expect(order.shipments == [ShipmentKey(carrier: "sf-express", trackingNumber: "SF1")])
        #expect(payload.rejectedItems.map(\.index) == [1])
    }
}
