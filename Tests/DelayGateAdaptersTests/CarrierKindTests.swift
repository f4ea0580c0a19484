import DelayGateAdapters
import DelayGateConfig
import DelayGateModel
import Foundation
import Testing

/// Loads one adapter file with the given environment.
func loadAdapter(_ yaml: String, name: String = "carrier", environment: [String: String]) throws -> any InboundAdapter {
    let folder = try AdapterFolder(["\(name).yaml": yaml])
    defer { folder.remove() }
    let loaded = folder.load(environment)
    #expect(loaded.errors.isEmpty, "\(loaded.errors)")
    return try #require(loaded.catalog.adapter(named: name))
}

func instant(_ text: String) throws -> Date {
    guard case .instant(let date, _) = try #require(CarrierTimestamp.parse(text)) else {
        Issue.record("\(text) has no offset")
        return .distantPast
    }
    return date
}

let receivedAt = Date(timeIntervalSince1970: 1_716_200_000)

@Suite("Carrier kinds parse their vendors' payloads")
struct CarrierKindTests {
    @Test("kdniao: every trace of every waybill, text-refined codes, China time assumed, stall codes as status reports")
    func kdniao() throws {
        let adapter = try loadAdapter(
            "kind: kdniao\nverification:\n  app_key: ${KDNIAO_APP_KEY}\noptions:\n  carriers:\n    YTO: yto\n",
            environment: ["KDNIAO_APP_KEY": "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"])
        let payload = try adapter.parse(try fixture("kdniao-102-body.form.txt"), receivedAt: receivedAt)
        #expect(payload.rejectedItems.isEmpty)
        let yto = payload.events.filter { $0.carrier == "yto" }
        #expect(yto.map(\.milestone) == [.pickedUp, .hubArrival, .hubDeparture, .hubArrival, .hubArrival])
        #expect(yto[0].time.source == .assumedZone(zone: "Asia/Shanghai"))
        #expect(yto[0].time.instant == (try instant("2024-05-18T16:42:11+08:00")))
        #expect(yto[1].node.facilityName == "杭州转运中心")
        #expect(yto[1].node.city == "杭州市")
        #expect(yto[2].carrierStatus.code == "2")
        #expect(yto.allSatisfy { !$0.details.carrierReportedStall })
        let zto = payload.events.filter { $0.carrier == "zto" }
        #expect(zto.count == 3)
        let stall = try #require(zto.last)
        #expect(stall.carrierStatus.code == "StateEx:403")
        #expect(stall.details.carrierReportedStall && stall.details.statusOnly)
        #expect(payload.acknowledgementValues["EBusinessID"] == "1237100")

        // Kdniao's acknowledgement: HTTP 200 and its own JSON.
        let answer = try #require(
            adapter.acknowledgement(for: .accepted(inboxID: 1, payload: payload), now: receivedAt))
        #expect(answer.status == 200)
        let fields = try JSONDecoder().decode([String: Value].self, from: answer.body)
        #expect(fields["EBusinessID"] == .text("1237100"))
        #expect(fields["Success"] == .flag(true))
        #expect(fields["UpdateTime"] == .text("2024-05-20 18:13:20"))
    }

    @Test("kdniao: a bad waybill is reported in Reason and the others kept; a push with none usable is refused")
    func kdniaoPartial() throws {
        let adapter = try loadAdapter(
            "kind: kdniao\nverification:\n  app_key: ${K}\n", environment: ["K": "key"])
        let requestData =
            #"{"EBusinessID":"1","PushTime":"2026-11-12 09:00:00","Count":"2","Data":[{"ShipperCode":"SF","LogisticCode":"SF1","Success":true,"State":"2","Traces":[{"AcceptTime":"2026-11-11 08:00:00","AcceptStation":"【深圳市】顺丰速运 已收取快件","Action":"1"}]},{"ShipperCode":"SF","Success":true,"State":"2","Traces":[]}]}"#
        let payload = try adapter.parse(
            KdniaoSignature.formBody(requestData: requestData, appKey: "key"), receivedAt: receivedAt)
        #expect(payload.events.count == 1)
        #expect(payload.rejectedItems.map(\.index) == [1])
        let answer = try #require(
            adapter.acknowledgement(for: .accepted(inboxID: 1, payload: payload), now: receivedAt))
        let fields = try JSONDecoder().decode([String: Value].self, from: answer.body)
        #expect(fields["Success"] == .flag(true))
        #expect(fields["Reason"]?.description.contains("Data[1]: LogisticCode is missing") == true)

        let unusable = #"{"EBusinessID":"1","Data":[{"ShipperCode":"SF"}]}"#
        #expect(throws: PayloadRejection.self) {
            try adapter.parse(KdniaoSignature.formBody(requestData: unusable, appKey: "key"), receivedAt: receivedAt)
        }
        let refused = try #require(
            adapter.acknowledgement(for: .rejected(inboxID: 2, PayloadRejection("no usable waybill")), now: receivedAt))
        #expect(refused.status == 400)
        #expect(try JSONDecoder().decode([String: Value].self, from: refused.body)["Success"] == .flag(false))
    }

    @Test("aftership: checkpoints in order, offsets kept, a time without offset placed by its country")
    func aftership() throws {
        let adapter = try loadAdapter("kind: aftership\nverification:\n  secret: ${S}\n", environment: ["S": "x"])
        let payload = try adapter.parse(try fixture("aftership-tracking_update.json"), receivedAt: receivedAt)
        #expect(payload.events.map(\.milestone) == [.pickedUp, .hubArrival, .hubDeparture, .hubArrival, .hubArrival])
        #expect(payload.events.allSatisfy { $0.carrier == "yto" && $0.trackingNumber == "YT8801234567890" })
        #expect(payload.events[0].time.source == .explicitOffset(seconds: 28_800))
        #expect(payload.events[3].time.source == .inferredFromLocation(zone: "Asia/Shanghai"))
        #expect(payload.events[3].time.instant == (try instant("2024-05-19T07:46:50+08:00")))
        #expect(payload.events[3].node.country == "CN")
        #expect(payload.events[1].node.facilityName == "杭州转运中心")
        // Resending the same history gives the same event identities (stored once).
        let again = try adapter.parse(
            try fixture("aftership-tracking_update.json"), receivedAt: receivedAt.addingTimeInterval(60))
        #expect(again.events.map(\.dedupKey) == payload.events.map(\.dedupKey))
    }

    @Test("easypost: details in order, customs read from the text, returns in the return direction")
    func easypost() throws {
        let adapter = try loadAdapter("kind: easypost\nverification:\n  secret: ${S}\n", environment: ["S": "x"])
        let body = try fixture("easypost-tracker.updated.json")
        let payload = try adapter.parse(body, receivedAt: receivedAt)
        #expect(
            payload.events.map(\.milestone) == [
                .labelCreated, .pickedUp, .hubDeparture, .customsCleared, .attemptFailed,
            ])
        #expect(payload.events.allSatisfy { $0.carrier == "ups" && $0.direction == .forward })
        #expect(payload.events[3].time.source == .explicitOffset(seconds: -7 * 3600))
        #expect(payload.events[1].node.country == "CN")
        let returning = String(decoding: body, as: UTF8.self)
            .replacingOccurrences(of: #""is_return": false"#, with: #""is_return": true"#)
        let asReturn = try adapter.parse(Data(returning.utf8), receivedAt: receivedAt)
        #expect(asReturn.events.allSatisfy { $0.direction == .return })
        // Other EasyPost events on the same endpoint carry no scans.
        let batch = try adapter.parse(
            Data(#"{"id":"evt_1","description":"batch.updated","result":{}}"#.utf8), receivedAt: receivedAt)
        #expect(batch.isEmpty)
    }

    @Test("seventeen-track: every provider event, customs sub-statuses, the test push without track_info")
    func seventeenTrack() throws {
        let adapter = try loadAdapter(
            "kind: seventeen-track\nverification:\n  secret: ${S}\noptions:\n  carriers:\n    \"190008\": yunexpress\n",
            environment: ["S": "x"])
        let payload = try adapter.parse(try fixture("17track-TRACKING_UPDATED.json"), receivedAt: receivedAt)
        #expect(
            payload.events.map(\.milestone) == [
                .customsDocsRequired, .customsStarted, .hubArrival, .hubDeparture, .hubDeparture, .pickedUp,
                .labelCreated,
            ])
        #expect(payload.events[0].details.carrierReportedStall)
        #expect(payload.events.allSatisfy { $0.carrier == "yunexpress" })
        #expect(payload.events[5].time.source == .inferredFromLocation(zone: "Asia/Shanghai"))
        #expect(payload.events[0].node.country == "DE")
        let test = try adapter.parse(
            Data(#"{"event":"TRACKING_UPDATED","data":{"number":"RR123456789CN","carrier":3011,"tag":null}}"#.utf8),
            receivedAt: receivedAt)
        #expect(test.isEmpty)
    }

    @Test("an unknown vendor code is kept as unknown with its raw code, never dropped")
    func unknownCodes() throws {
        let adapter = try loadAdapter("kind: aftership\nverification:\n  secret: ${S}\n", environment: ["S": "x"])
        let body =
            #"{"event":"tracking_update","event_id":"e","msg":{"tracking_number":"T1","slug":"yto","checkpoints":[{"checkpoint_time":"2026-11-11T08:00:00+08:00","subtag":"Teleported_001","message":"?"}]}}"#
        let event = try #require(try adapter.parse(Data(body.utf8), receivedAt: receivedAt).events.first)
        #expect(event.milestone == .unknown)
        #expect(event.carrierStatus.code == "Teleported_001")
    }
}

/// A JSON scalar, for reading acknowledgements.
enum Value: Decodable, Equatable, CustomStringConvertible {
    case text(String)
    case flag(Bool)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    var description: String {
        switch self {
        case .text(let text): text
        case .flag(let flag): String(flag)
        }
    }
}
