import Crypto
import Foundation

/// A stable id for a carrier scan that has none of its own, from the parts that stay the same
/// each time the carrier resends its history (time as sent, text, place).
///
/// Vendors that push full histories (Kdniao, AfterShip, EasyPost, 17TRACK) resend every scan
/// on every update; the id lets the event store keep each scan once. The normalized status
/// is deliberately left out: vendors re-classify old scans.
public enum ScanIdentity {
    public static func make(_ parts: String?...) -> String {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Data((part ?? "").utf8))
            hasher.update(data: [0x1F])
        }
        return "scan:" + Hex.encode(Data(hasher.finalize().prefix(12)))
    }
}
