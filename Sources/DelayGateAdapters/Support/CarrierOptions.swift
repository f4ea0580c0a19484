/// The `options:` section of carrier kinds that read times without offsets and name carriers
/// their own way (AfterShip, 17TRACK).
///
/// ```yaml
/// options:
///   default_time_zone: Asia/Shanghai   # for times without offset whose country has several zones
///   carriers:                          # the vendor's carrier code → DelayGate carrier id
///     china-ems: ems
/// ```
struct CarrierOptions: Decodable {
    var defaultTimeZone: String?
    var carriers: [String: String]?

    enum CodingKeys: String, CodingKey {
        case carriers
        case defaultTimeZone = "default_time_zone"
    }
}
