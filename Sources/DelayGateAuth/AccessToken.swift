import Foundation
import JWTKit

/// The claims of an access token, as RFC 9068 (JWT profile for OAuth 2.0 access tokens) lists them.
public struct AccessTokenClaims: JWTPayload, Sendable, Hashable {
    public var iss: String
    /// The client, for the client-credentials grant (no user is involved).
    public var sub: String
    public var aud: String
    public var clientID: String
    /// Space-separated, as in the token response.
    public var scope: String
    public var iat: Int
    public var exp: Int
    public var jti: String

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, scope, iat, exp, jti
        case clientID = "client_id"
    }

    public var scopes: Set<String> { Set(scope.split(separator: " ").map(String.init)) }

    /// Time checks are the verifier's, against its own clock; jwt-kit checks the signature only.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// ES256 keys in PEM.
enum ES256Keys {
    static func privateKey(pem: String) throws -> ES256PrivateKey {
        try ES256PrivateKey(pem: pem)
    }
}

/// The keys of `signing_keys`: one signs, all that are set and not retired verify.
struct KeySet: Sendable {
    let collection: JWTKeyCollection
    /// The key that signs new tokens, when its secret is set.
    let signer: OAuthSettings.SigningKey?
    /// Retirement time by kid, for every usable key.
    let retireAt: [String: Date?]
    /// The public half of the ES256 keys, as a JWK Set.
    let jwks: [[String: String]]

    static func make(_ keys: [OAuthSettings.SigningKey]) async throws -> KeySet {
        let collection = JWTKeyCollection()
        var retireAt: [String: Date?] = [:]
        var jwks: [[String: String]] = []
        for key in keys {
            guard let material = key.material else { continue }
            let kid = JWKIdentifier(string: key.kid)
            switch material {
            case .secret(let bytes):
                await collection.add(hmac: HMACKey(from: bytes), digestAlgorithm: .sha256, kid: kid)
            case .privateKeyPEM(let pem):
                let privateKey = try ES256Keys.privateKey(pem: pem)
                await collection.add(ecdsa: privateKey, kid: kid)
                if let parameters = privateKey.publicKey.parameters {
                    jwks.append([
                        "kty": "EC", "crv": "P-256", "x": parameters.x, "y": parameters.y, "kid": key.kid,
                        "use": "sig", "alg": "ES256",
                    ])
                }
            }
            retireAt[key.kid] = key.retireAt
        }
        return KeySet(
            collection: collection, signer: keys.first { !$0.verifyOnly && $0.material != nil }, retireAt: retireAt,
            jwks: jwks)
    }

    /// The `kid` in a token's protected header, read before its signature is checked.
    static func kid(of token: String) -> String? {
        guard let header = token.split(separator: ".", maxSplits: 1).first,
            let bytes = Base64URL.decode(String(header)),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}
