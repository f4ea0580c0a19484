import Crypto
import Foundation

/// Identifiers vendors mint (event ids, tracker ids), derived from the request's content so that
/// the same input rendered at the same time gives the same bytes.
enum WireID {
    /// `count` lowercase hex digits of SHA-256 over the parts.
    static func hex(_ parts: String..., count: Int = 32) -> String {
        String(digest(parts).map { String(format: "%02x", $0) }.joined().prefix(count))
    }

    /// A UUID-shaped id (version 5 layout) over the parts, as AfterShip writes its `event_id`.
    static func uuid(_ parts: String...) -> String {
        var bytes = Array(digest(parts).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return [part(0..<8), part(8..<12), part(12..<16), part(16..<20), part(20..<32)].joined(separator: "-")
    }

    /// A 32-bit signed number over the parts, for 17TRACK's `*_hash` fields.
    static func int32(_ parts: String...) -> Int {
        let bytes = Array(digest(parts).prefix(4))
        let value = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
        return Int(Int32(bitPattern: value))
    }

    private static func digest(_ parts: [String]) -> SHA256.Digest {
        var hasher = SHA256()
        for part in parts {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: [0x1F])
        }
        return hasher.finalize()
    }
}
