import Foundation

/// China Standard Time (UTC+8, no daylight saving): the network's only clock.
enum ShanghaiTime {
    static let offsetSeconds = 28_800

    /// Local calendar day number (days since 1970-01-01 in +08:00) of an epoch second.
    static func localDay(epochSeconds: Int64) -> Int64 {
        floorDivide(epochSeconds + Int64(offsetSeconds), 86_400)
    }

    /// Epoch second of 00:00 +08:00 on local day `day`.
    static func startOfLocalDay(_ day: Int64) -> Int64 {
        day * 86_400 - Int64(offsetSeconds)
    }

    /// Epoch second of 00:00 +08:00 of the local day containing `epochSeconds`.
    static func startOfDay(epochSeconds: Int64) -> Int64 {
        startOfLocalDay(localDay(epochSeconds: epochSeconds))
    }

    /// Epoch second of 00:00 +08:00 on a civil date.
    static func epochSeconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0) -> Int64 {
        Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60)
            - Int64(offsetSeconds)
    }

    /// The date at 00:00 +08:00 on a civil date.
    static func date(year: Int, month: Int, day: Int, hour: Int = 0) -> Date {
        Date(timeIntervalSince1970: Double(epochSeconds(year: year, month: month, day: day, hour: hour)))
    }

    /// Civil date of local day `day`.
    static func civil(localDay day: Int64) -> (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = day + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yearOfEra + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `2026-11-11T08:30:00+08:00` for an epoch second, appended as UTF-8.
    static func appendRFC3339(epochSeconds: Int64, to bytes: inout [UInt8]) {
        let local = epochSeconds + Int64(offsetSeconds)
        let day = floorDivide(local, 86_400)
        let secondOfDay = Int(local - day * 86_400)
        let (y, m, d) = civil(localDay: day)
        appendDate(year: y, month: m, day: d, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendTwoDigits(secondOfDay / 3600, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay / 60 % 60, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay % 60, to: &bytes)
        bytes.append(contentsOf: "+08:00".utf8)
    }

    /// `2026-11-11`: the local calendar date of an epoch second.
    static func appendLocalDate(epochSeconds: Int64, to bytes: inout [UInt8]) {
        let (y, m, d) = civil(localDay: localDay(epochSeconds: epochSeconds))
        appendDate(year: y, month: m, day: d, to: &bytes)
    }

    static func rfc3339(_ date: Date) -> String {
        var bytes: [UInt8] = []
        appendRFC3339(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func localDate(_ date: Date) -> String {
        var bytes: [UInt8] = []
        appendLocalDate(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendDate(year: Int, month: Int, day: Int, to bytes: inout [UInt8]) {
        appendTwoDigits(year / 100, to: &bytes)
        appendTwoDigits(year % 100, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(month, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendTwoDigits(day, to: &bytes)
    }

    private static func appendTwoDigits(_ value: Int, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }
}

func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
