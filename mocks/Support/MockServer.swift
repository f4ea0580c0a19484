import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Runs a mock's HTTP application on an ephemeral 127.0.0.1 port for the length of `body`.
///
/// ```swift
/// try await MockServer.run(router) { baseURL in … "\(baseURL)/oauth/token" … }
/// ```
///
/// Any router whose context is built from the application's source works: the mocks'
/// `Router<MockRequestContext>` (several mocks registered on one) and a plain `Router<BasicRequestContext>`.
public enum MockServer {
    public static func run<Context: RequestContext, Value: Sendable>(
        _ router: Router<Context>,
        _ body: @Sendable (_ baseURL: String) async throws -> Value
    ) async throws -> Value where Context.Source == ApplicationRequestContextSource {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "delaygate.mock")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let value = try await body("http://127.0.0.1:\(port)")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
        }
    }
}
