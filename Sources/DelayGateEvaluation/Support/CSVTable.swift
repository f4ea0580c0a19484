import Foundation

/// A CSV file read whole (RFC 4180: quoted fields, doubled quotes, CRLF or LF), with its header.
///
/// ```swift
/// let table = try CSVTable(contentsOf: url)
/// let state = table.column("customer_state")
/// for row in table.rows { print(row[state!]) }
/// ```
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]]

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ReadError(description: "cannot read \(url.path): \(error.localizedDescription)")
        }
        var records = Self.parse(data)
        guard !records.isEmpty else { throw ReadError(description: "\(url.path) is empty") }
        header = records.removeFirst()
        rows = records.filter { $0 != [""] }
    }

    /// The index of a column, or nil.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// The indexes of `names`, or an error naming the file and the first missing column.
    public func columns(_ names: [String], file: String) throws -> [Int] {
        try names.map { name in
            guard let index = column(name) else {
                throw ReadError(
                    description: "\(file) has no column '\(name)' (found: \(header.joined(separator: ", ")))")
            }
            return index
        }
    }

    static func parse(_ data: Data) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = data.startIndex
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let newline = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        func endField() {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        while index < data.endIndex {
            let byte = data[index]
            index += 1
            if quoted {
                if byte == quote {
                    if index < data.endIndex, data[index] == quote {
                        field.append(quote)
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case quote: quoted = true
            case comma: endField()
            case cr: continue
            case newline:
                endField()
                records.append(record)
                record.removeAll(keepingCapacity: true)
            default: field.append(byte)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }
}

/// `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`) read as UTC, without calendar objects: Olist's
/// timestamps are naive local times, and every duration is taken on the naive values.
enum NaiveTimestamp {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10 || bytes.count == 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        var seconds = 0
        if bytes.count == 19 {
            guard let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19), hour < 24,
                minute < 60, second < 61
            else { return nil }
            seconds = hour * 3600 + minute * 60 + second
        }
        return Date(timeIntervalSince1970: Double(daysFromCivil(year, month, day) * 86_400 + seconds))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `YYYY-MM` of an instant read as UTC.
    static func month(_ date: Date) -> String {
        let (year, month, _) = civil(date)
        return String(format: "%04d-%02d", year, month)
    }

    /// Year, month and day of an instant read as UTC (H. Hinnant's algorithm).
    static func civil(_ date: Date) -> (year: Int, month: Int, day: Int) {
        let days = Int(floor(date.timeIntervalSince1970 / 86_400))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, dayOfYear - (153 * mp + 2) / 5 + 1)
    }
}
