import Foundation
import Yams

/// Decodes configuration files strictly: unknown keys and wrong types are errors that name the
/// file, the key and the line, and `${VARIABLE}` references are replaced from the environment.
///
/// Decoding goes through the types' ordinary `Decodable` conformances; what makes it strict is
/// that the decoder remembers every key a type asked for and, once the value is built, reports
/// any key in the file that nobody asked for (with the nearest known key as a suggestion).
///
/// ```swift
/// let decoder = ConfigDecoder(environment: ProcessInfo.processInfo.environment)
/// let config = try decoder.decode(GatewayConfig.self, yaml: text, file: "config/gateway.yaml")
/// ```
///
/// Substitution: `${NAME}` is replaced by the variable's value and is an error when it is
/// unset; `${NAME:-fallback}` uses `fallback` instead; `$$` is a literal `$`. Fields of type
/// ``SecretReference`` are not substituted: they keep the variable's name so that the secret
/// is read from the environment only where it is used.
public struct ConfigDecoder: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Parses YAML text into a node tree; an empty file is an empty mapping.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> Node {
        do {
            return try Yams.compose(yaml: yaml) ?? Node.mapping(Node.Mapping([]))
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), message: Self.summary(of: error))
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
    }

    /// Decodes `type` from YAML text.
    public func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(ConfigError) -> T {
        try decode(type, from: Self.parse(yaml: yaml, file: file), file: file)
    }

    /// Decodes `type` from a parsed node tree.
    ///
    /// - Parameter allowUnknownKeys: pass true only to peek at a few keys (such as an adapter
    ///   file's `kind`) before decoding the whole file strictly with the right type.
    public func decode<T: Decodable>(
        _ type: T.Type,
        from node: Node,
        file: String,
        allowUnknownKeys: Bool = false
    ) throws(ConfigError) -> T {
        let session = DecodingSession(environment: environment)
        let value: T
        do {
            value = try T(from: NodeDecoder(node: node, codingPath: [], session: session))
        } catch let error as DecodingError {
            throw Self.configError(from: error, root: node, file: file)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: file, message: "\(error)")
        }
        if !allowUnknownKeys {
            try session.checkForUnknownKeys(in: node, file: file)
        }
        return value
    }

    // MARK: Error reporting

    static func configError(from error: DecodingError, root: Node, file: String) -> ConfigError {
        switch error {
        case .keyNotFound(let key, let context):
            let path = context.codingPath + [key]
            return ConfigError(
                file: file, key: KeyPath.render(path), line: root.descendant(at: context.codingPath)?.mark?.line,
                message: "required key '\(key.stringValue)' is missing")
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return ConfigError(
                file: file, key: KeyPath.render(context.codingPath),
                line: root.descendant(at: context.codingPath)?.mark?.line, message: context.debugDescription)
        @unknown default:
            return ConfigError(file: file, message: "\(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return mark.line
        case .duplicatedKeysInMapping(_, let context):
            return context.mark.line
        default:
            return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            return "not valid YAML: \(problem)" + (context.map { " \($0.text)" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, _):
            return "duplicate key '\(duplicates.joined(separator: "', '"))'"
        default:
            return "not valid YAML: \(error)"
        }
    }
}

/// Renders coding paths as `a.b[2].c`.
enum KeyPath {
    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }
}

extension Node {
    /// The node reached by following a coding path, if it exists.
    func descendant(at path: [any CodingKey]) -> Node? {
        var node = self
        for key in path {
            switch node {
            case .mapping(let mapping):
                guard let next = mapping.first(where: { $0.key.scalar?.string == key.stringValue })?.value else {
                    return node
                }
                node = next
            case .sequence(let sequence):
                guard let index = key.intValue, index < sequence.count else { return node }
                node = sequence[index]
            default:
                return node
            }
        }
        return node
    }
}

/// State shared by all containers of one decode: the environment, and which keys were read.
final class DecodingSession {
    let environment: [String: String]
    /// Paths of mappings that some type decoded as keyed containers.
    private var openedMappings: Set<String> = []
    /// For each opened mapping, the keys that types asked about (read or checked for).
    private var askedKeys: [String: Set<String>] = [:]
    /// Paths of keys whose values were read.
    private var consumedKeys: Set<String> = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    func opened(mappingAt path: String) {
        openedMappings.insert(path)
    }

    func asked(_ key: String, inMappingAt path: String) {
        askedKeys[path, default: []].insert(key)
    }

    func consumed(_ key: String, inMappingAt path: String) {
        asked(key, inMappingAt: path)
        consumedKeys.insert(Self.child(path, key))
    }

    static func child(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }

    /// Reports the first key, in file order, that no type asked for.
    func checkForUnknownKeys(in node: Node, file: String) throws(ConfigError) {
        if let error = firstUnknownKey(in: node, path: "", file: file) { throw error }
    }

    private func firstUnknownKey(in node: Node, path: String, file: String) -> ConfigError? {
        switch node {
        case .mapping(let mapping):
            guard openedMappings.contains(path) else { return nil }
            for (keyNode, value) in mapping {
                let key = keyNode.scalar?.string ?? ""
                let childPath = Self.child(path, key)
                guard consumedKeys.contains(childPath) else {
                    let known = (askedKeys[path] ?? []).sorted()
                    var message = "unknown key '\(key)'"
                    if let suggestion = Suggestion.closest(to: key, among: known) {
                        message += "; did you mean '\(suggestion)'?"
                    } else if !known.isEmpty {
                        message += "; known keys here: \(known.joined(separator: ", "))"
                    }
                    return ConfigError(file: file, key: childPath, line: keyNode.mark?.line, message: message)
                }
                if let error = firstUnknownKey(in: value, path: childPath, file: file) { return error }
            }
            return nil
        case .sequence(let sequence):
            for (index, element) in sequence.enumerated() {
                if let error = firstUnknownKey(in: element, path: path + "[\(index)]", file: file) { return error }
            }
            return nil
        default:
            return nil
        }
    }

    /// The mapping path a coding path denotes, in the same notation as ``KeyPath``.
    static func path(_ codingPath: [any CodingKey]) -> String {
        KeyPath.render(codingPath)
    }
}

/// Finds a likely intended key for a misspelt one.
enum Suggestion {
    static func closest(to key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, key.count / 3) ? best.0 : nil
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}
