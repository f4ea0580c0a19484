import Logging

/// A `StreamLogHandler` whose logger metadata is formatted when a message is written, not each
/// time a value is set.
///
/// Hummingbird sets a request id on the logger of every request; `StreamLogHandler` formats its
/// whole metadata again on every such change, so each request paid for text that, at the usual
/// levels, no message ever printed. This handler keeps the metadata as it is and hands it to the
/// stream handler with each message instead; the output is the same.
public struct DeferredMetadataLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    /// - Parameter stream: where messages go; its own metadata should be empty (set it here).
    public init(_ stream: StreamLogHandler) {
        self.stream = stream
    }

    /// Messages to standard error, as `StreamLogHandler.standardError(label:)` writes them.
    public static func standardError(label: String) -> DeferredMetadataLogHandler {
        DeferredMetadataLogHandler(StreamLogHandler.standardError(label: label))
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            // The message's own metadata wins over the logger's, as in StreamLogHandler.
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        stream.log(event: event)
    }
}
