import Foundation

/// A date and time of day as printed on a carrier's scan, without a zone.
public struct WallClockTime: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var nanosecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// Seconds since 1970-01-01T00:00:00 if this wall time were UTC.
    var secondsAsIfUTC: Int64 {
        Int64(Self.daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The instant this wall time denotes at a fixed UTC offset.
    public func instant(offsetSeconds: Int) -> Date {
        let seconds = secondsAsIfUTC - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanosecond) / 1e9)
    }

    /// The instant this wall time denotes in `zone`, following its daylight-saving rules.
    public func instant(in zone: TimeZone) -> Date {
        let naive = Date(timeIntervalSince1970: Double(secondsAsIfUTC))
        let firstGuess = zone.secondsFromGMT(for: naive)
        var offset = firstGuess
        let corrected = zone.secondsFromGMT(for: naive.addingTimeInterval(-Double(firstGuess)))
        if corrected != firstGuess { offset = corrected }
        return instant(offsetSeconds: offset)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// A carrier time stamp: either an instant (it carried an offset) or wall-clock time only.
public enum CarrierTimestamp: Hashable, Sendable {
    case instant(Date, offsetSeconds: Int)
    case wallClock(WallClockTime)

    /// Parses the ISO 8601 / RFC 3339 family carriers use:
    /// `2026-11-11T08:30:00+08:00`, `2026-11-11T00:30:00Z`, `2026-11-11T08:30:00.123+0800`,
    /// `2026-11-11 08:30:00` (no offset: wall-clock), `2026-11-11T08:30` (seconds omitted).
    ///
    /// Returns nil for anything else, including impossible dates such as `2026-02-30`.
    public static func parse(_ text: String) -> CarrierTimestamp? {
        var parser = Parser(Array(text.utf8))
        return parser.parse()
    }

    /// Resolves to an ``EventTime``: explicit offsets win; wall-clock time is placed in the zone
    /// inferred from the location when there is one, else in the assumed zone.
    public func resolve(inferredZone: TimeZone?, assumedZone: TimeZone) -> EventTime {
        switch self {
        case .instant(let date, let offset):
            return EventTime(instant: date, source: .explicitOffset(seconds: offset))
        case .wallClock(let wall):
            if let zone = inferredZone {
                return EventTime(instant: wall.instant(in: zone), source: .inferredFromLocation(zone: zone.identifier))
            }
            return EventTime(instant: wall.instant(in: assumedZone), source: .assumedZone(zone: assumedZone.identifier))
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func parse() -> CarrierTimestamp? {
            guard let year = digits(4), expect(UInt8(ascii: "-")),
                let month = digits(2), expect(UInt8(ascii: "-")),
                let day = digits(2)
            else { return nil }
            guard (1...12).contains(month), day >= 1, day <= WallClockTime.daysInMonth(year: year, month: month)
            else { return nil }
            guard index < bytes.count,
                bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: "t")
                    || bytes[index] == UInt8(ascii: " ")
            else { return nil }
            index += 1
            guard let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2) else { return nil }
            var second = 0
            var nanosecond = 0
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                index += 1
                guard let s = digits(2) else { return nil }
                second = s
                if index < bytes.count, bytes[index] == UInt8(ascii: ".") || bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    var scale = 100_000_000
                    var count = 0
                    while index < bytes.count, let d = digit(bytes[index]) {
                        if scale > 0 {
                            nanosecond += d * scale
                            scale /= 10
                        }
                        index += 1
                        count += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
            // 24:00 is not accepted; 60 allows a leap second to parse (folded into the next minute).
            guard hour < 24, minute < 60, second <= 60 else { return nil }
            let wall = WallClockTime(
                year: year, month: month, day: day, hour: hour, minute: minute, second: second, nanosecond: nanosecond)
            if index == bytes.count { return .wallClock(wall) }
            guard let offset = parseOffset(), index == bytes.count else { return nil }
            return .instant(wall.instant(offsetSeconds: offset), offsetSeconds: offset)
        }

        private mutating func parseOffset() -> Int? {
            let c = bytes[index]
            if c == UInt8(ascii: "Z") || c == UInt8(ascii: "z") {
                index += 1
                return 0
            }
            guard c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else { return nil }
            index += 1
            guard let hours = digits(2) else { return nil }
            var minutes = 0
            if index < bytes.count {
                if bytes[index] == UInt8(ascii: ":") { index += 1 }
                guard let m = digits(2) else { return nil }
                minutes = m
            }
            guard hours <= 18, minutes < 60 else { return nil }
            let magnitude = hours * 3600 + minutes * 60
            return c == UInt8(ascii: "-") ? -magnitude : magnitude
        }

        private mutating func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var value = 0
            for i in index..<(index + count) {
                guard let d = digit(bytes[i]) else { return nil }
                value = value * 10 + d
            }
            index += count
            return value
        }

        private mutating func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private func digit(_ byte: UInt8) -> Int? {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
        }
    }
}
