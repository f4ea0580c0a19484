/// Where a tracking event happened: the facility and its place.
///
/// Every field is optional because carriers report places at very different precision, from
/// a facility code with coordinates down to a bare city name.
public struct TrackingNode: Hashable, Sendable, Codable {
    /// The carrier's code for the facility (sorting centre, station, customs office).
    public var facilityCode: String?
    /// Human-readable facility name, e.g. `杭州转运中心`.
    public var facilityName: String?
    public var city: String?
    /// Province, state or region, e.g. `浙江省`.
    public var region: String?
    /// ISO 3166-1 alpha-2 country code where known.
    public var country: String?
    public var coordinates: Coordinates?

    public init(
        facilityCode: String? = nil,
        facilityName: String? = nil,
        city: String? = nil,
        region: String? = nil,
        country: String? = nil,
        coordinates: Coordinates? = nil
    ) {
        self.facilityCode = facilityCode
        self.facilityName = facilityName
        self.city = city
        self.region = region
        self.country = country
        self.coordinates = coordinates
    }

    /// The node's identity for learning and feedback: the facility code, else its name, else the city.
    public var identifier: String? { facilityCode ?? facilityName ?? city }

    /// True when the carrier told us nothing about the place.
    public var isEmpty: Bool {
        facilityCode == nil && facilityName == nil && city == nil && region == nil && country == nil
            && coordinates == nil
    }
}

/// A WGS 84 position.
public struct Coordinates: Hashable, Sendable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}
