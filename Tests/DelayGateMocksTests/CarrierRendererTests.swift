import Crypto
import DelayGateAdapters
import DelayGateMocks
import DelayGateModel
import Foundation
import HTTPTypes
import Testing

/// Every carrier sender's request goes through the shipped adapter of its kind: the signature
/// verifies (a tampered body does not) and parsing gives back the events that were rendered.
@Suite("Carrier senders render what the inbound adapters read back")
struct CarrierRendererTests {
    let sentAt = CarrierHistories.start.addingTimeInterval(90 * 3600)

    /// Renders, checks the media type and the signature (and that a tampered body fails), parses.
    func roundTrip(
        _ renderer: some CarrierWebhookRenderer, adapter name: String, history: [TrackingEvent],
        new: [TrackingEvent]? = nil
    ) throws -> [TrackingEvent] {
        let adapter = try CarrierHistories.adapter(name)
        #expect(adapter.kind == renderer.kind)
        let webhook = try renderer.request(
            history: history, new: new ?? history, secret: CarrierHistories.secret(name), at: sentAt)
        #expect(adapter.acceptedMediaTypes.contains(InboundRequest.mediaType(of: webhook.contentType)))
        try adapter.verify(webhook.inbound, now: sentAt)
        let number = history[0].trackingNumber
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(webhook.tampered(replacing: number, with: number + "7"), now: sentAt)
        }
        let payload = try adapter.parse(webhook.body, receivedAt: sentAt)
        #expect(payload.rejectedItems.isEmpty)
        return payload.events
    }

    /// Carrier, number, instant to the second, milestone (the input's unless `milestones` says
    /// what the vendor makes of them) and node identity (as `identity` says the vendor keeps it).
    func expectSame(
        _ parsed: [TrackingEvent], _ input: [TrackingEvent], milestones: [Milestone]? = nil,
        identity: (TrackingNode) -> String?, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(parsed.count == input.count, sourceLocation: sourceLocation)
        #expect(parsed.map(\.carrier) == input.map(\.carrier), sourceLocation: sourceLocation)
        #expect(parsed.map(\.trackingNumber) == input.map(\.trackingNumber), sourceLocation: sourceLocation)
        #expect(parsed.map(\.time.instant) == input.map(\.time.instant.wholeSeconds), sourceLocation: sourceLocation)
        #expect(parsed.map(\.milestone) == (milestones ?? input.map(\.milestone)), sourceLocation: sourceLocation)
        #expect(parsed.map(\.node.identifier) == input.map { identity($0.node) }, sourceLocation: sourceLocation)
    }

    /// The identity a facility name keeps through a vendor that has no facility codes.
    static func byName(_ node: TrackingNode) -> String? { node.facilityName ?? node.city }

    // MARK: Kdniao

    /// Kdniao reads a facility from the trace text only by its suffix (转运中心, 营业部, …): the
    /// warehouses (…仓) and the customs office (…海关) come back as their city.
    static func kdniaoIdentity(_ node: TrackingNode) -> String? {
        let kept = node.facilityName.flatMap { $0.hasSuffix("仓") || $0.hasSuffix("海关") ? nil : $0 }
        return kept ?? node.city
    }

    @Test("kdniao: one 102 push with several waybills, China time, Kdniao's codes and trace texts")
    func kdniao() throws {
        let domestic = CarrierHistories.domestic()
        let crossBorder = CarrierHistories.crossBorder()
        let parsed = try roundTrip(KdniaoRenderer(), adapter: "kdniao", history: domestic + crossBorder)
        let yto = parsed.filter { $0.trackingNumber == domestic[0].trackingNumber }
        let zto = parsed.filter { $0.trackingNumber == crossBorder[0].trackingNumber }
        expectSame(yto, domestic, identity: Self.kdniaoIdentity)
        // Kdniao's only customs failure is 604: documents required comes back as held.
        expectSame(
            zto, crossBorder,
            milestones: crossBorder.map { $0.milestone == .customsDocsRequired ? .customsHeld : $0.milestone },
            identity: Self.kdniaoIdentity)
        #expect(parsed.allSatisfy { $0.time.source == .assumedZone(zone: "Asia/Shanghai") })
        #expect(yto.map(\.details.carrierReportedStall) == domestic.map(\.details.carrierReportedStall))
        #expect(yto[2].node.facilityName == "杭州转运中心" && yto[2].node.city == "杭州市")
        #expect(yto[2].carrierStatus == CarrierStatus(code: "204", text: "【杭州市】快件已到达 杭州转运中心"))
        // Departures carry Kdniao's generic in-transit code; the text tells them apart.
        #expect(yto[3].carrierStatus.code == "2")
    }

    @Test("kdniao: every default ShipperCode maps back to its carrier")
    func kdniaoShipperCodes() throws {
        let carriers = KdniaoRenderer.defaultShipperCodes.keys.sorted() + ["best-express"]
        let history = carriers.enumerated().flatMap { index, carrier in
            CarrierHistories.events(
                carrier: carrier, number: "KD\(index)00000001",
                [CarrierHistories.Scan(milestone: .pickedUp, node: CarrierHistories.pickupStation, hours: 1)])
        }
        let parsed = try roundTrip(KdniaoRenderer(), adapter: "kdniao", history: history)
        #expect(parsed.map(\.carrier) == carriers)
    }

    @Test("kdniao: a push whose latest trace is a stall code adds Kdniao's status-only stall event")
    func kdniaoStall() throws {
        let history = Array(CarrierHistories.domestic().prefix(6))
        #expect(history.last?.milestone == .exception && history.last?.details.carrierReportedStall == true)
        let parsed = try roundTrip(KdniaoRenderer(), adapter: "kdniao", history: history)
        expectSame(Array(parsed.prefix(6)), history, identity: Self.kdniaoIdentity)
        let status = try #require(parsed.count == 7 ? parsed.last : nil)
        #expect(status.carrierStatus.code == "StateEx:417")
        #expect(status.details.statusOnly && status.details.carrierReportedStall)
        #expect(status.time.instant == sentAt.wholeSeconds)
    }

    @Test("kdniao: a returned parcel's returning and returned scans travel back")
    func kdniaoReturn() throws {
        let history = CarrierHistories.returnToSender()
        let parsed = try roundTrip(KdniaoRenderer(), adapter: "kdniao", history: history)
        expectSame(parsed, history, identity: Self.kdniaoIdentity)
        #expect(parsed.map(\.direction) == history.map(\.direction))
    }

    // MARK: AfterShip

    @Test("aftership: the whole tracking with its checkpoints, offsets kept, customs and stalls by subtag")
    func aftership() throws {
        let history = CarrierHistories.crossBorder()
        let parsed = try roundTrip(AfterShipRenderer(), adapter: "aftership", history: history, new: [history.last!])
        expectSame(parsed, history, identity: Self.byName)
        #expect(parsed.allSatisfy { $0.carrier == "zto" })  // slug zto-express, mapped back by the shipped file
        #expect(parsed.allSatisfy { $0.time.source == .explicitOffset(seconds: 8 * 3600) })
        #expect(parsed.map(\.details.carrierReportedStall) == history.map(\.details.carrierReportedStall))
        #expect(parsed.map(\.node.region) == history.map(\.node.region))
        #expect(parsed.map(\.node.country) == history.map(\.node.country))
        #expect(parsed[3].node.coordinates == history[3].node.coordinates)
        #expect(parsed.map(\.carrierStatus.text) == history.map(\.carrierStatus.text))
    }

    @Test("aftership: yunda as yundaex, a declared delay, and a return to sender")
    func aftershipDomesticAndReturn() throws {
        let domestic = CarrierHistories.domestic(carrier: "yunda", number: "4312345678901")
        let parsed = try roundTrip(AfterShipRenderer(), adapter: "aftership", history: domestic)
        expectSame(parsed, domestic, identity: Self.byName)
        #expect(parsed[5].details.carrierReportedStall)

        let returned = CarrierHistories.returnToSender(carrier: "sf-express", number: "SF1400000009")
        let back = try roundTrip(AfterShipRenderer(), adapter: "aftership", history: returned)
        expectSame(back, returned, identity: Self.byName)
        #expect(back.map(\.direction) == returned.map(\.direction))
    }

    @Test("aftership: one webhook describes one tracking")
    func aftershipOneTracking() {
        let events = CarrierHistories.domestic() + CarrierHistories.crossBorder()
        #expect(throws: CarrierRenderError.severalShipments(kind: "aftership", count: 2)) {
            try AfterShipRenderer().request(history: events, new: [], secret: "s", at: sentAt)
        }
        #expect(throws: CarrierRenderError.noEvents(kind: "aftership")) {
            try AfterShipRenderer().request(history: [], new: [], secret: "s", at: sentAt)
        }
    }

    // MARK: EasyPost

    @Test("easypost: tracking_details by status_detail, customs in the message, UTC where there is no place")
    func easypost() throws {
        var history = CarrierHistories.crossBorder(carrier: "ups", number: "1Z999AA10123456784")
        history[0].node = TrackingNode()
        let parsed = try roundTrip(EasyPostRenderer(), adapter: "easypost", history: history, new: [history.last!])
        // A TrackingLocation has a city but no facility.
        expectSame(parsed, history, identity: \.city)
        #expect(parsed.allSatisfy { $0.carrier == "ups" && $0.direction == .forward })
        #expect(parsed[0].time.source == .explicitOffset(seconds: 0))
        #expect(parsed[1].time.source == .explicitOffset(seconds: 8 * 3600))
        #expect(parsed.map(\.node.country) == history.map(\.node.country))
    }

    @Test("easypost: the HMAC key is the NFKD form of the secret")
    func easypostNFKD() throws {
        let adapter = try CarrierHistories.adapter("easypost")
        let secret = CarrierHistories.secret("easypost")
        #expect(secret != secret.decomposedStringWithCompatibilityMapping)
        let history = CarrierHistories.domestic(carrier: "ups", number: "1Z0000000000000001")
        let webhook = try EasyPostRenderer().request(history: history, new: history, secret: secret, at: sentAt)
        try adapter.verify(webhook.inbound, now: sentAt)
        // Signed with the secret as typed, the request is refused.
        let raw = HMAC<SHA256>.authenticationCode(for: webhook.body, using: SymmetricKey(data: Data(secret.utf8)))
        var headers = webhook.headers
        headers[HTTPField.Name("X-Hmac-Signature")!] =
            "hmac-sha256-hex=" + Data(raw).map { String(format: "%02x", $0) }.joined()
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(InboundRequest(headers: headers, body: webhook.body), now: sentAt)
        }
    }

    @Test(
        "easypost: a return tracker's scans travel back and its delivery is the return; a forward returned cannot be said"
    )
    func easypostReturns() throws {
        let customerReturn = CarrierHistories.customerReturn(carrier: "ups", number: "1Z000000000000RETN")
        let parsed = try roundTrip(EasyPostRenderer(), adapter: "easypost", history: customerReturn)
        expectSame(parsed, customerReturn, identity: \.city)
        #expect(parsed.allSatisfy { $0.direction == .return })

        let toSender = CarrierHistories.returnToSender(carrier: "ups", number: "1Z000000000000SEND")
        let back = try roundTrip(EasyPostRenderer(), adapter: "easypost", history: toSender)
        expectSame(
            back, toSender, milestones: toSender.map { $0.milestone == .returned ? .returning : $0.milestone },
            identity: \.city)
    }

    // MARK: 17TRACK

    @Test("seventeen-track: every provider event newest first, sub-statuses, offsets kept")
    func seventeenTrack() throws {
        let history = CarrierHistories.crossBorder(carrier: "yunexpress", number: "YT2415800012345")
        let parsed = try roundTrip(
            SeventeenTrackRenderer(), adapter: "seventeen-track", history: history, new: [history.last!])
        // 17TRACK lists events newest first, and the adapter keeps that order.
        expectSame(parsed.reversed(), history, identity: Self.byName)
        #expect(parsed.allSatisfy { $0.time.source == .explicitOffset(seconds: 8 * 3600) })
        #expect(parsed.reversed().map(\.node.region) == history.map(\.node.region))
        #expect(parsed.reversed().map(\.carrierStatus.text) == history.map(\.carrierStatus.text))
    }

    @Test("seventeen-track: numeric carrier keys, 17track-<key> ids and returns")
    func seventeenTrackCarriers() throws {
        let returned = CarrierHistories.returnToSender(carrier: "17track-100099", number: "LX123456789CN")
        let parsed = try roundTrip(SeventeenTrackRenderer(), adapter: "seventeen-track", history: returned)
        expectSame(parsed.reversed(), returned, identity: Self.byName)
        #expect(parsed.reversed().map(\.direction) == returned.map(\.direction))

        let unmapped = CarrierHistories.domestic()
        #expect(throws: CarrierRenderError.unmappedCarrier(kind: "seventeen-track", carrier: "yto")) {
            try SeventeenTrackRenderer().request(history: unmapped, new: unmapped, secret: "k", at: sentAt)
        }
    }

    // MARK: DelayGate's own JSON

    @Test("canonical-json: only the new events, every field including facility codes and event ids")
    func canonicalJSON() throws {
        let history = CarrierHistories.domestic(carrier: "sf-express", number: "SF1400000001")
        let other = CarrierHistories.crossBorder(carrier: "jd", number: "JDVA00000000001")
        let new = Array(history.suffix(3)) + [other[0]]
        let parsed = try roundTrip(CanonicalJSONRenderer(), adapter: "integrator", history: history + other, new: new)
        expectSame(parsed, new, identity: \.identifier)
        #expect(parsed.map(\.node) == new.map(\.node))
        #expect(parsed.map(\.carrierStatus) == new.map(\.carrierStatus))
        #expect(parsed.map(\.carrierEventID) == new.map(\.carrierEventID))
        #expect(parsed.map(\.direction) == new.map(\.direction))
        #expect(parsed.map(\.time.source) == new.map { _ in .explicitOffset(seconds: 8 * 3600) })
        #expect(throws: CarrierRenderError.noEvents(kind: "canonical-json")) {
            try CanonicalJSONRenderer().request(history: history, new: [], secret: "s", at: sentAt)
        }
    }

    @Test("customs: a broker's updates for the customs events carry documents, declaration and tax")
    func customs() throws {
        let events = CarrierHistories.crossBorder()
        let customs = events.filter { CustomsUpdate(event: $0) != nil }
        #expect(customs.map(\.milestone) == [.customsStarted, .customsDocsRequired, .customsHeld, .customsCleared])
        let updates = customs.compactMap(CustomsUpdate.init(event:))
        #expect(updates.map(\.status) == [.submitted, .documentsRequired, .taxDue, .released])

        let adapter = try CarrierHistories.adapter(CarrierRouting.customsAdapter)
        let webhook = CustomsRenderer().request(
            updates: updates, secret: CarrierHistories.secret("customs-broker"), at: sentAt)
        #expect(adapter.kind == CustomsRenderer().kind)
        try adapter.verify(webhook.inbound, now: sentAt)
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(webhook.tampered(replacing: "commercial_invoice", with: "packing_list"), now: sentAt)
        }
        let parsed = try adapter.parse(webhook.body, receivedAt: sentAt).events
        expectSame(parsed, customs, identity: \.identifier)
        var office = CarrierHistories.customsOffice
        office.coordinates = nil  // the format's office has no coordinates
        #expect(parsed.allSatisfy { $0.node == office })
        #expect(parsed.map(\.details.missingDocuments) == customs.map(\.details.missingDocuments))
        #expect(parsed.map(\.details.customsDeclaration) == customs.map(\.details.customsDeclaration))
        #expect(parsed.map(\.details.taxDue) == customs.map(\.details.taxDue))
        #expect(parsed.map(\.carrierStatus.code) == updates.map(\.status.rawValue))
        #expect(parsed.map(\.carrierStatus.text) == customs.map(\.carrierStatus.text))
        #expect(String(decoding: webhook.body, as: UTF8.self).contains(#""amount":"86.40""#))
    }

    @Test("disruption: notices come back as they were sent, the source being the adapter")
    func disruption() throws {
        let notice = DisruptionNotice(
            id: "typhoon-2026-27", kind: .weather, severity: .severe, routeInterrupted: true,
            regions: ["浙江省", "上海市"], facilities: ["YT571H"], validFrom: CarrierHistories.start,
            validTo: CarrierHistories.start.addingTimeInterval(48 * 3600), title: "台风“海葵”登陆",
            detail: "沪杭甬高速部分路段封闭", source: "weather-bureau")
        let open = DisruptionNotice(
            id: "closure-1", kind: .closure, severity: .minor, routeInterrupted: false, facilities: ["YD371H"],
            validFrom: CarrierHistories.start, title: "分拨中心检修", source: "weather-bureau")
        let adapter = try CarrierHistories.adapter(CarrierRouting.disruptionAdapter)
        let webhook = DisruptionRenderer().request(
            notices: [notice, open], secret: CarrierHistories.secret("disruptions"), at: sentAt)
        try adapter.verify(webhook.inbound, now: sentAt)
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(webhook.tampered(replacing: "typhoon", with: "cyclone"), now: sentAt)
        }
        var expected = [notice, open]
        for index in expected.indices { expected[index].source = "disruptions" }
        #expect(try adapter.parse(webhook.body, receivedAt: sentAt).disruptions == expected)
    }

    @Test("orders: an ERP's orders come back equal, promised days as bare dates")
    func orders() throws {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let promised = WallClockTime(year: 2026, month: 11, day: 18).instant(in: zone)
        let order = Order(
            id: "SO-20261115-0001",
            customer: Customer(
                id: "c-1", name: "王小明", phone: "+8613800138000", email: "wang@example.com", appUserID: "u-77",
                preferredChannel: .push, locale: "zh-CN", isVIP: true),
            destination: TrackingNode(city: "上海市", region: "上海市", country: "CN"),
            value: Money(amount: Decimal(string: "1299.5")!, currency: "CNY"), promisedDeliveryDate: promised,
            presale: Presale(supplierETA: CarrierHistories.start.addingTimeInterval(3600), promisedShipDate: promised),
            items: [OrderItem(sku: "SKU-1", quantity: 2, name: "保温杯"), OrderItem(sku: "SKU-2", quantity: 1)],
            shipments: [ShipmentKey(carrier: "yto", trackingNumber: "YT8801234567890")],
            updatedAt: CarrierHistories.start)
        let minimal = Order(
            id: "SO-2", customer: Customer(), value: Money(amount: 10, currency: "CNY"), updatedAt: sentAt)
        let adapter = try CarrierHistories.adapter(CarrierRouting.ordersAdapter)
        let webhook = OrdersRenderer().request(
            orders: [order, minimal], secret: CarrierHistories.secret("orders"), at: sentAt)
        try adapter.verify(webhook.inbound, now: sentAt)
        #expect(throws: VerificationFailure.self) {
            try adapter.verify(webhook.tampered(replacing: "SO-2", with: "SO-3"), now: sentAt)
        }
        #expect(try adapter.parse(webhook.body, receivedAt: sentAt).orders == [order, minimal])
        let text = String(decoding: webhook.body, as: UTF8.self)
        #expect(text.contains(#""promised_delivery_date":"2026-11-18""#))
        #expect(text.contains(#""amount":"1299.50""#))
    }

    // MARK: Determinism and routing

    @Test("the same events at the same time give the same bytes; another time another request")
    func determinism() throws {
        let domestic = CarrierHistories.domestic()
        let seventeen = CarrierHistories.crossBorder(carrier: "yunexpress", number: "YT2415800012345")
        for renderer in CarrierRenderers.all {
            let history = renderer.kind == "seventeen-track" ? seventeen : domestic
            let new = [history[history.count - 1]]
            let first = try renderer.request(history: history, new: new, secret: "s", at: sentAt)
            let again = try renderer.request(history: history, new: new, secret: "s", at: sentAt)
            #expect(first == again, "\(renderer.kind)")
            let later = try renderer.request(history: history, new: new, secret: "s", at: sentAt.addingTimeInterval(60))
            #expect(first != later, "\(renderer.kind)")
        }
        let updates = CarrierHistories.crossBorder().compactMap(CustomsUpdate.init(event:))
        #expect(
            CustomsRenderer().request(updates: updates, secret: "s", at: sentAt)
                == CustomsRenderer().request(updates: updates, secret: "s", at: sentAt))
    }

    @Test("the standard routing sends each simulated carrier to a shipped adapter that gives its id back")
    func routing() throws {
        let expected: [String: (domestic: String, crossBorder: String)] = [
            "jd": ("integrator", "integrator"), "sf-express": ("integrator", "aftership"), "yto": ("kdniao", "kdniao"),
            "yunda": ("aftership", "aftership"), "zto": ("kdniao", "aftership"),
        ]
        for (carrier, adapters) in expected {
            for crossBorder in [false, true] {
                let history =
                    crossBorder
                    ? CarrierHistories.crossBorder(carrier: carrier, number: "CB0000000001")
                    : CarrierHistories.domestic(carrier: carrier, number: "DM0000000001")
                let route = CarrierRouting.standard.route(forShipmentStartingWith: history[0])
                #expect(route.adapter == (crossBorder ? adapters.crossBorder : adapters.domestic), "\(carrier)")
                let parsed = try roundTrip(route.renderer, adapter: route.adapter, history: history)
                #expect(
                    !parsed.isEmpty && parsed.allSatisfy { $0.carrier == carrier }, "\(carrier) via \(route.adapter)")
            }
        }
        #expect(CarrierRouting.standard.route(carrier: "acme-express", crossBorder: false) == .integrator)
        #expect(try CarrierHistories.adapter(CarrierRouting.customsAdapter).kind == "customs")
        #expect(try CarrierHistories.adapter(CarrierRouting.disruptionAdapter).kind == "disruption")
        #expect(try CarrierHistories.adapter(CarrierRouting.ordersAdapter).kind == "orders")
    }
}
