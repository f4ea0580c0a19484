import DelayGateServer
import Logging
import Synchronization
import Testing

/// What a stream handler wrote.
final class CapturedStream: TextOutputStream, Sendable {
    private let text = Mutex("")
    var written: String { text.withLock { $0 } }
    func write(_ string: String) { text.withLock { $0 += string } }
}

@Suite("Log handler")
struct DeferredMetadataLogHandlerTests {
    @Test("logger metadata is printed with each message, the message's own winning; levels hold")
    func metadataAtWriteTime() throws {
        let stream = CapturedStream()
        var logger = Logger(label: "delaygate.test") { label in
            DeferredMetadataLogHandler(StreamLogHandler(label: label, stream: stream, metadataProvider: nil))
        }
        logger.logLevel = .notice
        logger[metadataKey: "hb.request.id"] = "r-1"
        logger[metadataKey: "adapter"] = "kdniao"
        #expect(logger[metadataKey: "hb.request.id"] == "r-1")
        logger.info("not written")
        logger.notice("accepted", metadata: ["adapter": "aftership", "events": "3"])
        logger[metadataKey: "hb.request.id"] = nil
        logger.error("refused")

        let lines = stream.written.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(
            lines[0].hasSuffix(
                "notice delaygate.test: adapter=aftership events=3 hb.request.id=r-1 [DelayGateServerTests] accepted"))
        #expect(lines[1].hasSuffix("error delaygate.test: adapter=kdniao [DelayGateServerTests] refused"))
    }
}
