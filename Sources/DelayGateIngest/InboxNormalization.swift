import DelayGateAdapters
import DelayGateModel
import DelayGateStorage
import Foundation
import GRDB

/// Turns inbox rows into events and shipment state: the step shared by the live normalizer,
/// its crash recovery and `delaygate inbox reprocess`.
public enum InboxNormalization {
    /// One inbox row with the outcome of parsing its body.
    public struct Item: Sendable {
        public var inboxID: Int64
        public var adapter: String
        public var receivedAt: Date
        public var parsed: Result<NormalizedPayload, PayloadRejection>

        public init(
            inboxID: Int64, adapter: String, receivedAt: Date, parsed: Result<NormalizedPayload, PayloadRejection>
        ) {
            self.inboxID = inboxID
            self.adapter = adapter
            self.receivedAt = receivedAt
            self.parsed = parsed
        }

        public init(_ delivery: AcceptedDelivery) {
            self.init(
                inboxID: delivery.inboxID, adapter: delivery.adapter, receivedAt: delivery.receivedAt,
                parsed: .success(delivery.payload))
        }

        /// Parses a stored row with the adapter that now serves its name.
        public init(record: InboxRecord, catalog: AdapterCatalog) {
            let parsed: Result<NormalizedPayload, PayloadRejection>
            if let adapter = catalog.adapter(named: record.adapter) {
                do throws(PayloadRejection) {
                    parsed = .success(try adapter.parse(record.body, receivedAt: record.receivedAt))
                } catch {
                    parsed = .failure(error)
                }
            } else {
                parsed = .failure(PayloadRejection("adapter '\(record.adapter)' is no longer configured"))
            }
            self.init(inboxID: record.id, adapter: record.adapter, receivedAt: record.receivedAt, parsed: parsed)
        }
    }

    /// What applying a batch did.
    public struct Summary: Sendable, Hashable {
        public var normalized = 0
        public var rejected = 0
        public var eventsInserted = 0
        public var duplicateEvents = 0
        public var changedShipments: [ShipmentKey] = []
        /// Adapters of the rows that were rejected here.
        public var rejectedAdapters: [String] = []

        public init() {}
    }

    /// Records each item's events and updates its inbox row.
    ///
    /// The batch is applied in one savepoint; should any item fail to write, the batch is rolled
    /// back and applied again one savepoint per item, so that only the failing item is marked
    /// rejected. (A savepoint per item on the common path would cost a page copy per item.)
    public static func apply(
        _ items: [Item],
        at now: Date,
        in db: Database,
        observer: (any NormalizationObserver)? = nil
    ) throws -> Summary {
        var summary = Summary()
        do {
            try db.inSavepoint {
                var outcome = NormalizationOutcome()
                for item in items { try apply(item, at: now, to: &summary, outcome: &outcome, in: db) }
                if let observer, !outcome.isEmpty { try observer.normalized(outcome, at: now, in: db) }
                return .commit
            }
            return summary
        } catch {
            summary = Summary()
        }
        for item in items {
            do {
                var itemSummary = Summary()
                try db.inSavepoint {
                    var outcome = NormalizationOutcome()
                    try apply(item, at: now, to: &itemSummary, outcome: &outcome, in: db)
                    if let observer, !outcome.isEmpty { try observer.normalized(outcome, at: now, in: db) }
                    return .commit
                }
                summary.merge(itemSummary)
            } catch {
                try InboxStore.markRejected(
                    id: item.inboxID, reason: "could not store the events: \(error)", at: now, in: db)
                summary.rejected += 1
                summary.rejectedAdapters.append(item.adapter)
            }
        }
        return summary
    }

    private static func apply(
        _ item: Item, at now: Date, to summary: inout Summary, outcome observed: inout NormalizationOutcome,
        in db: Database
    ) throws {
        switch item.parsed {
        case .success(let payload):
            let outcome = try record(payload, inboxID: item.inboxID, at: now, into: &observed, in: db)
            try InboxStore.markNormalized(
                id: item.inboxID, eventCount: payload.recordCount, note: payload.rejectionNote, at: now, in: db)
            summary.normalized += 1
            summary.eventsInserted += outcome.inserted
            summary.duplicateEvents += outcome.duplicates
            summary.changedShipments += outcome.changedShipments
        case .failure(let rejection):
            try InboxStore.markRejected(id: item.inboxID, reason: rejection.description, at: now, in: db)
            summary.rejected += 1
            summary.rejectedAdapters.append(item.adapter)
        }
    }
}

extension InboxNormalization {
    /// Stores a parsed payload without an inbox row (replays and evaluations) and tells the
    /// observer, exactly as normalizing a delivery does.
    @discardableResult
    public static func store(
        _ payload: NormalizedPayload, at now: Date, in db: Database, observer: (any NormalizationObserver)?
    ) throws -> EventStore.Outcome {
        var observed = NormalizationOutcome()
        let outcome = try record(payload, inboxID: nil, at: now, into: &observed, in: db)
        if let observer, !observed.isEmpty { try observer.normalized(observed, at: now, in: db) }
        return outcome
    }

    /// Stores a payload's events, orders and notices, and collects what the observer is told.
    static func record(
        _ payload: NormalizedPayload, inboxID: Int64?, at now: Date, into observed: inout NormalizationOutcome,
        in db: Database
    ) throws -> EventStore.Outcome {
        let outcome = try EventStore.record(payload.events, inboxID: inboxID, at: now, in: db)
        observed.transitions += outcome.transitions
        observed.orders += payload.orders
        observed.disruptions += payload.disruptions
        observed.ticketFeedback += payload.ticketFeedback.map { ($0, inboxID) }
        for order in payload.orders {
            try OrderStore.upsert(order, in: db)
        }
        for notice in payload.disruptions {
            try DisruptionStore.upsert(notice, inboxID: inboxID, at: now, in: db)
        }
        return outcome
    }
}

extension InboxNormalization.Summary {
    /// Adds another summary's counts to this one.
    public mutating func merge(_ other: InboxNormalization.Summary) {
        normalized += other.normalized
        rejected += other.rejected
        eventsInserted += other.eventsInserted
        duplicateEvents += other.duplicateEvents
        changedShipments += other.changedShipments
        rejectedAdapters += other.rejectedAdapters
    }
}
