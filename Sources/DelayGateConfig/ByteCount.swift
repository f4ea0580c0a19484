/// A size in bytes, written in configuration as a number or with a unit: `1048576`, `512KiB`,
/// `1MiB`, `2MB`.
public struct ByteCount: Decodable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) {
        self.bytes = bytes
    }

    public static func kibibytes(_ count: Int) -> ByteCount { ByteCount(bytes: count * 1024) }
    public static func mebibytes(_ count: Int) -> ByteCount { ByteCount(bytes: count * 1024 * 1024) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bytes = Self.parse(text), bytes > 0 else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected a positive size such as 1048576, 512KiB or 1MiB, found '\(text)'"))
        }
        self.bytes = bytes
    }

    static func parse(_ text: String) -> Int? {
        let trimmed = text.filter { $0 != " " && $0 != "_" }
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let value = Int(digits) else { return nil }
        let multiplier: Int
        switch trimmed.dropFirst(digits.count).lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb": multiplier = 1000
        case "kib": multiplier = 1024
        case "m", "mb": multiplier = 1_000_000
        case "mib": multiplier = 1024 * 1024
        case "g", "gb": multiplier = 1_000_000_000
        case "gib": multiplier = 1024 * 1024 * 1024
        default: return nil
        }
        return value.multipliedReportingOverflow(by: multiplier).overflow ? nil : value * multiplier
    }

    public static func < (lhs: ByteCount, rhs: ByteCount) -> Bool { lhs.bytes < rhs.bytes }

    public var description: String {
        if bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024))MiB" }
        if bytes % 1024 == 0 { return "\(bytes / 1024)KiB" }
        return "\(bytes)B"
    }
}
