import Foundation

/// Lowercase hexadecimal encoding.
public enum Hex {
    public static func encode(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(data.count * 2)
        for byte in data {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes upper- or lowercase hex; nil for odd lengths or other characters.
    public static func decode<S: StringProtocol>(_ text: S) -> Data? {
        var utf8 = text.utf8.makeIterator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        while let first = utf8.next() {
            guard let second = utf8.next(), let high = value(first), let low = value(second) else { return nil }
            bytes.append(high << 4 | low)
        }
        return Data(bytes)
    }

    private static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
