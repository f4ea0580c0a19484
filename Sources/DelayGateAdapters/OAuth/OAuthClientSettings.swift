import DelayGateConfig

/// OAuth 2.0 client-credentials settings as adapter files write them (`auth:` of `erp-poll`,
/// `auth.oauth` of the outbound kinds): the token URL, the client id, the secret by variable
/// name, and an optional scope.
public struct OAuthClientSettings: Decodable, Sendable, Hashable {
    public var tokenURL: String
    public var clientID: String
    public var clientSecret: SecretReference
    public var scope: String?

    enum CodingKeys: String, CodingKey {
        case scope
        case tokenURL = "token_url"
        case clientID = "client_id"
        case clientSecret = "client_secret"
    }
}
