import Foundation

/// The database stores instants as integer milliseconds since 1970 UTC: compact, sortable and
/// free of zone ambiguity.
extension Date {
    /// Milliseconds since 1970-01-01T00:00:00Z, rounded.
    public var millisecondsSince1970: Int64 {
        Int64((timeIntervalSince1970 * 1000).rounded())
    }

    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
