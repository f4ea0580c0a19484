import DelayGateAdapters
import DelayGateConfig
import Foundation

extension OAuthClientSettings {
    /// A cached token provider, or nil with the missing variable when the secret is unset.
    func provider(file: AdapterFile, key: String, environment: [String: String]) throws(ConfigError) -> (
        (any AccessTokenSource)?, missing: [String]
    ) {
        try OutboundSettings.requireHTTPURL(tokenURL, file: file, key: "\(key).token_url")
        guard let secret = clientSecret.value(in: environment) else { return (nil, [clientSecret.variable]) }
        return (
            ClientCredentialsTokenProvider(
                tokenURL: tokenURL, clientID: clientID, clientSecret: secret, scope: scope), []
        )
    }
}

/// Checks shared by every outbound kind.
enum OutboundSettings {
    static func requireHTTPURL(_ url: String, file: AdapterFile, key: String) throws(ConfigError) {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
            throw ConfigError(file: file.path, key: key, message: "'\(url)' is not an http(s) URL")
        }
    }

    /// `concurrency:`, 1 to 256, default 8.
    static func concurrency(_ value: Int?, file: AdapterFile) throws(ConfigError) -> Int {
        let concurrency = value ?? 8
        guard (1...256).contains(concurrency) else {
            throw ConfigError(file: file.path, key: "concurrency", message: "expected 1 to 256, found \(concurrency)")
        }
        return concurrency
    }

    /// The URL without a trailing slash.
    static func base(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// A secret's value, or nil plus its variable for `missingSecrets`.
    static func secret(_ reference: SecretReference?, _ environment: [String: String], missing: inout [String])
        -> String?
    {
        guard let reference else { return nil }
        guard let value = reference.value(in: environment) else {
            missing.append(reference.variable)
            return nil
        }
        return value
    }
}

/// An adapter whose secret is unset waits: its deliveries stay in the outbox and are tried again later.
func waitingForSecrets(_ missing: [String]) -> DeliveryOutcome {
    .transient(
        status: nil, retryAfter: .seconds(60),
        error: "environment variable \(missing.joined(separator: ", ")) is not set")
}
