// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "delaygate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "delaygate", targets: ["delaygate"]),
        .library(name: "DelayGateServer", targets: ["DelayGateServer"]),
        .library(name: "DelayGateSimulation", targets: ["DelayGateSimulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(
            url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Value types of the domain: events, shipments, orders, milestones. No I/O.
        .target(
            name: "DelayGateModel",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: swiftSettings
        ),
        // The alert engine's logic: learned dwell baselines, lane delivery risk, levels, scenarios,
        // next-check times. Pure value types over an injected clock; no I/O.
        .target(
            name: "DelayGateAlerting",
            dependencies: ["DelayGateModel"],
            swiftSettings: swiftSettings
        ),
        // Strict YAML configuration: gateway.yaml, adapter files, secrets by env-var name.
        .target(
            name: "DelayGateConfig",
            dependencies: [
                .product(name: "Yams", package: "Yams")
            ],
            swiftSettings: swiftSettings
        ),
        // SQLite through GRDB: migrations, inbox, events, shipments, orders, the group-commit writer.
        .target(
            name: "DelayGateStorage",
            dependencies: [
                "DelayGateModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Adapter kinds: request verification and parsing of vendor payloads into the model.
        .target(
            name: "DelayGateAdapters",
            dependencies: [
                "DelayGateModel",
                "DelayGateConfig",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The ingest path behind the HTTP layer: inbox commit, then batched normalization.
        .target(
            name: "DelayGateIngest",
            dependencies: [
                "DelayGateModel",
                "DelayGateAdapters",
                "DelayGateStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The alert engine at run time: learning from normalization, the deadline scheduler, and the
        // recording of alerts, episodes and planned actions.
        .target(
            name: "DelayGateEngine",
            dependencies: [
                "DelayGateAlerting",
                "DelayGateConfig",
                "DelayGateIngest",
                "DelayGateModel",
                "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // DelayGate's own OAuth 2.0 authorization server (client credentials, RFC 9068 JWT access
        // tokens, key rotation) and the bearer-token check of the API.
        .target(
            name: "DelayGateAuth",
            dependencies: [
                "DelayGateConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Outbound adapter kinds (zendesk, freshdesk, twilio-sms, aliyun-sms, fcm-push, voice-callback,
        // erp-action, generic-http), the message composer (templates, compensation, routing rules).
        .target(
            name: "DelayGateOutbound",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateConfig",
                "DelayGateModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable outbox at run time: planning deliveries with each alert, the dispatcher service.
        .target(
            name: "DelayGateOutbox",
            dependencies: [
                "DelayGateAlerting",
                "DelayGateConfig",
                "DelayGateEngine",
                "DelayGateIngest",
                "DelayGateModel",
                "DelayGateOutbound",
                "DelayGateStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Hummingbird application: routes, problem+json errors, metrics, health.
        .target(
            name: "DelayGateServer",
            dependencies: [
                "DelayGateAuth",
                "DelayGateModel",
                "DelayGateAlerting",
                "DelayGateEngine",
                "DelayGateConfig",
                "DelayGateStorage",
                "DelayGateAdapters",
                "DelayGateIngest",
                "DelayGateOutbound",
                "DelayGateOutbox",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("OpenAPI/openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // Stand-ins for external services (ERP, …) speaking the vendors' real shapes, and carrier senders that
        // render vendors' webhooks; used by tests and the demo. Never depends on DelayGateAdapters: the mocks
        // sign and shape requests as the vendors do, not with the gateway's own code.
        .target(
            name: "DelayGateMocks",
            dependencies: [
                "DelayGateModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "mocks",
            exclude: ["README.md"],
            swiftSettings: swiftSettings
        ),
        // `delaygate demo`: the gateway, the vendors' mocks and a simulated day in one process, scored
        // against the simulator's ground truth.
        .target(
            name: "DelayGateDemo",
            dependencies: [
                "DelayGateAdapters", "DelayGateAlerting", "DelayGateAuth", "DelayGateConfig", "DelayGateEngine",
                "DelayGateIngest", "DelayGateMocks", "DelayGateModel", "DelayGateOutbound", "DelayGateServer",
                "DelayGateSimulation", "DelayGateStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Evaluations on real data: `delaygate evaluate olist` replays the Olist orders through the engine.
        .target(
            name: "DelayGateEvaluation",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateAlerting",
                "DelayGateEngine",
                "DelayGateModel",
                "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // A simulated logistics network: seeded, time-ordered events with ground-truth incidents. No I/O.
        .target(
            name: "DelayGateSimulation",
            dependencies: [
                "DelayGateModel",
                .product(name: "HeapModule", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, check, inbox, baselines, evaluate, simulate.
        .executableTarget(
            name: "delaygate",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateAuth",
                "DelayGateDemo",
                "DelayGateAlerting",
                "DelayGateEngine",
                "DelayGateEvaluation",
                "DelayGateConfig",
                "DelayGateIngest",
                "DelayGateOutbound",
                "DelayGateServer",
                "DelayGateSimulation",
                "DelayGateStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        // `swift run -c release alert-benchmark`: scheduler cost per tick as open shipments grow; evaluator throughput;
        // `alert-benchmark open-database PATH N` writes a database of N open shipments (Benchmarks/rss.py).
        .executableTarget(
            name: "alert-benchmark",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateAlerting",
                "DelayGateEngine",
                "DelayGateModel",
                "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/AlertBenchmark",
            swiftSettings: swiftSettings
        ),
        // `swift run -c release outbox-benchmark`: dispatcher deliveries/s to a loopback receiver (in-process or its
        // own process); claim cost.
        .executableTarget(
            name: "outbox-benchmark",
            dependencies: [
                "DelayGateConfig",
                "DelayGateMocks",
                "DelayGateOutbound",
                "DelayGateOutbox",
                "DelayGateServer",
                "DelayGateStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/OutboxBenchmark",
            swiftSettings: swiftSettings
        ),
        // `swift run -c release pipeline-benchmark`: per-stage costs of the ingest pipeline.
        .executableTarget(
            name: "pipeline-benchmark",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateConfig",
                "DelayGateEngine",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                "DelayGateIngest",
                "DelayGateModel",
                "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/PipelineBenchmark",
            swiftSettings: swiftSettings
        ),
        // `swift run -c release day-replay [--orders N]`: a simulated day of a million orders replayed end to end
        // through normalization, the engine, the scheduler and action planning, in-process.
        .executableTarget(
            name: "day-replay",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateAlerting",
                "DelayGateDemo",
                "DelayGateEngine",
                "DelayGateModel",
                "DelayGateOutbox",
                "DelayGateServer",
                "DelayGateSimulation",
                "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DayReplay",
            swiftSettings: swiftSettings
        ),

        // The mocks answer in the vendors' shapes and inject the faults they promise; the carrier
        // senders' requests round-trip through the real inbound adapters.
        .testTarget(
            name: "DelayGateMocksTests",
            dependencies: [
                "DelayGateMocks",
                "DelayGateAdapters",
                "DelayGateConfig",
                "DelayGateModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The outbox end to end over real HTTP against the vendor mocks.
        .testTarget(
            name: "DelayGateOutboxTests",
            dependencies: [
                "DelayGateAdapters", "DelayGateAlerting", "DelayGateConfig", "DelayGateDemo", "DelayGateEngine",
                "DelayGateMocks", "DelayGateModel", "DelayGateOutbound", "DelayGateOutbox", "DelayGateStorage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateAuthTests",
            dependencies: [
                "DelayGateAuth", "DelayGateConfig",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateModelTests",
            dependencies: ["DelayGateModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateSimulationTests",
            dependencies: ["DelayGateSimulation", "DelayGateModel", "DelayGateAdapters"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateEvaluationTests",
            dependencies: ["DelayGateEvaluation", "DelayGateEngine", "DelayGateAlerting", "DelayGateModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateEngineTests",
            dependencies: [
                "DelayGateEngine", "DelayGateAlerting", "DelayGateAdapters", "DelayGateModel", "DelayGateStorage",
                "DelayGateConfig", "DelayGateSimulation", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateAlertingTests",
            dependencies: ["DelayGateAlerting", "DelayGateModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateConfigTests",
            dependencies: ["DelayGateConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateStorageTests",
            dependencies: [
                "DelayGateStorage",
                "DelayGateModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateAdaptersTests",
            dependencies: ["DelayGateAdapters", "DelayGateModel", "DelayGateConfig"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DelayGateServerTests",
            dependencies: [
                "DelayGateAdapters",
                "DelayGateAuth",
                "DelayGateMocks",
                "DelayGateConfig",
                "DelayGateIngest",
                "DelayGateModel",
                "DelayGateServer",
                "DelayGateStorage",
                "DelayGateEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runs the built `delaygate` binary as a child process (crash test, CLI behaviour).
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "delaygate",
                "DelayGateAdapters",
                "DelayGateConfig",
                "DelayGateMocks",
                "DelayGateOutbound",
                "DelayGateStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
