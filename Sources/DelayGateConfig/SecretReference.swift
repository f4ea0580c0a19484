import Foundation

/// A secret named by its environment variable, written `${VARIABLE}` in a configuration file.
///
/// Secrets never live in committed files: a literal value where a secret is expected is a
/// configuration error. The variable is read when the adapter is built, so an unset variable
/// is not a start-up failure: the adapter reports it (HTTP 503 naming the variable) and
/// `delaygate check` warns about it.
public struct SecretReference: Decodable, Hashable, Sendable, CustomStringConvertible {
    /// The environment variable that holds the secret.
    public let variable: String

    public init(variable: String) {
        self.variable = variable
    }

    public init(from decoder: any Decoder) throws {
        let raw: String
        if let nodeDecoder = decoder as? NodeDecoder {
            raw = try nodeDecoder.rawScalar()
        } else {
            raw = try decoder.singleValueContainer().decode(String.self)
        }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("${"), trimmed.hasSuffix("}"),
            case let name = trimmed.dropFirst(2).dropLast(), EnvironmentSubstitution.isVariableName(name)
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "secrets must come from the environment; write ${VARIABLE_NAME} instead of a value"))
        }
        self.variable = String(name)
    }

    /// The secret's value, or nil when the variable is unset or empty.
    public func value(in environment: [String: String]) -> String? {
        guard let value = environment[variable], !value.isEmpty else { return nil }
        return value
    }

    /// `${VARIABLE}`: never the value.
    public var description: String { "${\(variable)}" }
}
