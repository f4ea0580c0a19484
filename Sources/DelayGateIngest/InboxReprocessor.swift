import DelayGateAdapters
import DelayGateStorage
import Foundation
import GRDB

/// Normalizes stored inbox rows again from their raw bodies, with the adapters as they are
/// configured now: after a parser fix, or a configuration fix that makes rejected bodies usable.
///
/// Safe to repeat and safe while the gateway runs: events are stored once by their keys and
/// shipment state never moves backwards. It also leaves room for the gateway: it writes in
/// ``PacedTransactions`` of about ``transactionBudget`` each, with ``pause`` between them, so that
/// a webhook waiting for the lock is delayed by one short transaction, not by a page of hundreds
/// of rows.
public struct InboxReprocessor: Sendable {
    public let database: any DatabaseWriter
    public let catalog: AdapterCatalog
    /// Rows read at a time.
    public var pageSize: Int
    /// About how long one transaction may hold the write lock.
    public var transactionBudget: Duration
    /// How long the lock is left free after each transaction: more than the millisecond a
    /// waiting gateway connection sleeps between tries (see `GatewayDatabase`).
    public var pause: Duration

    public init(
        database: any DatabaseWriter, catalog: AdapterCatalog, pageSize: Int = 500,
        transactionBudget: Duration = .milliseconds(2), pause: Duration = .milliseconds(2)
    ) {
        self.database = database
        self.catalog = catalog
        self.pageSize = pageSize
        self.transactionBudget = transactionBudget
        self.pause = pause
    }

    /// What a reprocessing run did.
    public struct Report: Sendable, Hashable {
        public var rows = 0
        public var summary = InboxNormalization.Summary()
        /// Write transactions it took.
        public var transactions = 0
    }

    /// Reprocesses every row in `states`, oldest first.
    public func reprocess(states: Set<InboxState>, clock: @Sendable () -> Date = { Date() }) async throws -> Report {
        var report = Report()
        var afterID: Int64 = 0
        var paced = pacing()
        while true {
            let records = try await database.read { [afterID, pageSize] db in
                try InboxStore.rows(in: states, afterID: afterID, limit: pageSize, in: db)
            }
            guard let last = records.last else { return report }
            try await apply(records, to: &report, paced: &paced, at: clock())
            afterID = last.id
        }
    }

    /// Reprocesses the given rows.
    /// - Throws: ``ReprocessError/unknownRows(_:)`` when an id does not exist (nothing is reprocessed).
    public func reprocess(ids: [Int64], clock: @Sendable () -> Date = { Date() }) async throws -> Report {
        let records = try await database.read { db in try ids.compactMap { try InboxStore.record(id: $0, in: db) } }
        let missing = Set(ids).subtracting(records.map(\.id))
        guard missing.isEmpty else { throw ReprocessError.unknownRows(missing.sorted()) }
        var report = Report()
        var paced = pacing()
        try await apply(records, to: &report, paced: &paced, at: clock())
        return report
    }

    private func pacing() -> PacedTransactions {
        PacedTransactions(budget: transactionBudget, pause: pause, maximumSize: pageSize)
    }

    /// Normalizes `records` in transactions of about ``transactionBudget`` each.
    private func apply(
        _ records: [InboxRecord], to report: inout Report, paced: inout PacedTransactions, at now: Date
    ) async throws {
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(records.endIndex, start + paced.size)
            let items = records[start..<end].map { InboxNormalization.Item(record: $0, catalog: catalog) }
            let summary = try await paced.write(database) { db, _ in
                try InboxNormalization.apply(items, at: now, in: db)
            }
            report.rows += items.count
            report.transactions += 1
            report.summary.merge(summary)
            start = end
        }
    }
}

public enum ReprocessError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownRows([Int64])

    public var description: String {
        switch self {
        case .unknownRows(let ids): "no inbox row with id \(ids.map(String.init).joined(separator: ", "))"
        }
    }
}
