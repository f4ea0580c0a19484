import Crypto
import Foundation

/// The identity of a carrier event, used to store each event once however often it is delivered.
///
/// Carriers retry webhooks and resend whole histories (Kdniao and 17TRACK push every trace of a
/// parcel each time), so the same scan arrives many times. The key is the first 16 bytes of a
/// SHA-256 over the carrier's event id when it has one, else over the parts that make a scan
/// unique: carrier, tracking number, instant, raw status code and place.
public struct DedupKey: Hashable, Sendable {
    /// 16 bytes.
    public let bytes: Data

    public init(bytes: Data) {
        precondition(bytes.count == 16, "a dedup key is 16 bytes")
        self.bytes = bytes
    }

    public init(for event: TrackingEvent) {
        var identity = event.carrier
        identity.append("\u{1F}")
        identity.append(event.trackingNumber)
        identity.append("\u{1F}")
        if let id = event.carrierEventID, !id.isEmpty {
            identity.append("id\u{1F}")
            identity.append(id)
        } else {
            identity.append("t\u{1F}")
            identity.append(String(Int64((event.time.instant.timeIntervalSince1970 * 1000).rounded())))
            identity.append("\u{1F}")
            identity.append(event.carrierStatus.code)
            identity.append("\u{1F}")
            identity.append(event.node.identifier ?? "")
        }
        let digest = SHA256.hash(data: Data(identity.utf8))
        self.bytes = Data(digest.prefix(16))
    }

    /// Lowercase hex, for logs and APIs.
    public var hex: String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}

extension TrackingEvent {
    /// This event's de-duplication key.
    public var dedupKey: DedupKey { DedupKey(for: self) }
}
