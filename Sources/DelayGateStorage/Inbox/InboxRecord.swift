import Foundation
import GRDB

/// Where an inbox row is in its life.
public enum InboxState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Committed, not yet turned into events.
    case pending
    /// Turned into events (possibly with some items rejected; see the row's reason).
    case normalized
    /// Verified but unusable as sent; kept so nothing a sender delivered is lost.
    case rejected
}

/// A raw body to store in the inbox.
public struct InboxEntry: Sendable, Hashable {
    public var adapter: String
    public var contentType: String
    public var body: Data
    public var receivedAt: Date
    public var state: InboxState
    /// Why the row was rejected, or which items of an accepted batch were.
    public var reason: String?

    public init(
        adapter: String, contentType: String, body: Data, receivedAt: Date, state: InboxState, reason: String? = nil
    ) {
        self.adapter = adapter
        self.contentType = contentType
        self.body = body
        self.receivedAt = receivedAt
        self.state = state
        self.reason = reason
    }
}

/// A stored inbox row.
public struct InboxRecord: Sendable, Hashable, FetchableRecord {
    public var id: Int64
    public var adapter: String
    public var contentType: String
    public var body: Data
    public var receivedAt: Date
    public var state: InboxState
    public var reason: String?
    public var eventCount: Int?
    public var normalizedAt: Date?

    public init(row: Row) throws {
        id = row["id"]
        adapter = row["adapter"]
        contentType = row["content_type"]
        body = row["body"]
        receivedAt = Date(millisecondsSince1970: row["received_at"])
        let stateText: String = row["state"]
        guard let state = InboxState(rawValue: stateText) else {
            throw DatabaseError(message: "inbox row \(id) has unknown state '\(stateText)'")
        }
        self.state = state
        reason = row["reason"]
        eventCount = row["event_count"]
        normalizedAt = (row["normalized_at"] as Int64?).map(Date.init(millisecondsSince1970:))
    }
}
