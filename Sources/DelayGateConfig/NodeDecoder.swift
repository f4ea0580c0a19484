import Foundation
import Yams

/// A `Decoder` over a Yams node tree that records which keys are read (see ``ConfigDecoder``).
struct NodeDecoder: Decoder {
    let node: Node
    let codingPath: [any CodingKey]
    let session: DecodingSession
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let pairs: [(key: String, value: Node)]
        switch node {
        case .mapping(let mapping):
            pairs = mapping.map { (key: $0.key.scalar?.string ?? "", value: $0.value) }
        case .scalar where node.isNull:
            pairs = []
        default:
            throw DecodingError.typeMismatch(
                [String: Any].self,
                .init(
                    codingPath: codingPath,
                    debugDescription: "expected a mapping of keys, found \(node.kindDescription)"))
        }
        let path = DecodingSession.path(codingPath)
        session.opened(mappingAt: path)
        return KeyedDecodingContainer(
            KeyedNodeContainer<Key>(pairs: pairs, codingPath: codingPath, path: path, session: session))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch node {
        case .sequence(let sequence):
            return UnkeyedNodeContainer(elements: Array(sequence), codingPath: codingPath, session: session)
        case .scalar where node.isNull:
            return UnkeyedNodeContainer(elements: [], codingPath: codingPath, session: session)
        default:
            throw DecodingError.typeMismatch(
                [Any].self,
                .init(codingPath: codingPath, debugDescription: "expected a list, found \(node.kindDescription)"))
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueNodeContainer(node: node, codingPath: codingPath, session: session)
    }

    /// The scalar text exactly as written, with no `${…}` substitution (used by ``SecretReference``).
    func rawScalar() throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: codingPath, debugDescription: "expected a string, found \(node.kindDescription)"))
        }
        return scalar.string
    }
}

extension Node {
    /// A plain `~`, `null` or empty scalar.
    var isNull: Bool {
        guard case .scalar(let scalar) = self, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    var kindDescription: String {
        switch self {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): isNull ? "nothing (null)" : "'\(scalar.string)'"
        }
    }
}

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ index: Int) {
        self.intValue = index
        self.stringValue = "Index \(index)"
    }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, value: Node)]
    let codingPath: [any CodingKey]
    let path: String
    let session: DecodingSession

    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool {
        session.asked(key.stringValue, inMappingAt: path)
        return pairs.contains { $0.key == key.stringValue }
    }

    private func value(for key: Key) throws -> Node {
        session.asked(key.stringValue, inMappingAt: path)
        guard let node = pairs.first(where: { $0.key == key.stringValue })?.value else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "required key '\(key.stringValue)' is missing"))
        }
        session.consumed(key.stringValue, inMappingAt: path)
        return node
    }

    private func decoder(for key: Key) throws -> NodeDecoder {
        NodeDecoder(node: try value(for: key), codingPath: codingPath + [key], session: session)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        let node = try value(for: key)
        return node.isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = try decoder(for: key)
        return try SingleValueNodeContainer(node: decoder.node, codingPath: decoder.codingPath, session: session)
            .decode(type)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeScalar(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try decodeScalar(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeScalar(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decodeScalar(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeScalar(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decodeScalar(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decodeScalar(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeScalar(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeScalar(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decodeScalar(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decodeScalar(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decodeScalar(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decodeScalar(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeScalar(type, forKey: key) }

    private func decodeScalar<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = try decoder(for: key)
        return try SingleValueNodeContainer(node: decoder.node, codingPath: decoder.codingPath, session: session)
            .decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        NodeDecoder(
            node: .mapping(Node.Mapping(pairs.map { (Node($0.key), $0.value) })), codingPath: codingPath,
            session: session)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(for: key) }
}

struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let elements: [Node]
    let codingPath: [any CodingKey]
    let session: DecodingSession
    var currentIndex = 0

    init(elements: [Node], codingPath: [any CodingKey], session: DecodingSession) {
        self.elements = elements
        self.codingPath = codingPath
        self.session = session
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func nextDecoder() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "the list has too few elements"))
        }
        let decoder = NodeDecoder(
            node: elements[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)], session: session)
        currentIndex += 1
        return decoder
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if elements[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = try nextDecoder()
        return try SingleValueNodeContainer(node: decoder.node, codingPath: decoder.codingPath, session: session)
            .decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        try nextDecoder().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try nextDecoder().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try nextDecoder() }
}

struct SingleValueNodeContainer: SingleValueDecodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let session: DecodingSession

    func decodeNil() -> Bool { node.isNull }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is String.Type: return try string() as! T
        case is Bool.Type: return try bool() as! T
        case is Double.Type: return try number(Double.self, "a number") as! T
        case is Float.Type: return try number(Float.self, "a number") as! T
        case is Int.Type: return try integer(Int.self) as! T
        case is Int8.Type: return try integer(Int8.self) as! T
        case is Int16.Type: return try integer(Int16.self) as! T
        case is Int32.Type: return try integer(Int32.self) as! T
        case is Int64.Type: return try integer(Int64.self) as! T
        case is UInt.Type: return try integer(UInt.self) as! T
        case is UInt8.Type: return try integer(UInt8.self) as! T
        case is UInt16.Type: return try integer(UInt16.self) as! T
        case is UInt32.Type: return try integer(UInt32.self) as! T
        case is UInt64.Type: return try integer(UInt64.self) as! T
        default: return try T(from: NodeDecoder(node: node, codingPath: codingPath, session: session))
        }
    }

    func string() throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull || scalar.style != .plain else {
            throw mismatch("a string")
        }
        return try EnvironmentSubstitution.substitute(
            scalar.string, environment: session.environment, codingPath: codingPath)
    }

    private func bool() throws -> Bool {
        switch try plainText("true or false").lowercased() {
        case "true": return true
        case "false": return false
        default: throw mismatch("true or false")
        }
    }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let text = try plainText("a whole number").replacingOccurrences(of: "_", with: "")
        guard let value = T(text) else {
            if Int64(text) != nil || Double(text) == nil {
                throw mismatch("a whole number" + (Int64(text) != nil ? " between \(T.min) and \(T.max)" : ""))
            }
            throw mismatch("a whole number")
        }
        return value
    }

    private func number<T: LosslessStringConvertible>(_ type: T.Type, _ expected: String) throws -> T {
        guard let value = T(try plainText(expected).replacingOccurrences(of: "_", with: "")) else {
            throw mismatch(expected)
        }
        return value
    }

    /// Scalar text after substitution, for non-string types.
    private func plainText(_ expected: String) throws -> String {
        guard case .scalar(let scalar) = node, !node.isNull else { throw mismatch(expected) }
        return try EnvironmentSubstitution.substitute(
            scalar.string, environment: session.environment, codingPath: codingPath)
    }

    private func mismatch(_ expected: String) -> DecodingError {
        DecodingError.typeMismatch(
            Any.self,
            .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(node.kindDescription)"))
    }
}

/// `${NAME}` / `${NAME:-fallback}` / `$$` substitution.
enum EnvironmentSubstitution {
    static func substitute(_ text: String, environment: [String: String], codingPath: [any CodingKey]) throws -> String
    {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            if afterDollar < rest.endIndex, rest[afterDollar] == "$" {
                result += "$"
                rest = rest[rest.index(after: afterDollar)...]
                continue
            }
            guard afterDollar < rest.endIndex, rest[afterDollar] == "{",
                let close = rest[afterDollar...].firstIndex(of: "}")
            else {
                result += "$"
                rest = rest[afterDollar...]
                continue
            }
            let body = rest[rest.index(after: afterDollar)..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = body.range(of: ":-") {
                name = body[..<separator.lowerBound]
                fallback = body[separator.upperBound...]
            } else {
                name = body
                fallback = nil
            }
            guard isVariableName(name) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: codingPath,
                        debugDescription: "'${\(body)}' is not a valid environment variable reference"))
            }
            if let value = environment[String(name)], !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: codingPath, debugDescription: "environment variable \(name) is not set"))
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.first, first == "_" || first.isASCII && first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}
