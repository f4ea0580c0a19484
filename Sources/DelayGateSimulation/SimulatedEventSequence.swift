import DelayGateModel
import HeapModule

/// Every event of a ``SimulatedDay`` in time order (instant, then carrier id, then tracking
/// number), built lazily: a heap holds one cursor per parcel with events left, so memory stays
/// at the compact per-parcel lists plus the heap however many events are read.
public struct SimulatedEventSequence: Sequence, Sendable {
    let store: SimulationStore

    public var underestimatedCount: Int { store.steps.count }

    public func makeIterator() -> Iterator {
        Iterator(store: store)
    }

    public struct Iterator: IteratorProtocol {
        private var merger: EventMerger
        private let store: SimulationStore

        init(store: SimulationStore) {
            self.store = store
            merger = EventMerger(store: store)
        }

        public mutating func next() -> TrackingEvent? {
            guard let (order, step) = merger.next() else { return nil }
            return store.event(order: order, step: step)
        }
    }
}

/// Merges the per-parcel step lists by (time, carrier, tracking number).
struct EventMerger {
    /// A parcel's next step. The key is `carrier << 32 | order index`: within a carrier, order
    /// index and tracking serial grow together, so comparing keys compares (carrier, tracking).
    struct Cursor: Comparable {
        var time: Int32
        var step: UInt32
        var key: UInt64

        static func < (lhs: Cursor, rhs: Cursor) -> Bool {
            lhs.time != rhs.time ? lhs.time < rhs.time : lhs.key < rhs.key
        }
    }

    private var heap: Heap<Cursor>
    private let store: SimulationStore

    init(store: SimulationStore) {
        self.store = store
        var cursors: [Cursor] = []
        cursors.reserveCapacity(store.records.count)
        for (index, record) in store.records.enumerated() where record.stepCount > 0 {
            cursors.append(
                Cursor(
                    time: store.steps[Int(record.stepStart)].time, step: record.stepStart,
                    key: UInt64(record.carrier) << 32 | UInt64(index)))
        }
        heap = Heap(cursors)
    }

    /// The next (order index, absolute step index), or nil when every event has been read.
    mutating func next() -> (order: Int, step: Int)? {
        guard let cursor = heap.min else { return nil }
        let order = Int(cursor.key & 0xFFFF_FFFF)
        let record = store.records[order]
        let next = cursor.step + 1
        if next < record.stepStart + UInt32(record.stepCount) {
            _ = heap.replaceMin(with: Cursor(time: store.steps[Int(next)].time, step: next, key: cursor.key))
        } else {
            _ = heap.popMin()
        }
        return (order, Int(cursor.step))
    }
}
