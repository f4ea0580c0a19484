import DelayGateAdapters
import DelayGateStorage
import Foundation
import GRDB

/// Normalizes stored inbox rows again from their raw bodies, with the adapters as they are
/// configured now: after a parser fix, or a configuration fix that makes rejected bodies usable.
///
/// Safe to repeat and safe while the gateway runs: events are stored once by their keys and
/// shipment state never moves backwards.
public struct InboxReprocessor: Sendable {
    public let database: any DatabaseWriter
    public let catalog: AdapterCatalog
    public var pageSize: Int

    public init(database: any DatabaseWriter, catalog: AdapterCatalog, pageSize: Int = 500) {
        self.database = database
        self.catalog = catalog
        self.pageSize = pageSize
    }

    /// What a reprocessing run did.
    public struct Report: Sendable, Hashable {
        public var rows = 0
        public var summary = InboxNormalization.Summary()
    }

    /// Reprocesses every row in `states`, oldest first.
    public func reprocess(states: Set<InboxState>, clock: @Sendable () -> Date = { Date() }) async throws -> Report {
        var report = Report()
        var afterID: Int64 = 0
        while true {
            let records = try await database.read { [afterID, pageSize] db in
                try InboxStore.rows(in: states, afterID: afterID, limit: pageSize, in: db)
            }
            guard let last = records.last else { return report }
            try await apply(records, to: &report, at: clock())
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
        try await apply(records, to: &report, at: clock())
        return report
    }

    private func apply(_ records: [InboxRecord], to report: inout Report, at now: Date) async throws {
        let items = records.map { InboxNormalization.Item(record: $0, catalog: catalog) }
        let summary = try await database.write { db in try InboxNormalization.apply(items, at: now, in: db) }
        report.rows += records.count
        report.summary.merge(summary)
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
