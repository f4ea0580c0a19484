import Foundation

/// The gateway's own configuration, read from `config/gateway.yaml`.
///
/// Every key is optional; an empty file gives the defaults below. Relative paths are taken
/// from the working directory `delaygate` runs in.
///
/// ```yaml
/// server:
///   host: 127.0.0.1
///   port: 8080
///   body_limit: 1MiB
/// storage:
///   path: data/delaygate.sqlite
///   synchronous: full
/// adapters_dir: adapters
/// ```
public struct GatewayConfig: Decodable, Hashable, Sendable {
    public var server: ServerConfig
    public var storage: StorageConfig
    /// Folder holding one YAML file per adapter.
    public var adaptersDirectory: String
    /// The alert engine's rules (thresholds, seasons, playbook); a missing file gives the defaults.
    public var alertingFile: String
    /// How alerts become deliveries (channels, templates, compensation, routing, retries); when
    /// the file is missing, alerts are recorded but nothing is sent.
    public var actionsFile: String
    /// DelayGate's own OAuth server: keys, token lifetime, clients file. When the file is missing
    /// the API answers 503 until a signing key is configured.
    public var oauthFile: String
    public var normalizer: NormalizerConfig
    public var logging: LoggingConfig

    public static let defaultPath = "config/gateway.yaml"

    /// Outbound adapter files live in this subfolder of the adapters folder.
    public var outboundAdaptersDirectory: String {
        (adaptersDirectory as NSString).appendingPathComponent("outbound")
    }

    public init(
        server: ServerConfig = ServerConfig(),
        storage: StorageConfig = StorageConfig(),
        adaptersDirectory: String = "adapters",
        alertingFile: String = "config/alerting.yaml",
        actionsFile: String = "config/actions.yaml",
        oauthFile: String = "config/oauth.yaml",
        normalizer: NormalizerConfig = NormalizerConfig(),
        logging: LoggingConfig = LoggingConfig()
    ) {
        self.server = server
        self.storage = storage
        self.adaptersDirectory = adaptersDirectory
        self.alertingFile = alertingFile
        self.actionsFile = actionsFile
        self.oauthFile = oauthFile
        self.normalizer = normalizer
        self.logging = logging
    }

    enum CodingKeys: String, CodingKey {
        case server, storage, normalizer, logging
        case adaptersDirectory = "adapters_dir"
        case alertingFile = "alerting_file"
        case actionsFile = "actions_file"
        case oauthFile = "oauth_file"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GatewayConfig()
        self.server = try container.decodeIfPresent(ServerConfig.self, forKey: .server) ?? defaults.server
        self.storage = try container.decodeIfPresent(StorageConfig.self, forKey: .storage) ?? defaults.storage
        self.adaptersDirectory =
            try container.decodeIfPresent(String.self, forKey: .adaptersDirectory) ?? defaults.adaptersDirectory
        self.alertingFile = try container.decodeIfPresent(String.self, forKey: .alertingFile) ?? defaults.alertingFile
        self.actionsFile = try container.decodeIfPresent(String.self, forKey: .actionsFile) ?? defaults.actionsFile
        self.oauthFile = try container.decodeIfPresent(String.self, forKey: .oauthFile) ?? defaults.oauthFile
        self.normalizer =
            try container.decodeIfPresent(NormalizerConfig.self, forKey: .normalizer) ?? defaults.normalizer
        self.logging = try container.decodeIfPresent(LoggingConfig.self, forKey: .logging) ?? defaults.logging
    }

    /// Reads and validates a gateway file.
    ///
    /// - Parameter required: when false, a missing file yields the defaults (a fresh clone
    ///   without `config/` still starts); when true, a missing file is an error.
    public static func load(
        path: String,
        environment: [String: String],
        required: Bool
    ) throws(ConfigError) -> GatewayConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError(file: path, message: "file not found") }
            return GatewayConfig()
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try ConfigDecoder(environment: environment).decode(GatewayConfig.self, yaml: text, file: path)
    }
}

/// The HTTP listener.
public struct ServerConfig: Decodable, Hashable, Sendable {
    /// A certificate chain and its private key, both PEM files.
    public struct TLS: Decodable, Hashable, Sendable {
        public var certificateFile: String
        public var privateKeyFile: String

        public init(certificateFile: String, privateKeyFile: String) {
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }

        enum CodingKeys: String, CodingKey {
            case certificateFile = "certificate_file"
            case privateKeyFile = "private_key_file"
        }
    }

    public var host: String
    public var port: Int
    /// Largest request body accepted; larger bodies are answered 413.
    public var bodyLimit: ByteCount
    /// Serve HTTPS with this certificate; nil serves plain HTTP.
    public var tls: TLS?
    /// Serve plain HTTP on an address other than loopback (behind a TLS-terminating proxy, say).
    /// Without it, such a configuration is refused: tokens and customer data would travel in clear.
    public var allowPlaintext: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 8080, bodyLimit: ByteCount = .mebibytes(1), tls: TLS? = nil,
        allowPlaintext: Bool = false
    ) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.tls = tls
        self.allowPlaintext = allowPlaintext
    }

    /// Whether the listener is reachable from this machine only.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    enum CodingKeys: String, CodingKey {
        case host, port, tls
        case bodyLimit = "body_limit"
        case allowPlaintext = "allow_plaintext"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ServerConfig()
        self.host = try container.decodeIfPresent(String.self, forKey: .host) ?? defaults.host
        self.port = try container.decodeIfPresent(Int.self, forKey: .port) ?? defaults.port
        guard (0...65535).contains(port) else {
            throw DecodingError.dataCorruptedError(
                forKey: .port, in: container, debugDescription: "expected a port between 0 and 65535, found \(port)")
        }
        self.bodyLimit = try container.decodeIfPresent(ByteCount.self, forKey: .bodyLimit) ?? defaults.bodyLimit
        self.tls = try container.decodeIfPresent(TLS.self, forKey: .tls)
        self.allowPlaintext = try container.decodeIfPresent(Bool.self, forKey: .allowPlaintext) ?? false
        guard tls != nil || allowPlaintext || isLoopback else {
            throw DecodingError.dataCorruptedError(
                forKey: .host, in: container,
                debugDescription:
                    "'\(host)' is reachable from other machines: configure server.tls (certificate_file, private_key_file), or set server.allow_plaintext: true when a TLS proxy sits in front"
            )
        }
    }
}

/// The SQLite store.
public struct StorageConfig: Decodable, Hashable, Sendable {
    /// Database file; its folder is created on first run.
    public var path: String
    /// SQLite `synchronous` pragma. `full` (the default) makes every acknowledged commit survive
    /// power loss; `normal` survives a process crash but may lose the last commits on power loss.
    public var synchronous: SynchronousMode
    /// How long a write waits for a lock held by another process before failing (503 to senders).
    public var busyTimeoutMilliseconds: Int
    public var groupCommit: GroupCommitConfig

    public init(
        path: String = "data/delaygate.sqlite",
        synchronous: SynchronousMode = .full,
        busyTimeoutMilliseconds: Int = 5000,
        groupCommit: GroupCommitConfig = GroupCommitConfig()
    ) {
        self.path = path
        self.synchronous = synchronous
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.groupCommit = groupCommit
    }

    enum CodingKeys: String, CodingKey {
        case path, synchronous
        case busyTimeoutMilliseconds = "busy_timeout_ms"
        case groupCommit = "group_commit"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = StorageConfig()
        self.path = try container.decodeIfPresent(String.self, forKey: .path) ?? defaults.path
        self.synchronous =
            try container.decodeIfPresent(SynchronousMode.self, forKey: .synchronous) ?? defaults.synchronous
        self.busyTimeoutMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .busyTimeoutMilliseconds)
            ?? defaults.busyTimeoutMilliseconds
        self.groupCommit =
            try container.decodeIfPresent(GroupCommitConfig.self, forKey: .groupCommit) ?? defaults.groupCommit
    }
}

/// SQLite's `synchronous` setting.
public enum SynchronousMode: String, Decodable, Hashable, Sendable, CaseIterable {
    case off, normal, full, extra

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self).lowercased()
        guard let mode = SynchronousMode(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "expected one of off, normal, full, extra, found '\(text)'"))
        }
        self = mode
    }
}

/// The group-commit writer: concurrent writes share one transaction.
public struct GroupCommitConfig: Decodable, Hashable, Sendable {
    /// Most writes committed in one transaction.
    public var maxBatch: Int
    /// How long the writer may wait for more writes to join a batch before committing, in
    /// microseconds. 0 commits as soon as the previous commit ends (batches then grow with load).
    public var maxDelayMicroseconds: Int

    public init(maxBatch: Int = 1024, maxDelayMicroseconds: Int = 0) {
        self.maxBatch = maxBatch
        self.maxDelayMicroseconds = maxDelayMicroseconds
    }

    enum CodingKeys: String, CodingKey {
        case maxBatch = "max_batch"
        case maxDelayMicroseconds = "max_delay_us"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = GroupCommitConfig()
        self.maxBatch = try container.decodeIfPresent(Int.self, forKey: .maxBatch) ?? defaults.maxBatch
        guard maxBatch >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxBatch, in: container, debugDescription: "expected at least 1, found \(maxBatch)")
        }
        self.maxDelayMicroseconds =
            try container.decodeIfPresent(Int.self, forKey: .maxDelayMicroseconds) ?? defaults.maxDelayMicroseconds
        guard (0...1_000_000).contains(maxDelayMicroseconds) else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxDelayMicroseconds, in: container,
                debugDescription: "expected 0 to 1000000 microseconds, found \(maxDelayMicroseconds)")
        }
    }
}

/// The normalizer that turns inbox rows into events and shipment state.
public struct NormalizerConfig: Decodable, Hashable, Sendable {
    /// Most inbox rows normalized in one transaction.
    public var batchSize: Int
    /// Accepted deliveries waiting in memory; beyond this the normalizer reads them back from
    /// the inbox instead (nothing is lost, it only costs a re-parse).
    public var queueCapacity: Int
    /// How long deliveries may gather into a batch, in milliseconds: bigger batches cost less per
    /// delivery, and the wait adds to the normalize lag.
    public var maxDelayMilliseconds: Int
    /// About how long one batch may take inside its transaction, in milliseconds (webhooks wait
    /// for it): over it, the next batch shrinks to what fits (see `Normalizer.Options.batchBudget`).
    public var batchBudgetMilliseconds: Int

    public init(
        batchSize: Int = 1024, queueCapacity: Int = 100_000, maxDelayMilliseconds: Int = 20,
        batchBudgetMilliseconds: Int = 100
    ) {
        self.batchSize = batchSize
        self.queueCapacity = queueCapacity
        self.maxDelayMilliseconds = maxDelayMilliseconds
        self.batchBudgetMilliseconds = batchBudgetMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case batchSize = "batch_size"
        case queueCapacity = "queue_capacity"
        case maxDelayMilliseconds = "max_delay_ms"
        case batchBudgetMilliseconds = "batch_budget_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = NormalizerConfig()
        self.batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        self.queueCapacity = try container.decodeIfPresent(Int.self, forKey: .queueCapacity) ?? defaults.queueCapacity
        self.maxDelayMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .maxDelayMilliseconds) ?? defaults.maxDelayMilliseconds
        self.batchBudgetMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .batchBudgetMilliseconds)
            ?? defaults.batchBudgetMilliseconds
        guard batchBudgetMilliseconds >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .batchBudgetMilliseconds, in: container,
                debugDescription: "expected at least 1 millisecond, found \(batchBudgetMilliseconds)")
        }
        guard (0...1000).contains(maxDelayMilliseconds) else {
            throw DecodingError.dataCorruptedError(
                forKey: .maxDelayMilliseconds, in: container,
                debugDescription: "expected 0 to 1000 milliseconds, found \(maxDelayMilliseconds)")
        }
        guard batchSize >= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: .batchSize, in: container, debugDescription: "expected at least 1, found \(batchSize)")
        }
    }
}

/// Log output.
public struct LoggingConfig: Decodable, Hashable, Sendable {
    /// One of trace, debug, info, notice, warning, error, critical.
    public var level: String

    public static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public init(level: String = "info") {
        self.level = level
    }

    enum CodingKeys: String, CodingKey {
        case level
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.level = try container.decodeIfPresent(String.self, forKey: .level)?.lowercased() ?? "info"
        guard Self.levels.contains(level) else {
            throw DecodingError.dataCorruptedError(
                forKey: .level, in: container,
                debugDescription: "expected one of \(Self.levels.joined(separator: ", ")), found '\(level)'")
        }
    }
}
