import Foundation

/// The freshness check every timestamped signature scheme shares: a signed time more than the
/// tolerance away from the server's clock is refused (a stale or replayed request, or a sender
/// whose clock is far off).
enum SignedTime {
    /// - Parameter name: how the refusal names the signed time, e.g. `webhook-timestamp`.
    /// - Throws: when `signedAt` is more than `tolerance` from `now`. The message is made without
    ///   trapping whatever the sender put in the header (`t=-9223372036854775808`).
    static func check(_ signedAt: Date, now: Date, tolerance: Duration, name: String) throws(VerificationFailure) {
        let skew = abs(now.timeIntervalSince(signedAt))
        guard skew <= Double(tolerance.components.seconds) else {
            let distance = skew.isFinite && skew < 1e12 ? "\(Int(skew)) s" : "very far"
            throw VerificationFailure(
                "\(name) is \(distance) away from the server's clock (tolerance \(tolerance.components.seconds) s)")
        }
    }
}
