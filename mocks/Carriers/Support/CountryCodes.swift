/// ISO 3166-1 alpha-2 → alpha-3, for vendors that write three-letter codes (AfterShip's
/// `country_iso3`). Covers the countries DelayGate's time-zone inference knows and the usual
/// cross-border ones; any other code is sent as it is.
enum CountryCodes {
    static func alpha3(_ code: String?) -> String? {
        guard let code else { return nil }
        let upper = code.uppercased()
        return upper.count == 2 ? table[upper] ?? upper : upper
    }

    private static let table: [String: String] = [
        "CN": "CHN", "HK": "HKG", "MO": "MAC", "TW": "TWN", "JP": "JPN", "KR": "KOR", "SG": "SGP",
        "MY": "MYS", "TH": "THA", "VN": "VNM", "PH": "PHL", "IN": "IND", "AE": "ARE", "SA": "SAU",
        "IL": "ISR", "TR": "TUR", "GB": "GBR", "IE": "IRL", "DE": "DEU", "FR": "FRA", "NL": "NLD",
        "BE": "BEL", "IT": "ITA", "CH": "CHE", "AT": "AUT", "PL": "POL", "CZ": "CZE", "SE": "SWE",
        "NO": "NOR", "DK": "DNK", "FI": "FIN", "GR": "GRC", "HU": "HUN", "RO": "ROU", "ZA": "ZAF",
        "EG": "EGY", "NG": "NGA", "KE": "KEN", "CO": "COL", "PE": "PER", "US": "USA", "CA": "CAN",
        "BR": "BRA", "RU": "RUS", "AU": "AUS", "MX": "MEX", "ID": "IDN", "ES": "ESP", "PT": "PRT",
    ]
}
