/// How configured region names meet the names carriers and orders send: configuration says
/// `浙江`, `上海`, `广西`; data says `浙江省`, `上海市`, `广西壮族自治区`. A configured name matches the
/// same name, or the name followed by a suffix.
///
/// ```swift
/// RegionName.matches("浙江", "浙江省")   // true
/// RegionName.matches("江西", "浙江省")   // false
/// ```
public enum RegionName {
    public static func matches(_ configured: String, _ actual: String) -> Bool {
        !configured.isEmpty && actual.hasPrefix(configured)
    }

    /// The entry of `table` whose configured name matches `actual`, preferring an exact one.
    public static func lookup<Value>(_ actual: String, in table: [String: Value]) -> Value? {
        if let exact = table[actual] { return exact }
        return table.first { matches($0.key, actual) }?.value
    }
}
