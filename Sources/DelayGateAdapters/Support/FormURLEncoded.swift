import Foundation

/// `application/x-www-form-urlencoded` bodies: `a=1&b=%E6%9D%AD`.
public enum FormURLEncoded {
    /// The fields of a body; `+` is a space and `%XX` a byte of UTF-8, as the format says.
    /// Nil when a value is not valid percent-encoded UTF-8.
    /// A repeated name keeps its first value.
    public static func decode(_ body: Data) -> [String: String]? {
        guard let pairs = decodePairs(body) else { return nil }
        var fields: [String: String] = [:]
        for (name, value) in pairs where fields[name] == nil { fields[name] = value }
        return fields
    }

    /// The fields of a body in order, repeats kept (OAuth refuses repeated parameters); nil when
    /// a name or value is not valid percent-encoded UTF-8.
    public static func decodePairs(_ body: Data) -> [(String, String)]? {
        var pairs: [(String, String)] = []
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decodeComponent(parts[0]), let value = parts.count > 1 ? decodeComponent(parts[1]) : ""
            else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }

    /// Percent-encodes a name or value: RFC 3986 unreserved ASCII characters (`A–Z a–z 0–9 - . _ ~`)
    /// are kept, every other byte of UTF-8 becomes `%XX` (a space is `%20`). Used for outbound
    /// form bodies, query strings, OAuth client credentials and Alibaba Cloud signatures.
    public static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved: CharacterSet = {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    /// Encodes fields in the given order (for tests, mocks and the demo).
    public static func encode(_ fields: KeyValuePairs<String, String>) -> Data {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let text = fields.map { name, value in
            let encodedName = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
            let encodedValue = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
            return encodedName + "=" + encodedValue
        }.joined(separator: "&")
        return Data(text.utf8)
    }

    private static func decodeComponent(_ bytes: Data.SubSequence) -> String? {
        var output = [UInt8]()
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard bytes.distance(from: index, to: bytes.endIndex) >= 3,
                    let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
                else { return nil }
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(validating: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
