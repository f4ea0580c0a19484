import Crypto
import DelayGateModel
import Foundation
import HTTPTypes

/// `Authorization: Basic` with a fixed user name and a password from the environment.
public struct BasicAuthVerifier: RequestVerifier {
    public let username: String
    let passwords: [String]
    public let missingSecrets: [String]

    public init(username: String, passwords: SecretPair) {
        self.username = username
        self.passwords = passwords.values
        self.missingSecrets = passwords.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)))
        else {
            throw VerificationFailure("missing Authorization: Basic credentials")
        }
        let presented = Array(decoded)
        for password in passwords where ConstantTime.equals(presented, Array("\(username):\(password)".utf8)) {
            return
        }
        throw VerificationFailure("the Basic credentials are not valid")
    }
}

/// `Authorization: Bearer <token>` with the token from the environment.
public struct BearerTokenVerifier: RequestVerifier {
    let tokens: [String]
    public let missingSecrets: [String]

    public init(tokens: SecretPair) {
        self.tokens = tokens.values
        self.missingSecrets = tokens.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw VerificationFailure("missing Authorization: Bearer token")
        }
        let presented = Array(header.dropFirst(7).trimmingWhitespace().utf8)
        for token in tokens where ConstantTime.equals(presented, Array(token.utf8)) {
            return
        }
        throw VerificationFailure("the bearer token is not valid")
    }
}

/// A header holding the hex SHA-256 of the body followed by a separator and the secret — a plain
/// hash, not an HMAC, as 17TRACK signs its pushes (`sign: sha256(body + "/" + key)`).
public struct SuffixedSHA256Verifier: RequestVerifier {
    public let header: HTTPField.Name
    public let separator: String
    let secrets: [String]
    public let missingSecrets: [String]

    public init(header: HTTPField.Name, separator: String, secrets: SecretPair) {
        self.header = header
        self.separator = separator
        self.secrets = secrets.values
        self.missingSecrets = secrets.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let value = request.headers[header], let presented = Hex.decode(value.trimmingWhitespace()),
            presented.count == SHA256.byteCount
        else {
            throw VerificationFailure("missing or malformed \(header.canonicalName) header")
        }
        for secret in secrets {
            // SHA256Digest compares with data in constant time.
            if Self.digest(body: request.body, separator: separator, secret: secret) == presented { return }
        }
        throw VerificationFailure("\(header.canonicalName) does not match the body")
    }

    static func digest(body: Data, separator: String, secret: String) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(data: body)
        hasher.update(data: Data((separator + secret).utf8))
        return hasher.finalize()
    }

    /// The header value for `body` (for tests, mocks and the demo).
    public static func sign(body: Data, separator: String = "/", secret: String) -> String {
        Hex.encode(Data(digest(body: body, separator: separator, secret: secret)))
    }
}
