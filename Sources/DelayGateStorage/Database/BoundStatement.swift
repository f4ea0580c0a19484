import DelayGateModel
import Foundation
import GRDB
import GRDBSQLite

/// A GRDB cached statement driven through SQLite's C API, for the statements that run once or
/// more per ingested event.
///
/// GRDB's `execute(arguments:)` boxes every argument into an existential and `Row` builds a
/// column-name dictionary per row; on the normalization path that Swift overhead cost several
/// times what SQLite itself spent. Binding by position and reading columns by index keeps the
/// statement cache, transactions and error types of GRDB, without the per-row allocations.
///
/// ```swift
/// var insert = try BoundStatement(db, sql: "INSERT INTO t (a, b) VALUES (?, ?)")
/// insert.bind(1, "text"); insert.bind(2, 42 as Int64)
/// try insert.run()
/// ```
struct BoundStatement: ~Copyable {
    private let db: Database
    private let handle: OpaquePointer

    init(_ db: Database, sql: String) throws {
        self.db = db
        self.handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    deinit {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: String?) {
        guard var text = value else { return bindNull(index) }
        text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { chars in
                // An empty buffer may have no address; SQLite needs one for '' (as opposed to NULL).
                if let base = chars.baseAddress {
                    _ = sqlite3_bind_text(handle, index, base, Int32(chars.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                }
            }
        }
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else { return bindNull(index) }
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    func bind(_ index: Int32, _ value: Double?) {
        guard let value else { return bindNull(index) }
        sqlite3_bind_double(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Data?) {
        guard let value else { return bindNull(index) }
        value.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(
                handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.transient)
        }
    }

    /// Binds a node's seven columns (facility code and name, city, region, country, latitude,
    /// longitude, the order both the events and the shipments tables use), from `index` on.
    func bind(_ node: TrackingNode, from index: Int32) {
        bind(index, node.facilityCode)
        bind(index + 1, node.facilityName)
        bind(index + 2, node.city)
        bind(index + 3, node.region)
        bind(index + 4, node.country)
        bind(index + 5, node.coordinates?.latitude)
        bind(index + 6, node.coordinates?.longitude)
    }

    /// Reads a node from seven columns in the order ``bind(_:from:)`` writes them.
    func node(from column: Int32) -> TrackingNode {
        let latitude = double(column + 5)
        let longitude = double(column + 6)
        return TrackingNode(
            facilityCode: string(column), facilityName: string(column + 1), city: string(column + 2),
            region: string(column + 3), country: string(column + 4),
            coordinates: latitude.flatMap { lat in longitude.map { Coordinates(latitude: lat, longitude: $0) } })
    }

    func bindNull(_ index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Steps to the next row; false when there is none.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code)
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }

    func int64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : sqlite3_column_int64(handle, column)
    }

    func double(_ column: Int32) -> Double? {
        isNull(column) ? nil : sqlite3_column_double(handle, column)
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code),
            message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
            sql: String(cString: sqlite3_sql(handle)))
    }
}
