import DelayGateModel
import Foundation

/// Times as vendors print them, computed by hand from the Unix time so that rendering needs no
/// formatter (not thread-safe on every platform) and is exact to the second.
///
/// Every form truncates to whole seconds: no vendor here sends fractions.
enum WireTime {
    /// `2024-05-18T16:42:11+08:00`; with `zulu`, a zero offset is written `Z` (EasyPost, 17TRACK's `time_utc`).
    static func rfc3339(_ date: Date, offset: Int, zulu: Bool = false) -> String {
        let c = components(date, offset: offset)
        let suffix = zulu && offset == 0 ? "Z" : offsetText(offset)
        return "\(c.date)T\(c.time)\(suffix)"
    }

    /// `2024-05-18 16:42:11`, wall-clock time at `offset` (Kdniao's `AcceptTime`).
    static func wallClock(_ date: Date, offset: Int) -> String {
        let c = components(date, offset: offset)
        return "\(c.date) \(c.time)"
    }

    /// The date and the time of day at `offset`, separately (`2024-05-18`, `16:42:11`).
    static func components(_ date: Date, offset: Int) -> (date: String, time: String) {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(offset)
        let days = Int(local.floorDivided(by: 86_400))
        let seconds = Int(local - Int64(days) * 86_400)
        let (year, month, day) = civil(fromDays: days)
        return (
            pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2),
            pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        )
    }

    /// Whether `date` is midnight at `offset` (a date-only value such as a promised delivery day).
    static func isMidnight(_ date: Date, offset: Int) -> Bool {
        let local = date.timeIntervalSince1970 + Double(offset)
        return local == (local / 86_400).rounded(.down) * 86_400
    }

    /// `+08:00`, `-07:00`, `+00:00`.
    static func offsetText(_ seconds: Int) -> String {
        let magnitude = abs(seconds)
        return (seconds < 0 ? "-" : "+") + pad(magnitude / 3600, 2) + ":" + pad(magnitude / 60 % 60, 2)
    }

    /// The UTC offset an event's time was (or would have been) printed with: the offset it came
    /// with, or its zone's offset at that instant.
    static func offset(of time: EventTime) -> Int {
        switch time.source {
        case .explicitOffset(let seconds): seconds
        case .inferredFromLocation(let zone), .assumedZone(let zone):
            TimeZone(identifier: zone)?.secondsFromGMT(for: time.instant) ?? 0
        }
    }

    /// The IANA zone an event's time names, if any.
    static func zoneName(of time: EventTime) -> String? {
        switch time.source {
        case .explicitOffset: nil
        case .inferredFromLocation(let zone), .assumedZone(let zone): zone
        }
    }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
    private static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension Int64 {
    /// Division rounding towards negative infinity (times before 1970 stay on the right day).
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
