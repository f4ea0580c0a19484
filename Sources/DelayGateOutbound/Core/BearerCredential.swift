import DelayGateAdapters
import DelayGateConfig
import Foundation

/// How a kind that sends `Authorization: Bearer …` gets its token: a fixed one from the
/// environment (`bearer_token: ${VAR}`) or OAuth 2.0 client credentials (`oauth: {…}`).
enum BearerCredential: Sendable {
    /// The token's variable (or the OAuth client's secret) is unset.
    case unset
    case fixed(String)
    case oauth(any AccessTokenSource)

    /// Reads `bearer_token` / `oauth` of a section at `key`; nil when neither is given.
    /// - Throws: when both are given.
    static func read(
        bearerToken: SecretReference?, oauth: OAuthClientSettings?, file: AdapterFile, key: String,
        environment: [String: String], missing: inout [String]
    ) throws(ConfigError) -> BearerCredential? {
        switch (bearerToken, oauth) {
        case (nil, nil):
            return nil
        case (let token?, nil):
            return OutboundSettings.secret(token, environment, missing: &missing).map(BearerCredential.fixed) ?? .unset
        case (nil, let oauth?):
            let (tokens, absent) = try oauth.provider(file: file, key: "\(key).oauth", environment: environment)
            missing += absent
            return tokens.map(BearerCredential.oauth) ?? .unset
        default:
            throw ConfigError(file: file.path, key: key, message: "give only one of bearer_token or oauth")
        }
    }

    /// Sets a fixed token on `request`; returns the token source the delivery fetches OAuth tokens
    /// from (nil for a fixed token), or nil with `ready` false while a secret is unset.
    func apply(to request: inout OutboundRequest) -> (ready: Bool, tokens: (any AccessTokenSource)?) {
        switch self {
        case .unset: return (false, nil)
        case .fixed(let token):
            request.setHeader("Authorization", "Bearer \(token)")
            return (true, nil)
        case .oauth(let source): return (true, source)
        }
    }
}
