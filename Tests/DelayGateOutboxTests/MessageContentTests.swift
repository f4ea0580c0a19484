import DelayGateAdapters
import DelayGateAlerting
import DelayGateConfig
import DelayGateDemo
import DelayGateEngine
import DelayGateMocks
import DelayGateModel
import DelayGateOutbound
import DelayGateOutbox
import DelayGateStorage
import Foundation
import GRDB
import Hummingbird
import Testing

/// What customers and agents actually read: alerts raised by the engine with the repository's
/// own `config/alerting.yaml` (playbook), `config/actions.yaml` (compensation, routing, channels),
/// `config/templates/` and `adapters/outbound/`, delivered over real HTTP to the vendors' mocks.
@Suite("Message content from the repository's configuration")
struct MessageContentTests {
    /// `config/actions.yaml` as shipped, with its relative `templates_dir` made absolute.
    static func repositorySettings() throws -> ActionSettings {
        let path = repositoryRoot.appendingPathComponent("config/actions.yaml").path
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        let relative = "templates_dir: config/templates"
        try #require(shipped.contains(relative), "config/actions.yaml no longer names config/templates")
        let text = shipped.replacingOccurrences(
            of: relative, with: "templates_dir: \(repositoryRoot.appendingPathComponent("config/templates").path)")
        return try ActionSettings.parse(yaml: text, path: path, decoder: ConfigDecoder(environment: [:]))
    }

    /// The vendors' mocks on one server (as `delaygate demo` runs them), the shipped configuration
    /// pointed at it, an engine whose alerts are planned into the outbox, and a dispatcher.
    struct World: Sendable {
        /// No warehouse holds stock until a test says so.
        let vendors: DemoVendors
        var zendesk: MockZendesk { vendors.zendesk }
        var twilio: MockTwilio { vendors.twilio }
        var voice: MockVoiceQueue { vendors.voice }
        var erp: MockERP { vendors.erp }
        var fcm: MockFCM { vendors.fcm }

        init() throws {
            vendors = try DemoVendors(warehouseSKUs: [])
        }

        func run(_ body: @Sendable (EngineReplay, OutboxDispatcher) async throws -> Void) async throws {
            let folder = try TemporaryFolder()
            defer { folder.remove() }
            try await MockServer.run(vendors.router()) { base in
                let environment = vendors.environment(baseURL: base)
                let loaded = OutboundCatalog.load(
                    directory: repositoryRoot.appendingPathComponent("adapters/outbound").path,
                    environment: environment)
                if let error = loaded.errors.first { throw error }
                let settings = try MessageContentTests.repositorySettings()
                let alerting = try AlertingConfiguration.load(
                    path: repositoryRoot.appendingPathComponent("config/alerting.yaml").path, environment: [:],
                    required: true)
                let model = AlertModel(
                    policy: alerting.policy, calendar: alerting.calendar, playbook: alerting.playbook,
                    planner: OutboxPlanner(settings: settings, catalog: loaded.catalog))
                teachHangzhouDwell(model, hours: 10)
                let replay = try EngineReplay(path: folder.path("gateway.sqlite"), model: model)
                try await replay.run { replay in
                    let dispatcher = OutboxDispatcher(
                        database: replay.database, writer: replay.writer, catalog: loaded.catalog,
                        retry: settings.retry, dispatch: settings.dispatch, random: { 1 })
                    try await body(replay, dispatcher)
                    let dead = try await replay.database.read { db in
                        try OutboxStore.list(state: .dead, limit: 10, in: db)
                    }
                    #expect(dead.isEmpty, "dead deliveries: \(dead.map { "\($0.adapter): \($0.lastError ?? "")" })")
                }
            }
        }
    }

    static func customer(
        _ id: String, locale: String = "zh-CN", channel: ContactChannel = .sms, appUserID: String? = nil
    ) -> Customer {
        Customer(
            id: "C-\(id)", name: "王芳", phone: "+8613800138000", email: "wang.fang@example.com", appUserID: appUserID,
            preferredChannel: channel, locale: locale)
    }

    static func order(
        _ id: String, tracking: String?, customer: Customer, value: Decimal = 1299, presale: Presale? = nil
    ) -> Order {
        Order(
            id: id, customer: customer, destination: TrackingNode(city: "杭州市", region: "浙江", country: "CN"),
            value: Money(amount: value, currency: "CNY"), presale: presale,
            items: [OrderItem(sku: "SKU-KETTLE", quantity: 1, name: "电热水壶")],
            shipments: tracking.map { [ShipmentKey(carrier: "zto", trackingNumber: $0)] } ?? [],
            updatedAt: at(hours: -1))
    }

    /// `ratio` times the dwell the model expects at Hangzhou's hub after arrival at hour 0 (the
    /// learned quantile is exact only to a 10 % bucket, so tests read it rather than assume 10 h).
    static func dwell(_ replay: EngineReplay, times ratio: Double) -> Date {
        let expected = replay.model.evaluator().baselines.expected(
            for: NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival)
        ).seconds
        return at(hours: 0).addingTimeInterval(ratio * expected)
    }

    /// The text between `heading` and the next blank line.
    static func section(_ heading: String, of text: String) -> String? {
        guard let start = text.range(of: heading + "\n") else { return nil }
        let rest = text[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex)])
    }

    @Test("presale warning → one SMS with the presale-coupon offer from the compensation policy, nothing else")
    func presaleCoupon() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            // The supplier delivers 4 days after order time; the goods were promised to ship after 96 h.
            let order = Self.order(
                "PO-1", tracking: nil, customer: Self.customer("1"), value: 399,
                presale: Presale(supplierETA: at(hours: 100), promisedShipDate: at(hours: 96)))
            try await replay.deliver(NormalizedPayload(orders: [order]), at: at(hours: 0))
            #expect(try await dispatcher.drain(now: at(hours: 0)).delivered == 1)

            let sms = try #require(world.twilio.messages.first)
            #expect(world.twilio.messages.count == 1)
            #expect(sms.to == "+8613800138000")
            #expect(sms.body == "【预售延迟】您的订单PO-1因供货延迟，预计晚1–2天发货，我们为您准备了CNY 10 优惠券，敬请谅解。")
            #expect(sms.idempotencyKey?.hasSuffix(":warning:notify_customer") == true)
            #expect(world.zendesk.created.isEmpty && world.voice.created.isEmpty && world.fcm.created.isEmpty)
        }
    }

    @Test("customs asking for documents → one ticket whose broker checklist lists them under its heading")
    func customsDocuments() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            let documents = EventDetails(missingDocuments: ["commercial_invoice", "id_card_copy"])
            try await replay.deliver(
                NormalizedPayload(
                    events: [event(.customsDocsRequired, hours: 0, tracking: "ZTO200", details: documents)],
                    orders: [Self.order("SO-200", tracking: "ZTO200", customer: Self.customer("200"))]),
                at: at(hours: 0))
            try await replay.advance(through: at(hours: 0))
            #expect(try await dispatcher.drain(now: at(hours: 0)).delivered == 1)

            let ticket = try #require(world.zendesk.created.first)
            #expect(world.zendesk.created.count == 1)
            #expect(ticket.subject == "[红旗] [紧急] 清关异常 · 订单 SO-200 · zto ZTO200")
            #expect(ticket.tags.contains("delaygate_red_flag") && ticket.priority == "high")
            #expect(ticket.comment.contains("原因：海关要求补充单证：commercial_invoice、id_card_copy"))
            #expect(
                Self.section("— 报关行核对清单 —", of: ticket.comment)
                    == "  □ 补齐：commercial_invoice\n  □ 补齐：id_card_copy\n  □ 联系报关行确认补件方式与截止时间\n  □ 告知客户所需材料及提交渠道",
                "\(ticket.comment)")
            #expect(ticket.comment.contains("海关需要补充材料：commercial_invoice, id_card_copy。"))
            // The playbook asks customs for a ticket only.
            #expect(world.twilio.created.isEmpty && world.voice.created.isEmpty)
        }
    }

    @Test("customs hold without a document list → the checklist keeps its heading and the script names no empty list")
    func customsHoldWithoutDocuments() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            try await replay.deliver(
                NormalizedPayload(
                    events: [event(.customsHeld, hours: 0, tracking: "ZTO210")],
                    orders: [Self.order("SO-210", tracking: "ZTO210", customer: Self.customer("210"))]),
                at: at(hours: 0))
            try await replay.advance(through: at(hours: 0))
            #expect(try await dispatcher.drain(now: at(hours: 0)).delivered == 1)

            let ticket = try #require(world.zendesk.created.first)
            let checklist = try #require(
                Self.section("— 报关行核对清单 —", of: ticket.comment), "no checklist heading:\n\(ticket.comment)")
            #expect(checklist.contains("  □ 向报关行确认扣留原因及海关要求（单证或税费）"))
            #expect(checklist.contains("  □ 联系报关行确认补件方式与截止时间"))
            #expect(!ticket.comment.contains("补齐："))
            // Every checklist line sits under the heading.
            let lines = ticket.comment.split(separator: "\n", omittingEmptySubsequences: false)
            let heading = try #require(lines.firstIndex(of: "— 报关行核对清单 —"))
            #expect(lines.indices.filter { lines[$0].hasPrefix("  □") }.allSatisfy { $0 > heading })
            #expect(ticket.comment.contains("您的订单SO-210的包裹正在清关，目前被海关暂扣"))
            #expect(!ticket.comment.contains("补充材料：。"))
        }
    }

    @Test("the English customs script and checklist read well with and without missing documents")
    func customsEnglish() throws {
        var settings = try Self.repositorySettings()
        settings.templates = try TemplateSet.load(
            directory: repositoryRoot.appendingPathComponent("config/templates").path, defaultLocale: "en")
        let composer = MessageComposer(settings: settings)
        func ticket(_ documents: [String]) throws -> String {
            let facts = AlertFacts(
                alertID: 7, level: "urgent", scenario: "customs", reasonZH: "海关扣留", reasonEN: "held by customs",
                raisedAt: at(hours: 0), extraDelayDays: 2, missingDocuments: documents,
                shipment: ShipmentKey(carrier: "zto", trackingNumber: "ZTO7"), node: hangzhou,
                order: Self.order("SO-7", tracking: "ZTO7", customer: Self.customer("7", locale: "en")))
            let composed = composer.compose(
                action: "helpdesk_ticket", idempotencyKey: "episode:7:urgent:helpdesk_ticket", facts: facts,
                history: CustomerHistory(), routing: nil)
            return try #require(composed.first).message.body
        }
        let withDocuments = try ticket(["commercial_invoice"])
        #expect(withDocuments.contains("which needs: commercial_invoice. Please upload them"))
        #expect(
            Self.section("— Broker checklist —", of: withDocuments)?.hasPrefix("  □ Provide: commercial_invoice\n")
                == true)
        let without = try ticket([])
        #expect(!without.contains("needs: ."), "\(without)")
        #expect(without.contains("your order SO-7 is held in customs. Our customs broker is finding out"))
        let checklist = try #require(Self.section("— Broker checklist —", of: without), "\(without)")
        #expect(checklist.hasPrefix("  □ Ask the broker why customs holds the parcel"))
        #expect(!checklist.contains("Provide:"))
    }

    @Test(
        "lost parcel (extreme) → red-flag ticket with the manual-review items and a re-ship from the nearest warehouse with stock"
    )
    func extremeManualReview() async throws {
        let world = try World()
        world.erp.setStock(warehouse: "SH01", sku: "SKU-KETTLE", available: 2)
        world.erp.setStock(warehouse: "BJ01", sku: "SKU-KETTLE", available: 9)
        try await world.run { replay, dispatcher in
            try await replay.deliver(
                NormalizedPayload(
                    events: [event(.hubArrival, hours: 0, tracking: "ZTO300")],
                    orders: [Self.order("SO-300", tracking: "ZTO300", customer: Self.customer("300"))]),
                at: at(hours: 0))
            try await replay.deliver(
                NormalizedPayload(events: [event(.lostOrDamaged, hours: 2, tracking: "ZTO300")]), at: at(hours: 2))
            try await replay.advance(through: at(hours: 2))
            #expect(try await dispatcher.drain(now: at(hours: 2)).delivered == 2)

            let ticket = try #require(world.zendesk.created.first)
            #expect(world.zendesk.created.count == 1)
            #expect(ticket.subject == "[红旗] [极端] 疑似丢失或破损 · 订单 SO-300 · zto ZTO300")
            #expect(ticket.tags.contains("delaygate_red_flag"))
            #expect(ticket.priority == "urgent")
            #expect(ticket.groupID == 360_000_000_101)
            #expect(
                Self.section("— 人工复核 —", of: ticket.comment)
                    == "  □ 已向 ERP 申请从最近有货仓库补发，请确认补发单号\n  □ 确认原包裹的拦截或退回\n  □ 与客户确认补发或退款意向",
                "\(ticket.comment)")
            #expect(ticket.comment.contains("补发或全额退款（由客户选择）（规则：extreme-reship）"))

            let reship = try #require(world.erp.created.first)
            #expect(world.erp.created.count == 1)
            #expect(reship.orderID == "SO-300")
            #expect(reship.warehouse == "SH01")
            #expect(reship.items == [.init(sku: "SKU-KETTLE", quantity: 1)])
            #expect(reship.reason?.contains("（极端 · 疑似丢失或破损）") == true)
            #expect(reship.reason?.hasSuffix("请从最近有货仓库补发订单 SO-300。") == true)
            #expect(reship.idempotencyKey?.hasSuffix(":extreme:alternative_fulfilment") == true)
            #expect(world.twilio.created.isEmpty && world.voice.created.isEmpty)
        }
    }

    @Test("a return with no scan for 24 h → one ticket with the return-stall script, not before 24 h")
    func returnStall() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            try await replay.deliver(
                NormalizedPayload(
                    events: [event(.returning, hours: 0, tracking: "ZTO400", direction: .return)],
                    orders: [Self.order("SO-400", tracking: "ZTO400", customer: Self.customer("400"))]),
                at: at(hours: 0))
            try await replay.advance(through: at(hours: 23.9))
            #expect(try await dispatcher.drain(now: at(hours: 23.9)).delivered == 0)
            try await replay.advance(through: at(hours: 24))
            #expect(try await dispatcher.drain(now: at(hours: 24)).delivered == 1)

            let ticket = try #require(world.zendesk.created.first)
            #expect(ticket.subject == "[红旗] [紧急] 退货滞留 · 订单 SO-400 · zto ZTO400")
            #expect(ticket.comment.contains("原因：退货包裹 24 h 无扫描，最后位于杭州转运中心"))
            #expect(ticket.comment.contains("“您好王芳，您退回的订单SO-400包裹在途中停滞，我们已联系承运商核查。"))
            #expect(ticket.comment.contains("CNY 30 优惠券（规则：urgent-high-value）"))
            #expect(world.voice.created.isEmpty && world.twilio.created.isEmpty)
        }
    }

    @Test("an English-speaking customer gets the English SMS and callback; the agents' ticket stays in Chinese")
    func englishCustomer() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            try await replay.deliver(
                NormalizedPayload(
                    events: [event(.hubArrival, hours: 0, tracking: "ZTO500")],
                    orders: [Self.order("SO-500", tracking: "ZTO500", customer: Self.customer("500", locale: "en-GB"))]),
                at: at(hours: 0.1))
            // Past the urgent threshold (1.5 E): a warning SMS, then an urgent ticket and callback.
            let urgent = Self.dwell(replay, times: 1.6)
            try await replay.advance(through: urgent)
            #expect(try await dispatcher.drain(now: urgent).delivered == 3)

            let sms = try #require(world.twilio.messages.first?.body)
            #expect(sms.hasPrefix("Your parcel for order SO-500 may be delayed 1–2 days"), "\(sms)")
            #expect(sms.hasSuffix(" Track it: https://track.example.com/zto/ZTO500"))
            #expect(!sms.unicodeScalars.contains { $0.properties.isIdeographic })
            let callback = try #require(world.voice.created.first)
            #expect(callback.script.hasPrefix("Hello 王芳, this is customer care. The parcel for your order SO-500"))

            let ticket = try #require(world.zendesk.created.first)
            #expect(ticket.subject == "[红旗] [紧急] 节点滞留 · 订单 SO-500 · zto ZTO500")
            #expect(ticket.comment.contains("— 建议话术 —\n“您好王芳，关于您的订单SO-500：包裹在杭州转运中心出现延误"))
            #expect(!ticket.comment.contains("Hello"))
        }
    }

    @Test("a customer who prefers push and has the app gets an FCM push, not an SMS; without the app, an SMS")
    func pushPreferred() async throws {
        let world = try World()
        try await world.run { replay, dispatcher in
            try await replay.deliver(
                NormalizedPayload(
                    events: [
                        event(.hubArrival, hours: 0, tracking: "ZTO600"),
                        event(.hubArrival, hours: 0, tracking: "ZTO601"),
                    ],
                    orders: [
                        Self.order(
                            "SO-600", tracking: "ZTO600",
                            customer: Self.customer("600", channel: .push, appUserID: "device-600")),
                        Self.order("SO-601", tracking: "ZTO601", customer: Self.customer("601", channel: .push)),
                    ]),
                at: at(hours: 0.1))
            // Between the warning (1.2 E) and urgent (1.5 E) thresholds.
            let warning = Self.dwell(replay, times: 1.35)
            try await replay.advance(through: warning)
            #expect(try await dispatcher.drain(now: warning).delivered == 2)

            let push = try #require(world.fcm.created.first)
            #expect(world.fcm.created.count == 1)
            #expect(push.token == "device-600")
            #expect(push.title == "包裹可能延误")
            #expect(push.body?.hasPrefix("您的订单SO-600包裹可能延误1–2天") == true)
            #expect(push.body?.hasSuffix("查看物流：https://track.example.com/zto/ZTO600") == true)
            #expect(push.data["delaygate_key"]?.hasSuffix(":warning:notify_customer") == true)
            // The customer without an app token is texted instead; nobody is texted about SO-600.
            #expect(world.twilio.messages.map(\.body).compactMap { $0 }.allSatisfy { !$0.contains("SO-600") })
            #expect(world.twilio.messages.count == 1)
            #expect(world.twilio.messages.first?.body?.contains("SO-601") == true)
        }
    }
}
