import DelayGateAdapters
import DelayGateConfig
import DelayGateMocks
import DelayGateModel
import Foundation
import HTTPTypes
import Testing

/// Realistic shipment histories for the carrier-sender round trips, and the shipped adapters
/// that read them back.
enum CarrierHistories {
    static let start = Date(timeIntervalSince1970: 1_794_700_800)  // 2026-11-15T08:00:00+08:00
    static let china = TimeSource.explicitOffset(seconds: 8 * 3600)

    // Places named as the simulated network names them (docs/simulation.md).
    static let warehouse = TrackingNode(
        facilityCode: "WH571", facilityName: "杭州余杭仓", city: "杭州市", region: "浙江省", country: "CN",
        coordinates: Coordinates(latitude: 30.42, longitude: 120.30))
    static let pickupStation = TrackingNode(
        facilityCode: "YT571S1", facilityName: "杭州萧山区营业部", city: "杭州市", region: "浙江省", country: "CN")
    static let originHub = TrackingNode(
        facilityCode: "YT571H", facilityName: "杭州转运中心", city: "杭州市", region: "浙江省", country: "CN",
        coordinates: Coordinates(latitude: 30.32, longitude: 120.10))
    static let transitHub = TrackingNode(
        facilityCode: "YD371H", facilityName: "郑州分拨中心", city: "郑州市", region: "河南省", country: "CN")
    static let destinationHub = TrackingNode(
        facilityCode: "YT021H", facilityName: "上海转运中心", city: "上海市", region: "上海市", country: "CN")
    static let destinationStation = TrackingNode(
        facilityCode: "YT021S2", facilityName: "上海浦东新区张江营业部", city: "上海市", region: "上海市", country: "CN")
    static let hongKongWarehouse = TrackingNode(
        facilityCode: "WH852", facilityName: "香港葵涌仓", city: "香港", region: "香港特别行政区", country: "HK")
    static let hongKongHub = TrackingNode(
        facilityCode: "ZT852H", facilityName: "香港转运中心", city: "香港", region: "香港特别行政区", country: "HK")
    static let customsOffice = TrackingNode(
        facilityCode: "5320", facilityName: "皇岗海关", city: "深圳市", region: "广东省", country: "CN",
        coordinates: Coordinates(latitude: 22.53, longitude: 114.07))
    static let shenzhenHub = TrackingNode(
        facilityCode: "ZT020H", facilityName: "广州转运中心", city: "广州市", region: "广东省", country: "CN")
    /// A node with no facility at all: the carrier names only the city.
    static let cityOnly = TrackingNode(city: "苏州市", region: "江苏省", country: "CN")

    struct Scan {
        var milestone: Milestone
        var node: TrackingNode
        var hours: Double
        var source: TimeSource = CarrierHistories.china
        var stall = false
        var direction: Direction = .forward
        var details = EventDetails()
    }

    static func events(carrier: String, number: String, _ scans: [Scan]) -> [TrackingEvent] {
        scans.enumerated().map { index, scan in
            var details = scan.details
            details.carrierReportedStall = scan.stall
            return TrackingEvent(
                carrier: carrier, trackingNumber: number,
                time: EventTime(instant: start.addingTimeInterval(scan.hours * 3600), source: scan.source),
                receivedAt: start, milestone: scan.milestone,
                carrierStatus: CarrierStatus(code: "S\(index)", text: "scan \(index) \(scan.milestone.rawValue)"),
                node: scan.node, direction: scan.direction, carrierEventID: "\(number)-\(index)", details: details)
        }
    }

    /// A domestic parcel: every forward milestone, a carrier-declared stall on the way, and a
    /// scan time with a fraction of a second (vendors send whole seconds).
    static func domestic(carrier: String = "yto", number: String = "YT8801234567890") -> [TrackingEvent] {
        events(
            carrier: carrier, number: number,
            [
                Scan(milestone: .labelCreated, node: warehouse, hours: 0, source: .assumedZone(zone: "Asia/Shanghai")),
                Scan(milestone: .pickedUp, node: pickupStation, hours: 3.25),
                Scan(milestone: .hubArrival, node: originHub, hours: 5.5001),
                Scan(milestone: .hubDeparture, node: originHub, hours: 8),
                Scan(milestone: .hubArrival, node: transitHub, hours: 17),
                Scan(milestone: .exception, node: transitHub, hours: 30, stall: true),
                Scan(milestone: .hubDeparture, node: transitHub, hours: 31),
                Scan(milestone: .hubArrival, node: destinationHub, hours: 40),
                Scan(milestone: .hubDeparture, node: destinationHub, hours: 43),
                Scan(milestone: .hubArrival, node: destinationStation, hours: 45),
                Scan(milestone: .outForDelivery, node: destinationStation, hours: 46),
                Scan(milestone: .attemptFailed, node: destinationStation, hours: 49),
                Scan(milestone: .outForDelivery, node: destinationStation, hours: 70),
                Scan(milestone: .delivered, node: cityOnly, hours: 72),
            ])
    }

    /// A parcel from the Hong Kong warehouse through customs at 皇岗.
    static func crossBorder(carrier: String = "zto", number: String = "73100012345678") -> [TrackingEvent] {
        let declaration = "DEC-\(number)"
        return events(
            carrier: carrier, number: number,
            [
                Scan(
                    milestone: .labelCreated, node: hongKongWarehouse, hours: 0,
                    source: .inferredFromLocation(zone: "Asia/Hong_Kong")),
                Scan(milestone: .pickedUp, node: hongKongHub, hours: 2),
                Scan(milestone: .hubDeparture, node: hongKongHub, hours: 6),
                Scan(
                    milestone: .customsStarted, node: customsOffice, hours: 9,
                    details: EventDetails(customsDeclaration: declaration)),
                Scan(
                    milestone: .customsDocsRequired, node: customsOffice, hours: 11, stall: true,
                    details: EventDetails(missingDocuments: ["commercial_invoice"], customsDeclaration: declaration)),
                Scan(
                    milestone: .customsHeld, node: customsOffice, hours: 30, stall: true,
                    details: EventDetails(
                        customsDeclaration: declaration,
                        taxDue: Money(amount: Decimal(string: "86.4")!, currency: "CNY"))),
                Scan(
                    milestone: .customsCleared, node: customsOffice, hours: 40,
                    details: EventDetails(customsDeclaration: declaration)),
                Scan(milestone: .hubArrival, node: shenzhenHub, hours: 44),
                Scan(milestone: .outForDelivery, node: shenzhenHub, hours: 50),
                Scan(milestone: .delivered, node: shenzhenHub, hours: 53),
            ])
    }

    /// A parcel that cannot be delivered and goes back to the merchant.
    static func returnToSender(carrier: String = "yto", number: String = "YT8809990000001") -> [TrackingEvent] {
        events(
            carrier: carrier, number: number,
            [
                Scan(milestone: .pickedUp, node: pickupStation, hours: 0),
                Scan(milestone: .hubArrival, node: originHub, hours: 2),
                Scan(milestone: .lostOrDamaged, node: originHub, hours: 3),
                Scan(milestone: .awaitingPickup, node: destinationStation, hours: 20),
                Scan(milestone: .returning, node: destinationStation, hours: 60, direction: .return),
                Scan(milestone: .returned, node: pickupStation, hours: 80, direction: .return),
            ])
    }

    /// A customer's return: every scan travels in the return direction.
    static func customerReturn(carrier: String, number: String) -> [TrackingEvent] {
        events(
            carrier: carrier, number: number,
            [
                Scan(milestone: .labelCreated, node: destinationStation, hours: 0, direction: .return),
                Scan(milestone: .pickedUp, node: destinationStation, hours: 5, direction: .return),
                Scan(milestone: .hubArrival, node: destinationHub, hours: 8, direction: .return),
                Scan(milestone: .hubDeparture, node: destinationHub, hours: 10, direction: .return),
                Scan(milestone: .returned, node: warehouse, hours: 30, direction: .return),
            ])
    }

    // MARK: The shipped adapters

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The test secret of every shipped adapter's variable.
    static let environment: [String: String] = [
        "KDNIAO_APP_KEY": "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17",
        "AFTERSHIP_WEBHOOK_SECRET": "aftership-test-secret",
        // A secret whose NFKD form differs from it (ﬁ ligature, full-width digits): EasyPost keys with NFKD.
        "EASYPOST_WEBHOOK_SECRET": "ﬁrst-ｓｅｃｒｅｔ-１２３",
        "SEVENTEEN_TRACK_SECURITY_KEY": "17track-security-key",
        "DELAYGATE_INTEGRATOR_SECRET": "integrator-secret",
        "CUSTOMS_BROKER_SECRET": "customs-secret",
        "DISRUPTION_FEED_SECRET": "disruption-secret",
        "DELAYGATE_ORDERS_SECRET": "orders-secret",
    ]

    /// The secret the adapter file `name` reads.
    static func secret(_ name: String) -> String {
        let variable =
            switch name {
            case "kdniao": "KDNIAO_APP_KEY"
            case "aftership": "AFTERSHIP_WEBHOOK_SECRET"
            case "easypost": "EASYPOST_WEBHOOK_SECRET"
            case "seventeen-track": "SEVENTEEN_TRACK_SECURITY_KEY"
            case "integrator": "DELAYGATE_INTEGRATOR_SECRET"
            case "customs-broker": "CUSTOMS_BROKER_SECRET"
            case "disruptions": "DISRUPTION_FEED_SECRET"
            default: "DELAYGATE_ORDERS_SECRET"
            }
        return environment[variable]!
    }

    /// The adapter built from `adapters/<name>.yaml`, as the gateway builds it.
    static func adapter(_ name: String) throws -> any InboundAdapter {
        let decoder = ConfigDecoder(environment: environment)
        let file = try AdapterFile.read(
            path: repositoryRoot.appendingPathComponent("adapters/\(name).yaml").path, decoder: decoder)
        let kind = try #require(AdapterRegistry.standard.kinds[file.kind])
        let adapter = try kind.makeAdapter(from: file, decoder: decoder)
        #expect(adapter.missingSecrets.isEmpty)
        return adapter
    }
}

extension RenderedWebhook {
    var inbound: InboundRequest { InboundRequest(headers: headers, body: body) }

    /// The same request with the tracking number (or any text) changed in the body.
    func tampered(replacing text: String, with other: String) -> InboundRequest {
        let original = String(decoding: body, as: UTF8.self)
        #expect(original.contains(text), "the body does not contain \(text)")
        return InboundRequest(headers: headers, body: Data(original.replacingOccurrences(of: text, with: other).utf8))
    }
}

extension Date {
    /// Whole seconds, as every vendor prints times.
    var wholeSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
}
