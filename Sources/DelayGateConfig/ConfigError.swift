/// A configuration problem, naming the file, the key and, where known, the line.
///
/// Its description is one line meant for an operator's terminal:
/// `adapters/acme.yaml:7: key 'verification.secret': secrets must come from the environment; write ${VARIABLE}`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file the problem is in, as the operator named it.
    public var file: String
    /// Dotted path of the offending key (`server.port`, `adapters[2].kind`); nil for whole-file problems.
    public var key: String?
    /// 1-based line of the offending node, when the parser reported one.
    public var line: Int?
    public var message: String

    public init(file: String, key: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key, !key.isEmpty { text += "key '\(key)': " }
        return text + message
    }
}

/// A non-fatal configuration finding, such as an adapter whose secret variable is unset.
public struct ConfigWarning: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String?
    public var message: String

    public init(file: String, key: String? = nil, message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file + ": "
        if let key, !key.isEmpty { text += "key '\(key)': " }
        return text + message
    }
}
