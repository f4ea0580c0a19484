import Crypto
import DelayGateModel
import Foundation
import HTTPTypes

/// A header carrying an HMAC-SHA256 of the raw body, in hex or Base64, optionally behind a
/// prefix: AfterShip (`aftership-hmac-sha256: <base64>`), EasyPost
/// (`X-Hmac-Signature: hmac-sha256-hex=<hex>`), and the JSON-mapping kind's `hmac-sha256` scheme.
public struct HMACHeaderVerifier: RequestVerifier {
    public enum Encoding: String, Sendable, Hashable, Decodable {
        case hex, base64
    }

    public let header: HTTPField.Name
    public let encoding: Encoding
    public let prefix: String
    let keys: [SymmetricKey]
    public let missingSecrets: [String]

    /// - Parameter normalizeKey: how the secret text becomes key bytes (EasyPost applies NFKD).
    public init(
        header: HTTPField.Name,
        encoding: Encoding,
        prefix: String = "",
        secrets: SecretPair,
        normalizeKey: @Sendable (String) -> String = { $0 }
    ) {
        self.header = header
        self.encoding = encoding
        self.prefix = prefix
        self.keys = secrets.values.map { SymmetricKey(data: Data(normalizeKey($0).utf8)) }
        self.missingSecrets = secrets.missingVariables
    }

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        guard let value = request.headers[header], !value.isEmpty else {
            throw VerificationFailure("missing \(header.canonicalName) header")
        }
        let trimmed = value.trimmingWhitespace()
        guard trimmed.hasPrefix(prefix) else {
            throw VerificationFailure("\(header.canonicalName) does not start with '\(prefix)'")
        }
        let encoded = trimmed.dropFirst(prefix.count)
        let signature: Data? =
            switch encoding {
            case .hex: Hex.decode(encoded)
            case .base64: Data(base64Encoded: String(encoded))
            }
        if let signature, signature.count == SHA256.byteCount {
            for key in keys
            where HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: request.body, using: key) {
                return
            }
        }
        throw VerificationFailure("\(header.canonicalName) does not match the body")
    }

    /// The header value for `body` signed with `secret` (for tests, mocks and the demo).
    public static func sign(body: Data, secret: String, encoding: Encoding, prefix: String = "") -> String {
        let code = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8))))
        return prefix + (encoding == .hex ? Hex.encode(code) : code.base64EncodedString())
    }
}
