import Foundation

/// Infers a parcel scan's time zone from where it happened, for carriers that send wall-clock
/// time only.
///
/// Only places that lie in a single zone are inferred (China, Japan, Germany, …). A country
/// spanning several zones (the United States, Brazil, Russia, …) is not inferred from the
/// country alone; callers then fall back to the adapter's assumed zone and record that.
public enum TimeZoneInference {
    /// The zone of a single-zone country, given its ISO 3166-1 alpha-2 or alpha-3 code or its
    /// common Chinese name; nil when the country is unknown or spans several zones.
    public static func zone(forCountry country: String?) -> TimeZone? {
        guard let country, !country.isEmpty else { return nil }
        let code = normalizedCountryCode(country)
        guard let identifier = singleZoneCountries[code] else { return nil }
        return TimeZone(identifier: identifier)
    }

    /// An ISO 3166-1 alpha-2 code for an alpha-2, alpha-3 or Chinese country name, uppercased;
    /// the input uppercased when it is none of these.
    public static func normalizedCountryCode(_ country: String) -> String {
        let trimmed = String(country.trimmingWhitespace())
        if let code = chineseNames[trimmed] { return code }
        let upper = trimmed.uppercased()
        if upper.count == 3, let code = alpha3[upper] { return code }
        return upper
    }

    private static let singleZoneCountries: [String: String] = [
        "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "MO": "Asia/Macau", "TW": "Asia/Taipei",
        "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "SG": "Asia/Singapore", "MY": "Asia/Kuala_Lumpur",
        "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh", "PH": "Asia/Manila", "IN": "Asia/Kolkata",
        "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "IL": "Asia/Jerusalem", "TR": "Europe/Istanbul",
        "GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "FR": "Europe/Paris",
        "NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "IT": "Europe/Rome", "CH": "Europe/Zurich",
        "AT": "Europe/Vienna", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SE": "Europe/Stockholm",
        "NO": "Europe/Oslo", "DK": "Europe/Copenhagen", "FI": "Europe/Helsinki", "GR": "Europe/Athens",
        "HU": "Europe/Budapest", "RO": "Europe/Bucharest", "ZA": "Africa/Johannesburg", "EG": "Africa/Cairo",
        "NG": "Africa/Lagos", "KE": "Africa/Nairobi", "CO": "America/Bogota", "PE": "America/Lima",
    ]

    private static let alpha3: [String: String] = [
        "CHN": "CN", "HKG": "HK", "MAC": "MO", "TWN": "TW", "JPN": "JP", "KOR": "KR", "SGP": "SG",
        "MYS": "MY", "THA": "TH", "VNM": "VN", "PHL": "PH", "IND": "IN", "ARE": "AE", "SAU": "SA",
        "ISR": "IL", "TUR": "TR", "GBR": "GB", "IRL": "IE", "DEU": "DE", "FRA": "FR", "NLD": "NL",
        "BEL": "BE", "ITA": "IT", "CHE": "CH", "AUT": "AT", "POL": "PL", "CZE": "CZ", "SWE": "SE",
        "NOR": "NO", "DNK": "DK", "FIN": "FI", "GRC": "GR", "HUN": "HU", "ROU": "RO", "ZAF": "ZA",
        "EGY": "EG", "NGA": "NG", "KEN": "KE", "COL": "CO", "PER": "PE", "USA": "US", "CAN": "CA",
        "BRA": "BR", "RUS": "RU", "AUS": "AU", "MEX": "MX", "IDN": "ID", "ESP": "ES", "PRT": "PT",
    ]

    private static let chineseNames: [String: String] = [
        "中国": "CN", "中国大陆": "CN", "中华人民共和国": "CN", "香港": "HK", "中国香港": "HK",
        "澳门": "MO", "中国澳门": "MO", "台湾": "TW", "中国台湾": "TW", "日本": "JP", "韩国": "KR",
        "新加坡": "SG", "马来西亚": "MY", "泰国": "TH", "越南": "VN", "英国": "GB", "德国": "DE",
        "法国": "FR", "美国": "US",
    ]
}
