import Foundation

/// When a tracking event happened, and how DelayGate came to know that instant.
///
/// Carriers disagree on time stamps: some send an explicit UTC offset, some send local wall
/// time only. Keeping the source next to the instant lets the alert engine and operators
/// judge how far to trust a dwell computed from it.
public struct EventTime: Hashable, Sendable {
    /// The instant on the global time line.
    public var instant: Date
    /// How the instant was derived from what the carrier sent.
    public var source: TimeSource

    public init(instant: Date, source: TimeSource) {
        self.instant = instant
        self.source = source
    }
}

/// How an event's instant was established.
public enum TimeSource: Hashable, Sendable {
    /// The carrier sent the time with a UTC offset (in seconds east of UTC).
    case explicitOffset(seconds: Int)
    /// The carrier sent wall-clock time; the zone was inferred from the event's location.
    case inferredFromLocation(zone: String)
    /// The carrier sent wall-clock time; the zone is an assumption (the adapter's configured zone).
    case assumedZone(zone: String)

    /// Short stable name used in storage and APIs: `offset`, `location` or `assumed`.
    public var kind: String {
        switch self {
        case .explicitOffset: "offset"
        case .inferredFromLocation: "location"
        case .assumedZone: "assumed"
        }
    }

    /// The offset as `+08:00`, or the IANA zone identifier.
    public var detail: String {
        switch self {
        case .explicitOffset(let seconds): Self.formatOffset(seconds)
        case .inferredFromLocation(let zone), .assumedZone(let zone): zone
        }
    }

    /// Rebuilds a source from its stored ``kind`` and ``detail``.
    public init?(kind: String, detail: String) {
        switch kind {
        case "offset":
            guard let seconds = Self.parseOffset(detail) else { return nil }
            self = .explicitOffset(seconds: seconds)
        case "location": self = .inferredFromLocation(zone: detail)
        case "assumed": self = .assumedZone(zone: detail)
        default: return nil
        }
    }

    static func formatOffset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        let hours = magnitude / 3600
        let minutes = (magnitude % 3600) / 60
        return sign + (hours < 10 ? "0" : "") + String(hours) + ":" + (minutes < 10 ? "0" : "") + String(minutes)
    }

    static func parseOffset(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            bytes[3] == UInt8(ascii: ":"),
            let hours = Int(String(decoding: bytes[1...2], as: UTF8.self)),
            let minutes = Int(String(decoding: bytes[4...5], as: UTF8.self))
        else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -magnitude : magnitude
    }
}
