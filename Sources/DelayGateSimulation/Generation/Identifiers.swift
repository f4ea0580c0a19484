import DelayGateModel
import Foundation

/// Tracking numbers and order ids, rebuilt from compact numbers.
///
/// A carrier's tracking numbers all have the same length and prefix, and serials grow with the
/// order index, so ordering parcels by (carrier index, order index) is ordering them by
/// (carrier id, tracking number).
struct Identifiers: Sendable {
    let carriers: [SimulatedCarrier]
    /// The number of each carrier's serial 0 (seed-dependent, so two runs with different seeds
    /// can share a gateway without their tracking numbers colliding).
    let firstNumbers: [UInt64]

    init(carriers: [SimulatedCarrier], seed: UInt64) {
        self.carriers = carriers
        let offset = SplitMix64.mix(seed, 0x7EAC) % 50_000 * 1_000_000
        firstNumbers = carriers.map { carrier in
            switch carrier.id {
            case "jd": 20_000_000_000 + offset
            case "sf-express": 1_400_000_000_000 + offset
            case "yto": 7_500_000_000_000 + offset
            case "yunda": 4_300_000_000_000 + offset
            default: 75_000_000_000_000 + offset
            }
        }
    }

    func trackingNumber(carrier: Int, sequence: UInt32) -> String {
        let spec = carriers[carrier]
        var bytes = Array(spec.trackingPrefix.utf8)
        var number = firstNumbers[carrier] + UInt64(sequence)
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: spec.trackingDigits)
        var i = digits.count - 1
        while number > 0, i >= 0 {
            digits[i] = UInt8(ascii: "0") + UInt8(number % 10)
            number /= 10
            i -= 1
        }
        bytes += digits
        return String(decoding: bytes, as: UTF8.self)
    }

    func shipmentKey(carrier: Int, sequence: UInt32) -> ShipmentKey {
        ShipmentKey(carrier: carriers[carrier].id, trackingNumber: trackingNumber(carrier: carrier, sequence: sequence))
    }

    /// The carrier index and serial of a tracking number this simulation issued.
    func parse(_ key: ShipmentKey) -> (carrier: Int, sequence: UInt32)? {
        guard let carrier = carriers.firstIndex(where: { $0.id == key.carrier }) else { return nil }
        let spec = carriers[carrier]
        let text = key.trackingNumber
        guard text.utf8.count == spec.trackingPrefix.utf8.count + spec.trackingDigits,
            text.hasPrefix(spec.trackingPrefix),
            let number = UInt64(text.dropFirst(spec.trackingPrefix.count)),
            number >= firstNumbers[carrier], number - firstNumbers[carrier] <= UInt64(UInt32.max)
        else { return nil }
        return (carrier, UInt32(number - firstNumbers[carrier]))
    }

    /// `SO-20261120-0000042` (`RT-…` for returns): the creation day and the order's number that day.
    func orderID(createdAt epochSeconds: Int64, number: UInt32, isReturn: Bool) -> String {
        var bytes = Array((isReturn ? "RT-" : "SO-").utf8)
        var date: [UInt8] = []
        ShanghaiTime.appendLocalDate(epochSeconds: epochSeconds, to: &date)
        bytes += date.filter { $0 != UInt8(ascii: "-") }
        bytes.append(UInt8(ascii: "-"))
        let digits = String(number)
        if digits.count < 7 { bytes += Array(repeating: UInt8(ascii: "0"), count: 7 - digits.count) }
        bytes += Array(digits.utf8)
        return String(decoding: bytes, as: UTF8.self)
    }
}
