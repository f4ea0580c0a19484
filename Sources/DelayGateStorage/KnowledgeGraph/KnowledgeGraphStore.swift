import Foundation
import GRDB

/// A node of the anomaly knowledge graph: a facility, carrier, region, scenario, cause,
/// resolution or outcome, named as the data names it.
public struct GraphEntity: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case facility, carrier, region, scenario, cause, resolution, outcome
    }

    public var kind: Kind
    public var name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String { "\(kind.rawValue):\(name)" }
}

/// A typed edge between two entities with its decayed weight and raw count.
public struct GraphEdge: Sendable, Hashable {
    public var source: GraphEntity
    public var relation: String
    public var target: GraphEntity
    /// The count with older evidence decayed (half-life given when the edge was strengthened).
    public var weight: Double
    public var count: Int
    public var updatedAt: Date
}

/// The anomaly knowledge graph in SQLite: `kg_entities` and weighted `kg_edges`.
///
/// Edges only grow: each resolved alert strengthens the edges its facts imply, and the weight of
/// old evidence fades with a half-life, so the top causes of a node follow what happens now.
public enum KnowledgeGraphStore {
    /// The id of an entity, created on first use.
    public static func entityID(_ entity: GraphEntity, in db: Database) throws -> Int64 {
        try db.execute(
            sql: "INSERT OR IGNORE INTO kg_entities (type, name) VALUES (?, ?)",
            arguments: [entity.kind.rawValue, entity.name])
        return try Int64.fetchOne(
            db, sql: "SELECT id FROM kg_entities WHERE type = ? AND name = ?",
            arguments: [entity.kind.rawValue, entity.name])!
    }

    /// Adds one piece of evidence to `source —relation→ target`: the count grows by one and the
    /// weight becomes the old weight decayed over the time since its last update, plus one.
    public static func strengthen(
        _ source: GraphEntity, _ relation: String, _ target: GraphEntity, halfLife: TimeInterval, at now: Date,
        in db: Database
    ) throws {
        let from = try entityID(source, in: db)
        let to = try entityID(target, in: db)
        let existing = try Row.fetchOne(
            db, sql: "SELECT weight, updated_at FROM kg_edges WHERE source = ? AND relation = ? AND target = ?",
            arguments: [from, relation, to])
        var weight = 1.0
        if let existing {
            let age = max(0, now.timeIntervalSince(Date(millisecondsSince1970: existing["updated_at"])))
            weight += (existing["weight"] as Double) * pow(0.5, age / halfLife)
        }
        try db.execute(
            sql: """
                INSERT INTO kg_edges (source, relation, target, weight, count, updated_at) VALUES (?, ?, ?, ?, 1, ?)
                ON CONFLICT (source, relation, target) DO UPDATE SET
                    weight = excluded.weight, count = count + 1, updated_at = excluded.updated_at
                """,
            arguments: [from, relation, to, weight, now.millisecondsSince1970])
    }

    /// The edges leaving `source` with `relation`, strongest first.
    public static func edges(
        from source: GraphEntity, _ relation: String, limit: Int = 10, in db: Database
    ) throws -> [GraphEdge] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT t.type AS type, t.name AS name, e.weight, e.count, e.updated_at
                FROM kg_entities s
                JOIN kg_edges e ON e.source = s.id AND e.relation = ?
                JOIN kg_entities t ON t.id = e.target
                WHERE s.type = ? AND s.name = ?
                ORDER BY e.weight DESC, e.count DESC, t.name
                LIMIT ?
                """,
            arguments: [relation, source.kind.rawValue, source.name, limit]
        ).compactMap { row in
            guard let kind = GraphEntity.Kind(rawValue: row["type"]) else { return nil }
            return GraphEdge(
                source: source, relation: relation, target: GraphEntity(kind, row["name"]), weight: row["weight"],
                count: row["count"], updatedAt: Date(millisecondsSince1970: row["updated_at"]))
        }
    }

    /// How many entities and edges the graph holds.
    public static func size(in db: Database) throws -> (entities: Int, edges: Int) {
        (
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kg_entities") ?? 0,
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kg_edges") ?? 0
        )
    }
}
