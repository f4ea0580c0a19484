import Foundation

/// A small JSON writer over a byte buffer: fast enough to encode millions of events, and it
/// writes times as DelayGate's formats want them (`+08:00`).
struct JSONBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    /// `"name":`
    mutating func key(_ name: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case UInt8(ascii: "\n"): raw("\\n")
            case UInt8(ascii: "\r"): raw("\\r")
            case UInt8(ascii: "\t"): raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    mutating func int(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Shortest round-tripping decimal.
    mutating func double(_ value: Double) {
        if value == value.rounded(), abs(value) < 1e15 {
            int(Int64(value))
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    /// `"2026-11-11T08:30:00+08:00"`
    mutating func time(epochSeconds: Int64) {
        bytes.append(UInt8(ascii: "\""))
        ShanghaiTime.appendRFC3339(epochSeconds: epochSeconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func time(_ date: Date) {
        time(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// `"2026-11-14"`: the local (+08:00) calendar date.
    mutating func localDate(_ date: Date) {
        bytes.append(UInt8(ascii: "\""))
        ShanghaiTime.appendLocalDate(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)), to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A money amount exact to the cent, as a string (`"1299.50"`).
    mutating func amount(_ amount: Decimal) {
        var value = amount
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 2, .plain)
        let cents = NSDecimalNumber(decimal: rounded * 100).int64Value
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        let fraction = magnitude % 100
        string("\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)")
    }

    mutating func stringArray(_ values: [String]) {
        bytes.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            string(value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    var data: Data { Data(bytes) }
}
