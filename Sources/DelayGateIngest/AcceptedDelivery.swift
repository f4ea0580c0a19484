import DelayGateAdapters
import Foundation

/// A verified body, parsed and committed to the inbox, on its way to the normalizer.
public struct AcceptedDelivery: Sendable {
    public var inboxID: Int64
    public var adapter: String
    public var receivedAt: Date
    public var payload: NormalizedPayload

    public init(inboxID: Int64, adapter: String, receivedAt: Date, payload: NormalizedPayload) {
        self.inboxID = inboxID
        self.adapter = adapter
        self.receivedAt = receivedAt
        self.payload = payload
    }
}
