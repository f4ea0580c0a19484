import DelayGateModel
import Foundation

/// An adapter of the ``KdniaoKind`` kind.
///
/// A push carries several waybills (`Data[]`), each with its whole trace history. Every trace
/// becomes an event (already stored ones are skipped by their identity); the waybill's own
/// `StateEx`, when it is one of Kdniao's stall codes, becomes a status event that records the
/// stall without moving the parcel. Waybills that cannot be read are reported in the
/// acknowledgement's `Reason` and the others kept: Kdniao acknowledges per request, and
/// answering `Success:false` would only make it resend the same bytes.
public struct KdniaoAdapter: VerifiedAdapter {
    public let name: String
    public var kind: String { KdniaoKind.kindName }
    public var acceptedMediaTypes: Set<String> { ["application/x-www-form-urlencoded"] }

    public let verifier: KdniaoSignature
    let timeZone: TimeZone
    let ebusinessID: String?
    let carriers: [String: String]

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        guard let fields = FormURLEncoded.decode(body), let requestData = fields["RequestData"] else {
            throw PayloadRejection("not a form body with a RequestData field")
        }
        let push: Push
        do {
            push = try JSONDecoder().decode(Push.self, from: Data(requestData.utf8))
        } catch {
            throw PayloadRejection("RequestData: " + JSONPayloadError.describe(error))
        }
        var payload = NormalizedPayload()
        if let id = ebusinessID ?? push.EBusinessID { payload.acknowledgementValues["EBusinessID"] = id }
        let pushTime = push.PushTime.flatMap(CarrierTimestamp.parse)
        for (index, entry) in push.Data.enumerated() {
            do {
                payload.events += try events(of: entry.result.get(), pushTime: pushTime, receivedAt: receivedAt)
            } catch let error as ItemError {
                payload.rejectedItems.append(RejectedItem(index: index, reason: "Data[\(index)]: \(error.reason)"))
            } catch {
                payload.rejectedItems.append(RejectedItem(index: index, reason: JSONPayloadError.describe(error)))
            }
        }
        if payload.events.isEmpty, !payload.rejectedItems.isEmpty {
            throw PayloadRejection("no usable waybill in the push", items: payload.rejectedItems)
        }
        return payload
    }

    private func events(of waybill: Waybill, pushTime: CarrierTimestamp?, receivedAt: Date) throws(ItemError)
        -> [TrackingEvent]
    {
        guard let number = waybill.LogisticCode?.trimmingWhitespace(), !number.isEmpty else {
            throw ItemError("LogisticCode is missing")
        }
        guard let shipper = waybill.ShipperCode?.trimmingWhitespace(), !shipper.isEmpty else {
            throw ItemError("ShipperCode is missing")
        }
        let carrier = carriers[String(shipper)] ?? shipper.lowercased()
        var events: [TrackingEvent] = []
        for (index, trace) in (waybill.Traces ?? []).enumerated() {
            guard let acceptTime = trace.AcceptTime, let timestamp = CarrierTimestamp.parse(acceptTime) else {
                throw ItemError("Traces[\(index)].AcceptTime '\(trace.AcceptTime ?? "")' is not yyyy-MM-dd HH:mm:ss")
            }
            let text = trace.AcceptStation ?? ""
            let (milestone, code, stall) = KdniaoCrosswalk.milestone(action: trace.Action?.value, text: text)
            let city = trace.Location ?? Self.bracketedCity(in: text)
            events.append(
                TrackingEvent(
                    carrier: carrier, trackingNumber: String(number),
                    time: timestamp.resolve(inferredZone: nil, assumedZone: timeZone), receivedAt: receivedAt,
                    milestone: milestone, carrierStatus: CarrierStatus(code: code, text: text),
                    node: TrackingNode(facilityName: Self.facility(in: text), city: city, country: "CN"),
                    direction: milestone == .returning || milestone == .returned ? .return : .forward,
                    carrierEventID: ScanIdentity.make(shipper.description, acceptTime, text),
                    details: EventDetails(carrierReportedStall: stall)))
        }
        // The waybill's own state is news only when Kdniao flags a stall; other states repeat the traces.
        if let code = waybill.StateEx?.value ?? waybill.State?.value, let entry = KdniaoCrosswalk.table[code],
            entry.stall,
            let pushTime
        {
            events.append(
                TrackingEvent(
                    carrier: carrier, trackingNumber: String(number),
                    time: pushTime.resolve(inferredZone: nil, assumedZone: timeZone), receivedAt: receivedAt,
                    milestone: entry.milestone,
                    carrierStatus: CarrierStatus(code: "StateEx:\(code)", text: waybill.Reason),
                    node: TrackingNode(city: waybill.Location, country: "CN"),
                    carrierEventID: ScanIdentity.make(
                        shipper.description, "state", code, waybill.Traces?.last?.AcceptTime),
                    details: EventDetails(carrierReportedStall: true, statusOnly: true)))
        }
        return events
    }

    /// `【杭州市】…` → 杭州市.
    static func bracketedCity(in text: String) -> String? {
        guard let open = text.firstIndex(of: "【"), let close = text[open...].firstIndex(of: "】") else { return nil }
        let city = text[text.index(after: open)..<close]
        return city.isEmpty ? nil : String(city)
    }

    /// The facility a trace names: the words ending in 转运中心 / 分拨中心 / 集散中心 / 营业部 / 网点.
    static func facility(in text: String) -> String? {
        for suffix in ["转运中心", "分拨中心", "集散中心", "中转场", "营业部", "网点"] {
            guard let range = text.range(of: suffix) else { continue }
            let head = text[..<range.lowerBound]
            let start =
                head.lastIndex(where: { $0 == " " || $0 == "】" || $0 == "，" || $0 == "," }).map {
                    head.index(after: $0)
                }
                ?? head.startIndex
            let name = text[start..<range.upperBound].trimmingWhitespace()
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    public func acknowledgement(for outcome: IngestOutcome, now: Date) -> InboundResponse? {
        let (success, reason, ebusinessID): (Bool, String, String?) =
            switch outcome {
            case .accepted(_, let payload):
                (true, payload.rejectionNote ?? "", payload.acknowledgementValues["EBusinessID"] ?? ebusinessID)
            case .rejected(_, let rejection):
                (false, rejection.description, ebusinessID)
            }
        let answer = Acknowledgement(
            EBusinessID: ebusinessID ?? "", UpdateTime: Self.beijingTime(now, zone: timeZone), Success: success,
            Reason: reason)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(answer)) ?? Data()
        return InboundResponse(status: success ? 200 : 400, body: body)
    }

    static func beijingTime(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }

    // MARK: Wire format (Kdniao's field names)

    struct Push: Decodable {
        var EBusinessID: String?
        var PushTime: String?
        var Data: [Lenient<Waybill>]
    }

    struct Waybill: Decodable {
        var LogisticCode: String?
        var ShipperCode: String?
        var State: LooseString?
        var StateEx: LooseString?
        var Location: String?
        var Reason: String?
        var Traces: [Trace]?
    }

    struct Trace: Decodable {
        var AcceptTime: String?
        var AcceptStation: String?
        var Location: String?
        var Action: LooseString?
    }

    struct Acknowledgement: Encodable {
        var EBusinessID: String
        var UpdateTime: String
        var Success: Bool
        var Reason: String
    }

    struct ItemError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

/// A string field that some senders send as a number (`"State": 2` instead of `"2"`).
struct LooseString: Decodable, Hashable {
    var value: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else if let number = try? container.decode(Int.self) {
            value = String(number)
        } else {
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a string"))
        }
    }
}
