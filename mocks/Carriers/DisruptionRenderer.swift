import DelayGateModel
import Foundation

/// A disruption feed's `disruption` JSON (docs/disruption-json.md): `{"notices": [...]}`, signed
/// like `canonical-json` (`X-DelayGate-Signature`). Times are written in ``timeZone`` with their
/// offset.
///
/// Every field of a notice survives the round trip (times to the second) except ``DisruptionNotice/source``,
/// which the gateway sets to the adapter's name, not the sender's.
///
/// ```swift
/// let webhook = DisruptionRenderer().request(notices: [typhoon], secret: secret, at: .now)
/// // POST to /webhooks/disruptions
/// ```
public struct DisruptionRenderer: Sendable {
    /// The adapter kind that reads it.
    public var kind: String { "disruption" }
    /// The zone the feed prints times in.
    public var timeZone: TimeZone

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.timeZone = timeZone
    }

    /// An empty list is a valid body (nothing in force).
    public func request(notices: [DisruptionNotice], secret: String, at time: Date) -> RenderedWebhook {
        DelayGateSignature.webhook(["notices": .array(notices.map(notice))], secret: secret, at: time)
    }

    private func notice(_ notice: DisruptionNotice) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(notice.id),
            "kind": .string(notice.kind.rawValue),
            "severity": .string(notice.severity.rawValue),
            "route_interrupted": .bool(notice.routeInterrupted),
            "regions": .array(notice.regions.map { .string($0) }),
            "facilities": .array(notice.facilities.map { .string($0) }),
            "valid_from": .string(timestamp(notice.validFrom)),
            "title": .string(notice.title),
        ]
        if let to = notice.validTo { fields["valid_to"] = .string(timestamp(to)) }
        if let detail = notice.detail { fields["description"] = .string(detail) }
        return .object(fields)
    }

    private func timestamp(_ date: Date) -> String {
        WireTime.rfc3339(date, offset: timeZone.secondsFromGMT(for: date))
    }
}
