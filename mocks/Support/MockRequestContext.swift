import Hummingbird
import NIOCore

/// The request context every mock's routes use: Hummingbird's basic context plus the connection's
/// channel, so that a `.drop` fault can close the TCP connection without answering.
///
/// Host several mocks on one server by registering them on one `Router<MockRequestContext>`.
public struct MockRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Closes the connection without an answer; the client sees the connection end mid-request.
    func dropConnection() async throws -> Never {
        try? await channel.close()
        throw ConnectionDropped()
    }
}

/// Thrown by a handler after it closed the connection on purpose.
struct ConnectionDropped: Error {}
