import DelayGateConfig
import Foundation

/// Reads an IANA zone option of an adapter file, with an error naming the key.
enum ZoneOption {
    static func zone(_ name: String?, default fallback: String, file: AdapterFile, key: String) throws(ConfigError)
        -> TimeZone
    {
        let identifier = name ?? fallback
        guard let zone = TimeZone(identifier: identifier) else {
            throw ConfigError(
                file: file.path, key: key, message: "'\(identifier)' is not an IANA time zone such as Asia/Shanghai")
        }
        return zone
    }
}
