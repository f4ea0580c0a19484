import Crypto
import DelayGateModel
import Foundation

/// Kdniao's (快递鸟) trace push, RequestType 102: a form with `RequestData` (the push as JSON),
/// `DataSign` (Base64 of the lowercase hex MD5 of `RequestData + AppKey`) and `RequestType`.
///
/// One push carries every waybill of `history` (one `Data[]` entry per shipment, each with all
/// its traces, as Kdniao resends them). A trace's `Action` is the Kdniao state code of its
/// milestone; departures get Kdniao's generic in-transit code `2` with `发出` in the text, since
/// Kdniao has no departure code of its own. `AcceptTime` is wall-clock time in `timeZone` (China
/// time) without an offset. The waybill's `State`/`StateEx` are those of its latest trace; when
/// that is one of Kdniao's stall codes (417 delayed, 412 uncollected), the adapter adds a
/// status-only stall event, as with a real push.
///
/// What the shape cannot carry:
/// - facility codes, regions and coordinates: a trace has only `Location` (the city) and the
///   `AcceptStation` text, from which the adapter reads a facility only when its name ends in
///   转运中心, 分拨中心, 集散中心, 中转场, 营业部 or 网点 (and has no space or comma). Other
///   nodes come back identified by their city;
/// - `customs_docs_required`: Kdniao's only customs failure is 604, read back as `customs_held`;
/// - the direction of a return parcel's ordinary scans (only `returning`/`returned` say it);
/// - a departure from a place whose name holds a word the adapter reads first (海关, 驿站, 派送,
///   …), and `unknown` events, whose milestone the adapter takes from the text.
///
/// ```swift
/// let webhook = try KdniaoRenderer().request(history: events, new: [], secret: appKey, at: .now)
/// // POST to /webhooks/kdniao; the answer is Kdniao's own {"Success": true, …}
/// ```
public struct KdniaoRenderer: CarrierWebhookRenderer {
    public var kind: String { "kdniao" }
    /// The merchant id Kdniao puts in the push (`EBusinessID`).
    public var ebusinessID: String
    /// DelayGate carrier id → Kdniao `ShipperCode`; other carriers are sent uppercased, which
    /// the adapter lowercases back.
    public var shipperCodes: [String: String]
    /// The zone of `AcceptTime` and `PushTime`; must match the adapter's `options.time_zone`.
    public var timeZone: TimeZone

    /// The `options.carriers` of `adapters/kdniao.yaml`, reversed.
    public static let defaultShipperCodes: [String: String] = [
        "sf-express": "SF", "yto": "YTO", "zto": "ZTO", "sto": "STO", "yunda": "YD", "jd": "JD", "ems": "EMS",
    ]

    public init(
        ebusinessID: String = "1237100",
        shipperCodes: [String: String] = defaultShipperCodes,
        timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!
    ) {
        self.ebusinessID = ebusinessID
        self.shipperCodes = shipperCodes
        self.timeZone = timeZone
    }

    public func request(history: [TrackingEvent], new: [TrackingEvent], secret: String, at time: Date)
        throws(CarrierRenderError) -> RenderedWebhook
    {
        let waybills = history.groupedByShipment()
        guard !waybills.isEmpty else { throw .noEvents(kind: kind) }
        let push: JSONValue = [
            "EBusinessID": .string(ebusinessID),
            "PushTime": .string(wallClock(time)),
            "Count": .string(String(waybills.count)),
            "Data": .array(waybills.map(waybill)),
        ]
        let requestData = String(decoding: push.encoded(), as: UTF8.self)
        let body = [
            ("RequestData", requestData), ("DataSign", Self.dataSign(requestData, appKey: secret)),
            ("RequestType", "102"),
        ].map { "\($0)=\(Self.formEncode($1))" }.joined(separator: "&")
        return RenderedWebhook(
            headers: RenderedWebhook.headers(contentType: "application/x-www-form-urlencoded; charset=utf-8"),
            body: Data(body.utf8))
    }

    /// `DataSign`: Base64 of the lowercase hex MD5 of `RequestData + AppKey` (not an HMAC).
    static func dataSign(_ requestData: String, appKey: String) -> String {
        let digest = Insecure.MD5.hash(data: Data((requestData + appKey).utf8))
        let hex = digest.map { String(format: "%02x", $0) }.joined()
        return Data(hex.utf8).base64EncodedString()
    }

    private func waybill(_ events: [TrackingEvent]) -> JSONValue {
        let first = events[0]
        let latest = Self.action(for: events[events.count - 1])
        return [
            "EBusinessID": .string(ebusinessID),
            "ShipperCode": .string(shipperCodes[first.carrier] ?? first.carrier.uppercased()),
            "LogisticCode": .string(first.trackingNumber),
            "Success": true,
            "Reason": "",
            "State": .string(Self.mainState(of: latest)),
            "StateEx": .string(latest),
            "Location": .optional(events[events.count - 1].node.city),
            "Traces": .array(events.map(trace)),
        ]
    }

    private func trace(_ event: TrackingEvent) -> JSONValue {
        var fields: [String: JSONValue] = [
            "AcceptTime": .string(WireTime.wallClock(event.time.instant, offset: offset(event.time.instant))),
            "AcceptStation": .string(Self.station(for: event)),
            "Action": .string(Self.action(for: event)),
        ]
        if let city = event.node.city { fields["Location"] = .string(city) }
        return .object(fields)
    }

    private func offset(_ date: Date) -> Int { timeZone.secondsFromGMT(for: date) }

    private func wallClock(_ date: Date) -> String { WireTime.wallClock(date, offset: offset(date)) }

    /// The Kdniao state code (`Action`, `StateEx`) of an event's milestone.
    static func action(for event: TrackingEvent) -> String {
        let stall = event.details.carrierReportedStall
        switch event.milestone {
        case .unknown: return "0"
        case .labelCreated: return "10"
        case .pickedUp: return "1"
        case .hubArrival: return "204"
        case .hubDeparture: return "2"
        case .customsStarted: return "602"
        case .customsDocsRequired, .customsHeld: return "604"
        case .customsCleared: return "603"
        case .outForDelivery: return "202"
        case .awaitingPickup: return stall ? "412" : "211"
        case .attemptFailed: return "405"
        case .delivered: return "301"
        case .returning: return "407"
        case .returned: return "406"
        case .lostOrDamaged: return "414"
        case .exception: return stall ? "417" : "4"
        }
    }

    /// Kdniao's main `State` of a detailed code: `204` → `2`, `10` stays `10`.
    static func mainState(of code: String) -> String {
        code.count == 3 ? String(code.prefix(1)) : code
    }

    /// The trace text in Kdniao's style: `【杭州市】快件已到达 杭州转运中心`. Only the event's own
    /// place is named, so that the adapter finds that facility and no other.
    static func station(for event: TrackingEvent) -> String {
        let place = event.node.facilityName ?? event.node.city ?? ""
        let stall = event.details.carrierReportedStall
        let template =
            switch event.milestone {
            case .unknown: "{p} 物流信息更新"
            case .labelCreated: "{p} 已下单，等待揽收"
            case .pickedUp: "{p} 已揽收"
            case .hubArrival: "快件已到达 {p}"
            case .hubDeparture: "快件已从 {p} 发出"
            case .customsStarted: "快件已到达 {p}，清关中"
            case .customsDocsRequired: "{p} 清关异常，需补充资料"
            case .customsHeld: "{p} 清关异常，快件暂扣"
            case .customsCleared: "快件已在 {p} 清关放行"
            case .outForDelivery: "{p} 快递员正在派件"
            case .awaitingPickup: stall ? "快件在 {p} 超时未取" : "快件已放入 {p}，请及时取件"
            case .attemptFailed: "{p} 派件异常，收件人无法联系"
            case .delivered: "快件已在 {p} 签收"
            case .returning: "快件退回中，已从 {p} 发出"
            case .returned: "退货已由 {p} 签收"
            case .lostOrDamaged: "快件在 {p} 破损"
            case .exception: stall ? "快件在 {p} 配送延迟" : "快件在 {p} 异常"
            }
        let text = template.replacingOccurrences(of: "{p}", with: place)
            .replacingOccurrences(of: "  ", with: " ")
            .trimmingCharacters(in: .whitespaces)
        return (event.node.city.map { "【\($0)】" } ?? "") + text
    }

    /// Percent-encodes a form value: everything but RFC 3986 unreserved characters.
    static func formEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()
}
