import DelayGateAdapters
import Foundation
import JWTKit

/// A Google service account key (the JSON file Google issues), and the signed JWT assertions
/// that trade it for OAuth access tokens (RFC 7523; Google's "OAuth 2.0 for server to server").
struct ServiceAccount: Sendable {
    var projectID: String?
    var privateKeyID: String?
    var privateKey: String
    var clientEmail: String
    var tokenURI: String

    private struct File: Decodable {
        var type: String?
        var project_id: String?
        var private_key_id: String?
        var private_key: String
        var client_email: String
        var token_uri: String?
    }

    /// Reads the key file's JSON; error messages never include the key.
    init(json: String) throws(RenderError) {
        guard let file = try? JSONDecoder().decode(File.self, from: Data(json.utf8)) else {
            throw RenderError("not a service account key file (needs private_key and client_email)")
        }
        guard file.type == nil || file.type == "service_account" else {
            throw RenderError("the key file's type is '\(file.type ?? "")', not service_account")
        }
        projectID = file.project_id
        privateKeyID = file.private_key_id
        privateKey = file.private_key
        clientEmail = file.client_email
        tokenURI = file.token_uri ?? "https://oauth2.googleapis.com/token"
    }

    struct AssertionClaims: JWTPayload {
        var iss: IssuerClaim
        var scope: String
        var aud: AudienceClaim
        var iat: IssuedAtClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A token provider that signs a fresh one-hour assertion for each token it fetches.
    func tokenProvider(scope: String, tokenURL: String? = nil) throws -> ClientCredentialsTokenProvider {
        let key = try Insecure.RSA.PrivateKey(pem: privateKey)
        let keys = JWTKeyCollection()
        let kid = privateKeyID.map { JWKIdentifier(string: $0) }
        let audience = tokenURL ?? tokenURI
        let issuer = clientEmail
        let collection = KeyBox(keys: keys, key: key, kid: kid)
        return ClientCredentialsTokenProvider(
            tokenURL: audience,
            grant: .jwtBearer {
                let now = Date()
                return try await collection.sign(
                    AssertionClaims(
                        iss: IssuerClaim(value: issuer), scope: scope, aud: AudienceClaim(value: [audience]),
                        iat: IssuedAtClaim(value: now), exp: ExpirationClaim(value: now.addingTimeInterval(3600))))
            })
    }

    /// Adds the key on first use (the collection is an actor).
    private actor KeyBox {
        let keys: JWTKeyCollection
        let key: Insecure.RSA.PrivateKey
        let kid: JWKIdentifier?
        var added = false

        init(keys: JWTKeyCollection, key: Insecure.RSA.PrivateKey, kid: JWKIdentifier?) {
            self.keys = keys
            self.key = key
            self.kid = kid
        }

        func sign(_ claims: AssertionClaims) async throws -> String {
            if !added {
                await keys.add(rsa: key, digestAlgorithm: .sha256, kid: kid)
                added = true
            }
            return try await keys.sign(claims, kid: kid)
        }
    }
}
