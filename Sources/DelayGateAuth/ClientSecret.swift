import Crypto
import CryptoExtras
import Foundation

/// A client secret as it is kept in configuration: PBKDF2-HMAC-SHA256 with a random salt, written
/// `pbkdf2-sha256$<rounds>$<salt>$<hash>` (salt and hash in unpadded base64url). The secret itself
/// is shown once, when `delaygate clients create` makes it, and is stored nowhere.
///
/// ```swift
/// let (secret, hash) = try ClientSecretHash.generate()
/// hash.matches(secret)  // true
/// ```
public struct ClientSecretHash: Sendable, Hashable, CustomStringConvertible {
    public static let scheme = "pbkdf2-sha256"
    /// OWASP's floor for PBKDF2-HMAC-SHA256 in 2023 was 600,000; swift-crypto refuses fewer than 210,000.
    public static let defaultRounds = 600_000

    public let rounds: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// Reads the stored form; nil when it is not `pbkdf2-sha256$rounds$salt$hash`.
    public init?(encoded: String) {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Self.scheme, let rounds = Int(parts[1]), rounds >= 210_000,
            let salt = Base64URL.decode(String(parts[2])), salt.count >= 16,
            let hash = Base64URL.decode(String(parts[3])), hash.count == 32
        else { return nil }
        self.rounds = rounds
        self.salt = salt
        self.hash = hash
    }

    /// Hashes `secret` with a fresh random salt.
    public init(hashing secret: String, rounds: Int = ClientSecretHash.defaultRounds) throws {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        self.rounds = rounds
        self.salt = salt
        self.hash = try Self.derive(secret, salt: salt, rounds: rounds)
    }

    /// A new random secret (32 bytes, base64url) and its hash.
    public static func generate(rounds: Int = ClientSecretHash.defaultRounds) throws -> (
        secret: String, hash: ClientSecretHash
    ) {
        let secret = Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        return (secret, try ClientSecretHash(hashing: secret, rounds: rounds))
    }

    /// Whether `secret` is the one this hash was made from; compares in constant time.
    public func matches(_ secret: String) -> Bool {
        guard let derived = try? Self.derive(secret, salt: salt, rounds: rounds) else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(derived, hash) { difference |= left ^ right }
        return difference == 0 && derived.count == hash.count
    }

    /// The stored form.
    public var description: String {
        "\(Self.scheme)$\(rounds)$\(Base64URL.encode(salt))$\(Base64URL.encode(hash))"
    }

    static func derive(_ secret: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(secret.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds
        ).withUnsafeBytes { Array($0) }
    }
}

/// Unpadded base64url (RFC 4648 §5), as JOSE and the stored secret hashes use it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
