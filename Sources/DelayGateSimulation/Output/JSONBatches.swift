import Foundation

/// Request bodies of events in time order, each a complete JSON document of at most
/// `maxPerBatch` items: `{"events":[…]}` (canonical-json) or `{"updates":[…]}` (customs).
public struct JSONBatches: Sequence, Sendable {
    enum Format: Sendable {
        case canonical(includingCustoms: Bool)
        case customs
    }

    let store: SimulationStore
    let format: Format
    let maxPerBatch: Int

    public func makeIterator() -> Iterator {
        Iterator(batches: self)
    }

    public struct Iterator: IteratorProtocol {
        private let batches: JSONBatches
        private var merger: EventMerger
        private let encoder: EventJSONEncoder
        private var done = false

        init(batches: JSONBatches) {
            self.batches = batches
            merger = EventMerger(store: batches.store)
            encoder = EventJSONEncoder(store: batches.store)
        }

        public mutating func next() -> Data? {
            guard !done else { return nil }
            var writer = JSONBytes(capacity: batches.maxPerBatch * 520)
            var count = 0
            switch batches.format {
            case .canonical: writer.raw("{\"events\":[")
            case .customs: writer.raw("{\"updates\":[")
            }
            while count < batches.maxPerBatch, let (order, step) = merger.next() {
                let isCustoms = EventJSONEncoder.isCustoms(batches.store.steps[step])
                switch batches.format {
                case .canonical(let includingCustoms):
                    if isCustoms, !includingCustoms { continue }
                    if count > 0 { writer.raw(",\n") }
                    encoder.appendCanonicalEvent(order: order, step: step, to: &writer)
                case .customs:
                    guard isCustoms else { continue }
                    if count > 0 { writer.raw(",\n") }
                    encoder.appendCustomsUpdate(order: order, step: step, to: &writer)
                }
                count += 1
            }
            guard count > 0 else {
                done = true
                return nil
            }
            writer.raw("]}\n")
            return writer.data
        }
    }
}

extension SimulatedDay {
    /// Every event as `canonical-json` request bodies (docs/canonical-json.md), in time order, at
    /// most `maxEventsPerBatch` events each, with `event_id` set (`<tracking number>-<n>`).
    ///
    /// Customs events carry their details (missing documents, declaration, tax due) in a
    /// `details` member. Pass `includingCustomsEvents: false` when posting them through a
    /// `customs` adapter instead (``customsJSONBatches(maxUpdatesPerBatch:)``), so no scan is
    /// stored twice under two identities.
    public func canonicalJSONBatches(maxEventsPerBatch: Int, includingCustomsEvents: Bool = true) -> JSONBatches {
        precondition(maxEventsPerBatch > 0)
        return JSONBatches(
            store: store, format: .canonical(includingCustoms: includingCustomsEvents), maxPerBatch: maxEventsPerBatch)
    }

    /// The customs events as `customs` request bodies (docs/customs-json.md), in time order.
    public func customsJSONBatches(maxUpdatesPerBatch: Int) -> JSONBatches {
        precondition(maxUpdatesPerBatch > 0)
        return JSONBatches(store: store, format: .customs, maxPerBatch: maxUpdatesPerBatch)
    }
}
