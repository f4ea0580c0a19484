import Foundation

/// Checks that a request comes from who it claims to: one scheme per vendor (or per
/// configuration, for the JSON-mapping kind).
///
/// Every implementation compares in constant time and accepts the previous secret of a
/// ``SecretPair`` while a rotation is under way.
public protocol RequestVerifier: Sendable {
    /// Environment variables the scheme needs but which are unset (the adapter answers 503).
    var missingSecrets: [String] { get }

    func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure)
}

/// Constant-time comparison of secrets and signatures that are not HMAC codes.
public enum ConstantTime {
    /// Whether two byte strings are equal, taking the same time wherever they differ.
    public static func equals<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        var left = a.makeIterator()
        var right = b.makeIterator()
        // Walk the longer input so the time depends on the lengths only.
        for _ in 0..<max(a.count, b.count) {
            difference |= (left.next() ?? 0) ^ (right.next() ?? 0xFF)
        }
        return difference == 0 && a.count == b.count
    }
}
