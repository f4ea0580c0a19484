import DelayGateModel
import Foundation

/// Any JSON value, for payloads whose shape is described by configuration rather than code.
public enum DynamicJSON: Codable, Hashable, Sendable {
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case array([DynamicJSON])
    case object([String: DynamicJSON])
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([DynamicJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: DynamicJSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// The value as text: strings as they are, numbers and booleans printed; nil for null,
    /// arrays and objects.
    public var text: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): String(value)
        case .null, .array, .object: nil
        }
    }

    public var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        case .string(let value): Double(value)
        default: nil
        }
    }
}

/// A path into a JSON document: `$.data.scans[*]`, `$.waybill`, `site.city` (relative to the
/// current item), `docs[0]`, `$['odd key']`.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    enum Step: Hashable, Sendable {
        case key(String)
        case index(Int)
        case all
    }

    /// Whether the path starts at the document root (`$`) rather than at the current item.
    public let isAbsolute: Bool
    let steps: [Step]
    public let description: String

    /// Parses a path; nil when it is malformed.
    public init?(_ text: String) {
        description = text
        var rest = Substring(text.trimmingWhitespace())
        if rest.hasPrefix("$") {
            isAbsolute = true
            rest = rest.dropFirst()
        } else if rest.hasPrefix("@") {
            isAbsolute = false
            rest = rest.dropFirst()
        } else {
            isAbsolute = false
            if !rest.isEmpty { rest = "." + rest }
        }
        var steps: [Step] = []
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { return nil }
                steps.append(.key(String(name)))
                rest = rest.dropFirst(name.count)
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let inside = rest[rest.index(after: rest.startIndex)..<close]
                if inside == "*" {
                    steps.append(.all)
                } else if let index = Int(inside), index >= 0 {
                    steps.append(.index(index))
                } else if inside.count >= 2, inside.first == "'", inside.last == "'" {
                    steps.append(.key(String(inside.dropFirst().dropLast())))
                } else {
                    return nil
                }
                rest = rest[rest.index(after: close)...]
            } else {
                return nil
            }
        }
        self.steps = steps
    }

    /// Every value the path reaches from `root` (absolute paths) or `item` (relative ones).
    public func values(root: DynamicJSON, item: DynamicJSON) -> [DynamicJSON] {
        var current = [isAbsolute ? root : item]
        for step in steps {
            current = current.flatMap { value -> [DynamicJSON] in
                switch (step, value) {
                case (.key(let key), .object(let object)): object[key].map { [$0] } ?? []
                case (.index(let index), .array(let array)): index < array.count ? [array[index]] : []
                case (.all, .array(let array)): array
                case (.all, .object(let object)): object.keys.sorted().compactMap { object[$0] }
                default: []
                }
            }
        }
        return current
    }

    /// The first value reached, if any and not null.
    public func first(root: DynamicJSON, item: DynamicJSON) -> DynamicJSON? {
        values(root: root, item: item).first { $0 != .null }
    }
}
