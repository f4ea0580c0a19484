import DelayGateModel

/// A tracking node as DelayGate's own JSON writes it: read by `canonical-json` (and
/// `POST /v1/events`), written by the API's shipment timeline.
///
/// `{"facility_code": "571WA", "facility_name": "杭州转运中心", "city": "杭州市", "region": "浙江省",
///   "country": "CN", "latitude": 30.27, "longitude": 120.15}`, every member optional.
public struct CanonicalNode: Codable, Sendable, Hashable {
    public var facilityCode: String?
    public var facilityName: String?
    public var city: String?
    public var region: String?
    public var country: String?
    public var latitude: Double?
    public var longitude: Double?

    enum CodingKeys: String, CodingKey {
        case city, region, country, latitude, longitude
        case facilityCode = "facility_code"
        case facilityName = "facility_name"
    }

    public init(_ node: TrackingNode) {
        facilityCode = node.facilityCode
        facilityName = node.facilityName
        city = node.city
        region = node.region
        country = node.country
        latitude = node.coordinates?.latitude
        longitude = node.coordinates?.longitude
    }
}
