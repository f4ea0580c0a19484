import Metrics
import Synchronization

/// Metric handles by label values, made once and then reused.
///
/// Building a swift-metrics handle asks the backend to sanitize names and look the series up
/// under a lock; on a path taken for every request that is measurable, so each distinct set of
/// label values is resolved once.
///
/// ```swift
/// let commits = MetricHandles(label: "delaygate_inbox_commits_total", labels: ["adapter", "state"], factory: factory) {
///     Counter(label: $0, dimensions: $1, factory: $2)
/// }
/// commits["integrator", "pending"].increment()
/// ```
public final class MetricHandles<Handle: AnyObject & Sendable>: Sendable {
    private let label: String
    private let labels: [String]
    private let factory: any MetricsFactory
    private let make: @Sendable (String, [(String, String)], any MetricsFactory) -> Handle
    private let handles = Mutex<[[String]: Handle]>([:])

    public init(
        label: String,
        labels: [String],
        factory: any MetricsFactory,
        make: @escaping @Sendable (String, [(String, String)], any MetricsFactory) -> Handle
    ) {
        self.label = label
        self.labels = labels
        self.factory = factory
        self.make = make
    }

    /// The handle for these label values, in the order the labels were given.
    public subscript(_ values: String...) -> Handle {
        precondition(values.count == labels.count, "\(label) takes \(labels.count) label values")
        return handles.withLock { handles in
            if let handle = handles[values] { return handle }
            let handle = make(label, Array(zip(labels, values)), factory)
            handles[values] = handle
            return handle
        }
    }
}

extension MetricHandles where Handle == Counter {
    public convenience init(counter label: String, labels: [String], factory: any MetricsFactory) {
        self.init(label: label, labels: labels, factory: factory) { Counter(label: $0, dimensions: $1, factory: $2) }
    }
}

extension MetricHandles where Handle == Metrics.Timer {
    public convenience init(timer label: String, labels: [String], factory: any MetricsFactory) {
        self.init(label: label, labels: labels, factory: factory) {
            Metrics.Timer(label: $0, dimensions: $1, factory: $2)
        }
    }
}
