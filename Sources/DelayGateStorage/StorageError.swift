/// Failures of the storage layer that callers translate for their clients (HTTP 503 and the like).
public enum StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The writer has shut down; no more writes are accepted.
    case writerStopped
    /// The group transaction could not commit (disk full, I/O error, lock held too long):
    /// nothing of it was stored.
    case commitFailed(String)

    public var description: String {
        switch self {
        case .writerStopped: "the database writer has stopped"
        case .commitFailed(let reason): "the database could not commit: \(reason)"
        }
    }
}
