import Hummingbird
import Synchronization

/// What a mock has seen and done, as one value: every request received (parsed), the objects it created,
/// and how often a repeated idempotency key was answered with an existing object instead.
public struct MockSnapshot<Request: Sendable, Object: Sendable>: Sendable {
    /// Every request received, in order of completion (faulted ones included).
    public var requests: [Request]
    /// Every object created, in order.
    public var created: [Object]
    /// Requests whose idempotency key matched an object already created; none of them created another.
    public var duplicateKeyHits: Int

    public init(requests: [Request] = [], created: [Object] = [], duplicateKeyHits: Int = 0) {
        self.requests = requests
        self.created = created
        self.duplicateKeyHits = duplicateKeyHits
    }
}

/// The shared state machine of a mock: its snapshot, its fault plan, mock-specific `Extra` state and the
/// tasks waiting for a condition on the snapshot. One mutex guards all of it.
final class MockRecorder<Request: Sendable, Object: Sendable, Extra: Sendable>: Sendable {
    struct State: Sendable {
        var snapshot = MockSnapshot<Request, Object>()
        var faults: FaultPlan
        var extra: Extra
        var watchers: [Watcher] = []
    }

    struct Watcher: Sendable {
        var condition: @Sendable (MockSnapshot<Request, Object>) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private let state: Mutex<State>

    init(extra: Extra, faults: FaultPlan = .none) {
        state = Mutex(State(faults: faults, extra: extra))
    }

    var snapshot: MockSnapshot<Request, Object> { state.withLock { $0.snapshot } }

    func setFaults(_ faults: FaultPlan) { state.withLock { $0.faults = faults } }

    /// Pops the next fault of the plan.
    func nextFault() -> FaultPlan.Fault? { state.withLock { $0.faults.next() } }

    /// Changes the state, then wakes every waiter whose condition now holds.
    @discardableResult
    func update<T: Sendable>(_ body: (inout State) -> T) -> T {
        var ready: [CheckedContinuation<Void, Never>] = []
        let result = state.withLock { state -> T in
            let result = body(&state)
            let snapshot = state.snapshot
            ready = state.watchers.filter { $0.condition(snapshot) }.map(\.continuation)
            state.watchers.removeAll { $0.condition(snapshot) }
            return result
        }
        for continuation in ready { continuation.resume() }
        return result
    }

    /// Returns once `condition` holds for the snapshot (checked now and after every change).
    func waitUntil(_ condition: @escaping @Sendable (MockSnapshot<Request, Object>) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = state.withLock { state -> Bool in
                if condition(state.snapshot) { return true }
                state.watchers.append(Watcher(condition: condition, continuation: continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    /// Runs one request through the fault plan: a faulted request is recorded and answered with
    /// `faultAnswer` (or its connection dropped) without calling `handle`; otherwise `handle` answers
    /// (a `.delay` holds that answer). The request is recorded with the status it was answered with
    /// (`nil` for a dropped connection).
    func serve(
        _ context: MockRequestContext,
        record: (_ status: Int?) -> Request,
        faultAnswer: (FaultPlan.Fault) -> Response,
        handle: () async throws -> Response
    ) async throws -> Response {
        try await serve(context, fault: nextFault(), record: record, faultAnswer: faultAnswer, handle: handle)
    }

    /// `serve` with a fault chosen elsewhere (an endpoint with its own plan).
    func serve(
        _ context: MockRequestContext,
        fault: FaultPlan.Fault?,
        record: (_ status: Int?) -> Request,
        faultAnswer: (FaultPlan.Fault) -> Response,
        handle: () async throws -> Response
    ) async throws -> Response {
        switch fault {
        case .drop:
            let request = record(nil)
            update { $0.snapshot.requests.append(request) }
            try await context.dropConnection()
        case .status, .rateLimited:
            let response = faultAnswer(fault!)
            let request = record(response.status.code)
            update { $0.snapshot.requests.append(request) }
            return response
        case .delay(let duration):
            let response = try await handle()
            let request = record(response.status.code)
            update { $0.snapshot.requests.append(request) }
            // The answer is held even if the client gives up; a cancelled sleep just ends early.
            try? await Task.sleep(for: duration)
            return response
        case nil:
            let response = try await handle()
            let request = record(response.status.code)
            update { $0.snapshot.requests.append(request) }
            return response
        }
    }
}
