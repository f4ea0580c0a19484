import DelayGateModel
import Foundation

/// How a configured carrier writes its times: `rfc3339`, `unix`, `unix_ms`, or a pattern of
/// `yyyy MM dd HH mm ss SSS` (and `XXX` for a `+08:00` offset) with literal characters between.
public enum TimePattern: Hashable, Sendable {
    case rfc3339
    case unixSeconds
    case unixMilliseconds
    case pattern([Token])

    public enum Token: Hashable, Sendable {
        case year, month, day, hour, minute, second, fraction, offset
        case literal(Character)
    }

    /// Parses a configured format; nil when it is not one of the forms above.
    public init?(_ text: String) {
        switch text {
        case "rfc3339", "iso8601": self = .rfc3339
        case "unix": self = .unixSeconds
        case "unix_ms": self = .unixMilliseconds
        default:
            var tokens: [Token] = []
            var rest = Substring(text)
            let names: [(String, Token)] = [
                ("yyyy", .year), ("MM", .month), ("dd", .day), ("HH", .hour), ("mm", .minute), ("ss", .second),
                ("SSS", .fraction), ("XXX", .offset),
            ]
            while let character = rest.first {
                if let (name, token) = names.first(where: { rest.hasPrefix($0.0) }) {
                    tokens.append(token)
                    rest = rest.dropFirst(name.count)
                } else if character.isLetter {
                    return nil
                } else {
                    tokens.append(.literal(character))
                    rest = rest.dropFirst()
                }
            }
            guard tokens.contains(.year), tokens.contains(.month), tokens.contains(.day) else { return nil }
            self = .pattern(tokens)
        }
    }

    /// Reads a time value (text or number) in this format.
    public func parse(_ value: DynamicJSON) -> CarrierTimestamp? {
        switch self {
        case .rfc3339:
            return value.text.flatMap(CarrierTimestamp.parse)
        case .unixSeconds, .unixMilliseconds:
            guard let number = value.double else { return nil }
            let seconds = self == .unixSeconds ? number : number / 1000
            return .instant(Date(timeIntervalSince1970: seconds), offsetSeconds: 0)
        case .pattern(let tokens):
            guard let text = value.text else { return nil }
            return Self.parse(Array(text), tokens: tokens)
        }
    }

    private static func parse(_ characters: [Character], tokens: [Token]) -> CarrierTimestamp? {
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= characters.count else { return nil }
            let slice = characters[index..<(index + digits)]
            guard slice.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(String(slice)) else { return nil }
            index += digits
            return value
        }
        var wall = WallClockTime(year: 0, month: 1, day: 1)
        var offset: Int?
        for token in tokens {
            switch token {
            case .year:
                guard let v = number(4) else { return nil }
                wall.year = v
            case .month:
                guard let v = number(2), (1...12).contains(v) else { return nil }
                wall.month = v
            case .day:
                guard let v = number(2), (1...31).contains(v) else { return nil }
                wall.day = v
            case .hour:
                guard let v = number(2), v < 24 else { return nil }
                wall.hour = v
            case .minute:
                guard let v = number(2), v < 60 else { return nil }
                wall.minute = v
            case .second:
                guard let v = number(2), v <= 60 else { return nil }
                wall.second = v
            case .fraction:
                guard let v = number(3) else { return nil }
                wall.nanosecond = v * 1_000_000
            case .offset:
                guard index < characters.count else { return nil }
                if characters[index] == "Z" {
                    index += 1
                    offset = 0
                } else {
                    let sign = characters[index]
                    guard sign == "+" || sign == "-" else { return nil }
                    index += 1
                    guard let hours = number(2), index < characters.count, characters[index] == ":" else { return nil }
                    index += 1
                    guard let minutes = number(2) else { return nil }
                    offset = (sign == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
                }
            case .literal(let expected):
                guard index < characters.count, characters[index] == expected else { return nil }
                index += 1
            }
        }
        guard index == characters.count else { return nil }
        // Round-trip through the RFC 3339 parser so impossible dates (02-30) are refused the same way.
        let text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d", wall.year, wall.month, wall.day, wall.hour, wall.minute,
            wall.second)
        guard case .wallClock = CarrierTimestamp.parse(text) else { return nil }
        if let offset { return .instant(wall.instant(offsetSeconds: offset), offsetSeconds: offset) }
        return .wallClock(wall)
    }
}
