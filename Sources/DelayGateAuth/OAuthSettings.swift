import DelayGateConfig
import Foundation

/// The scopes of DelayGate's API.
public enum Scope {
    public static let eventsWrite = "events:write"
    public static let ordersWrite = "orders:write"
    public static let alertsRead = "alerts:read"
    public static let admin = "admin"
    public static let all: [String] = [eventsWrite, ordersWrite, alertsRead, admin]
}

/// DelayGate's own authorization server, read from `config/oauth.yaml` and the clients file it names.
///
/// ```yaml
/// issuer: ${DELAYGATE_ISSUER:-http://127.0.0.1:8080}
/// audience: delaygate-api
/// token_lifetime_seconds: 900
/// signing_keys:
///   - kid: hs-2026-11
///     algorithm: HS256
///     secret: ${DELAYGATE_TOKEN_SECRET}          # at least 32 bytes
///   - kid: es-2026-06
///     algorithm: ES256
///     private_key: ${DELAYGATE_OLD_ES256_KEY}    # PEM text; or private_key_file: path
///     verify_only: true                          # still verifies, never signs
///     retire_at: 2026-12-01T00:00:00Z            # refused from then on
/// clients_file: config/clients.yaml
/// ```
public struct OAuthSettings: Sendable {
    /// One JWS key.
    public struct SigningKey: Sendable {
        public enum Algorithm: String, Sendable, Decodable, CaseIterable {
            case hs256 = "HS256"
            case es256 = "ES256"
        }

        public enum Material: Sendable, Hashable {
            /// An HS256 secret.
            case secret([UInt8])
            /// An ES256 private key in PEM.
            case privateKeyPEM(String)
        }

        public var kid: String
        public var algorithm: Algorithm
        /// Nil while its environment variable is unset.
        public var material: Material?
        public var verifyOnly: Bool
        public var retireAt: Date?
        /// The variable that holds it, when it comes from the environment.
        public var variable: String?

        public init(
            kid: String, algorithm: Algorithm, material: Material?, verifyOnly: Bool = false, retireAt: Date? = nil,
            variable: String? = nil
        ) {
            self.kid = kid
            self.algorithm = algorithm
            self.material = material
            self.verifyOnly = verifyOnly
            self.retireAt = retireAt
            self.variable = variable
        }
    }

    /// A client allowed to ask for tokens.
    public struct Client: Sendable, Hashable {
        public var id: String
        public var secretHash: ClientSecretHash
        public var scopes: [String]
        public var description: String?

        public init(id: String, secretHash: ClientSecretHash, scopes: [String], description: String? = nil) {
            self.id = id
            self.secretHash = secretHash
            self.scopes = scopes
            self.description = description
        }
    }

    /// `iss` of every token, and the base of the metadata's URLs.
    public var issuer: String
    /// `aud` of every token.
    public var audience: String
    public var tokenLifetime: Duration
    public var keys: [SigningKey]
    public var clients: [Client]
    /// The file clients are kept in (`delaygate clients create` appends to it).
    public var clientsFile: String

    public static let defaultPath = "config/oauth.yaml"

    public init(
        issuer: String = "http://127.0.0.1:8080", audience: String = "delaygate-api",
        tokenLifetime: Duration = .seconds(900), keys: [SigningKey] = [], clients: [Client] = [],
        clientsFile: String = "config/clients.yaml"
    ) {
        self.issuer = issuer
        self.audience = audience
        self.tokenLifetime = tokenLifetime
        self.keys = keys
        self.clients = clients
        self.clientsFile = clientsFile
    }

    /// Environment variables named by keys that are unset.
    public var missingSecrets: [String] {
        keys.filter { $0.material == nil }.compactMap(\.variable)
    }

    // MARK: Reading

    struct File: Decodable {
        var issuer: String?
        var audience: String?
        var tokenLifetimeSeconds: Int?
        var signingKeys: [KeyFile]?
        var clientsFile: String?

        enum CodingKeys: String, CodingKey {
            case issuer, audience
            case tokenLifetimeSeconds = "token_lifetime_seconds"
            case signingKeys = "signing_keys"
            case clientsFile = "clients_file"
        }
    }

    struct KeyFile: Decodable {
        var kid: String
        var algorithm: SigningKey.Algorithm
        var secret: SecretReference?
        var privateKey: SecretReference?
        var privateKeyFile: String?
        var verifyOnly: Bool?
        var retireAt: String?

        enum CodingKeys: String, CodingKey {
            case kid, algorithm, secret
            case privateKey = "private_key"
            case privateKeyFile = "private_key_file"
            case verifyOnly = "verify_only"
            case retireAt = "retire_at"
        }
    }

    struct ClientsFile: Decodable {
        var clients: [ClientFile]?
    }

    struct ClientFile: Decodable {
        var id: String
        var secretHash: String
        var scopes: [String]
        var description: String?

        enum CodingKeys: String, CodingKey {
            case id, scopes, description
            case secretHash = "secret_hash"
        }
    }

    /// Reads `path` and its clients file. A missing `path` gives the defaults: no keys (the token
    /// endpoint and the API answer 503 until one is configured) and the clients of
    /// `config/clients.yaml` if it exists.
    public static func load(path: String, decoder: ConfigDecoder) throws(ConfigError) -> OAuthSettings {
        var file = File()
        if FileManager.default.fileExists(atPath: path) {
            file = try decoder.decode(File.self, yaml: try read(path), file: path)
        }
        return try settings(from: file, path: path, decoder: decoder)
    }

    /// Reads the settings from the text of an OAuth file (`path` names it in errors); the clients
    /// file it names is read from disk.
    public static func parse(yaml: String, path: String, decoder: ConfigDecoder) throws(ConfigError) -> OAuthSettings {
        try settings(from: try decoder.decode(File.self, yaml: yaml, file: path), path: path, decoder: decoder)
    }

    static func read(_ path: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
    }

    static func settings(from file: File, path: String, decoder: ConfigDecoder) throws(ConfigError) -> OAuthSettings {
        var settings = OAuthSettings()
        if let issuer = file.issuer {
            guard let url = URL(string: issuer), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError(file: path, key: "issuer", message: "expected an http(s) URL, found '\(issuer)'")
            }
            settings.issuer = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        }
        if let audience = file.audience {
            guard !audience.isEmpty else { throw ConfigError(file: path, key: "audience", message: "must not be empty") }
            settings.audience = audience
        }
        if let seconds = file.tokenLifetimeSeconds {
            guard (60...86_400).contains(seconds) else {
                throw ConfigError(
                    file: path, key: "token_lifetime_seconds", message: "expected 60 to 86400, found \(seconds)")
            }
            settings.tokenLifetime = .seconds(seconds)
        }
        var kids: Set<String> = []
        for (index, key) in (file.signingKeys ?? []).enumerated() {
            let at = "signing_keys[\(index)]"
            guard !key.kid.isEmpty, kids.insert(key.kid).inserted else {
                throw ConfigError(file: path, key: "\(at).kid", message: "kids must be non-empty and unique")
            }
            settings.keys.append(try signingKey(key, at: at, path: path, environment: decoder.environment))
        }
        let signers = settings.keys.filter { !$0.verifyOnly }
        guard signers.count <= 1 else {
            throw ConfigError(
                file: path, key: "signing_keys",
                message: "exactly one key signs; mark the others verify_only (\(signers.map(\.kid).joined(separator: ", ")))")
        }
        if !settings.keys.isEmpty && signers.isEmpty {
            throw ConfigError(file: path, key: "signing_keys", message: "every key is verify_only; one must sign")
        }
        settings.clientsFile = file.clientsFile ?? settings.clientsFile
        settings.clients = try clients(at: settings.clientsFile, decoder: decoder)
        return settings
    }

    static func signingKey(_ key: KeyFile, at: String, path: String, environment: [String: String]) throws(ConfigError)
        -> SigningKey
    {
        var retireAt: Date?
        if let text = key.retireAt {
            guard let date = ISO8601DateFormatter().date(from: text) else {
                throw ConfigError(
                    file: path, key: "\(at).retire_at", message: "expected an RFC 3339 time such as 2026-12-01T00:00:00Z")
            }
            retireAt = date
        }
        var signing = SigningKey(
            kid: key.kid, algorithm: key.algorithm, material: nil, verifyOnly: key.verifyOnly ?? false,
            retireAt: retireAt, variable: nil)
        switch key.algorithm {
        case .hs256:
            guard let secret = key.secret, key.privateKey == nil, key.privateKeyFile == nil else {
                throw ConfigError(file: path, key: "\(at).secret", message: "an HS256 key needs secret: ${VARIABLE}")
            }
            signing.variable = secret.variable
            if let value = secret.value(in: environment) {
                guard value.utf8.count >= 32 else {
                    throw ConfigError(
                        file: path, key: "\(at).secret",
                        message: "\(secret) holds \(value.utf8.count) bytes; an HS256 key needs at least 32")
                }
                signing.material = .secret(Array(value.utf8))
            }
        case .es256:
            guard key.secret == nil, (key.privateKey == nil) != (key.privateKeyFile == nil) else {
                throw ConfigError(
                    file: path, key: "\(at).private_key",
                    message: "an ES256 key needs exactly one of private_key: ${VARIABLE} or private_key_file")
            }
            var pem: String?
            if let reference = key.privateKey {
                signing.variable = reference.variable
                pem = reference.value(in: environment)
            } else if let file = key.privateKeyFile {
                pem = try read(file)
            }
            if let pem {
                guard (try? ES256Keys.privateKey(pem: pem)) != nil else {
                    throw ConfigError(
                        file: path, key: "\(at).private_key", message: "not a PEM P-256 private key")
                }
                signing.material = .privateKeyPEM(pem)
            }
        }
        return signing
    }

    static func clients(at path: String, decoder: ConfigDecoder) throws(ConfigError) -> [Client] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let file = try decoder.decode(ClientsFile.self, yaml: try read(path), file: path)
        var seen: Set<String> = []
        var clients: [Client] = []
        for (index, client) in (file.clients ?? []).enumerated() {
            let at = "clients[\(index)]"
            guard !client.id.isEmpty, seen.insert(client.id).inserted else {
                throw ConfigError(file: path, key: "\(at).id", message: "client ids must be non-empty and unique")
            }
            guard let hash = ClientSecretHash(encoded: client.secretHash) else {
                throw ConfigError(
                    file: path, key: "\(at).secret_hash",
                    message: "expected pbkdf2-sha256$rounds$salt$hash (made by `delaygate clients create`)")
            }
            for scope in client.scopes where !Scope.all.contains(scope) {
                throw ConfigError(
                    file: path, key: "\(at).scopes",
                    message: "unknown scope '\(scope)'; known: \(Scope.all.joined(separator: ", "))")
            }
            clients.append(Client(id: client.id, secretHash: hash, scopes: client.scopes, description: client.description))
        }
        return clients
    }
}
