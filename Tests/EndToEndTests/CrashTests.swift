import AsyncHTTPClient
import DelayGateAdapters
import DelayGateStorage
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Crash safety of the built gateway", .serialized, .timeLimit(.minutes(5)))
struct CrashTests {
    /// Events acknowledged with a 2xx, by event id.
    final class Ledger: Sendable {
        private struct Acknowledged {
            var ids: Set<String> = []
            /// Callers of ``waitUntil(count:)``, with the count each waits for.
            var waiters: [(count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
            /// Set by ``loadEnded()``: no more acknowledgements will come.
            var ended = false
        }

        private let acknowledged = Mutex(Acknowledged())
        private let attempted = Atomic<Int>(0)
        private let signalled = Mutex<Date?>(nil)

        func nextID(round: Int) -> String {
            "r\(round)-\(attempted.add(1, ordering: .relaxed).newValue)"
        }

        func acknowledge(_ id: String) -> Int {
            let (count, reached) = acknowledged.withLock { state in
                state.ids.insert(id)
                let count = state.ids.count
                let reached = state.waiters.filter { $0.count <= count }.map(\.continuation)
                state.waiters.removeAll { $0.count <= count }
                return (count, reached)
            }
            for waiter in reached { waiter.resume(returning: true) }
            return count
        }

        /// Says that the load has stopped: waiters whose count is not reached are told so instead
        /// of waiting for ever, and so is every later caller of ``waitUntil(count:)``.
        func loadEnded() {
            let waiting = acknowledged.withLock { state in
                state.ended = true
                defer { state.waiters.removeAll() }
                return state.waiters.map(\.continuation)
            }
            for waiter in waiting { waiter.resume(returning: false) }
        }

        var ids: Set<String> { acknowledged.withLock { $0.ids } }

        /// Returns true once `count` events are acknowledged, or false when the load ended
        /// (``loadEnded()``) before that.
        func waitUntil(count: Int) async -> Bool {
            await withCheckedContinuation { continuation in
                let known = acknowledged.withLock { state -> Bool? in
                    if state.ids.count >= count { return true }
                    if state.ended { return false }
                    state.waiters.append((count, continuation))
                    return nil
                }
                if let known { continuation.resume(returning: known) }
            }
        }

        /// When ``CrashTests/load(address:process:ledger:round:connections:killAfter:signal:client:)`` sent its signal.
        var signalledAt: Date? { signalled.withLock { $0 } }

        func recordSignal() { signalled.withLock { $0 = Date() } }
    }

    static func body(eventID: String) -> String {
        #"{"events":[{"event_id":"\#(eventID)","carrier":"sf-express","tracking_number":"SF-\#(eventID)","time":"2026-11-11T08:30:00+08:00","milestone":"hub_arrival","raw_text":"快件到达【杭州转运中心】","node":{"facility_name":"杭州转运中心","city":"杭州市","country":"CN"}}]}"#
    }

    /// Posts events from `connections` concurrent connections until the process stops; after
    /// `killAfter` acknowledgements it is sent `signal` (SIGKILL unless given another).
    static func load(
        address: String, process: GatewayProcess, ledger: Ledger, round: Int, connections: Int, killAfter: Int,
        signal: Int32 = SIGKILL, client: HTTPClient
    ) async {
        // The connections return once the gateway stops answering; once the process has exited
        // no answer can come, so requests still trying to connect are abandoned instead of
        // retrying until their timeout. (Waiting for the exit is not cancellable, so it runs
        // beside the connections rather than among them: the load ends when they do.)
        let signalledBefore = ledger.signalledAt
        let connectionTasks = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        while !Task.isCancelled {
                            let id = ledger.nextID(round: round)
                            let body = Self.body(eventID: id)
                            var request = HTTPClientRequest(url: "http://\(address)/webhooks/integrator")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.headers.add(
                                name: "X-DelayGate-Signature",
                                value: TimestampedHMACSignature.headerValue(
                                    body: Data(body.utf8), secret: GatewayFolder.secret, time: Date()))
                            request.body = .bytes(ByteBuffer(string: body))
                            do {
                                let response = try await client.execute(request, timeout: .seconds(10))
                                _ = try? await response.body.collect(upTo: 1 << 16)
                                guard (200..<300).contains(response.status.code) else { return }
                                if ledger.acknowledge(id) == killAfter {
                                    ledger.recordSignal()
                                    process.signal(signal)
                                }
                            } catch {
                                return  // the gateway is gone: this request's outcome is unknown
                            }
                        }
                    }
                }
            }
        }
        let exitWatcher = Task {
            _ = await process.exitStatus()
            connectionTasks.cancel()
        }
        await withTaskCancellationHandler {
            await connectionTasks.value
        } onCancel: {
            connectionTasks.cancel()
        }
        if killAfter < .max, ledger.signalledAt == signalledBefore {
            // Every connection ended (refused or failed) before the count was reached: the
            // caller would wait for an exit that never comes, so stop the gateway and say why.
            // (`Int.max` means the caller stops the gateway itself.)
            Issue.record("round \(round): the load ended after \(ledger.ids.count) acknowledgements, before the signal")
            ledger.recordSignal()
            process.signal(signal)
        }
        exitWatcher.cancel()
    }

    @Test("SIGKILL mid-stream, restart: every acknowledged event is stored exactly once")
    func killAndRestart() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let ledger = Ledger()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)))
        var generator = SystemRandomNumberGenerator()
        do {
            for round in 1...3 {
                let process = try folder.start()
                let address = try await process.listeningAddress()
                let killAfter = Int.random(in: 150...600, using: &generator)
                await Self.load(
                    address: address, process: process, ledger: ledger, round: round, connections: 32,
                    killAfter: ledger.ids.count + killAfter, client: client)
                #expect(await process.exitStatus() != 0, "round \(round) should have been killed")
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()

        // Restart once more and stop gracefully: recovery normalizes what the kills left pending.
        let last = try folder.start()
        _ = try await last.listeningAddress()
        last.signal(SIGTERM)
        #expect(await last.exitStatus() == 0, "graceful stop failed:\n\(last.output)")

        let acknowledged = ledger.ids
        #expect(acknowledged.count >= 450)
        let database = try DatabaseQueue(path: folder.databasePath)
        let (eventCounts, inboxPending, inboxRows) = try await database.read { db in
            (
                try Row.fetchAll(
                    db, sql: "SELECT carrier_event_id, COUNT(*) AS n FROM events GROUP BY carrier_event_id"
                )
                .reduce(into: [String: Int]()) { $0[$1["carrier_event_id"]] = $1["n"] },
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE state = 'pending'") ?? -1,
                try Row.fetchAll(db, sql: "SELECT body FROM inbox").map {
                    String(decoding: $0["body"] as Data, as: UTF8.self)
                }
            )
        }
        let missing = acknowledged.filter { eventCounts[$0] == nil }
        #expect(missing.isEmpty, "acknowledged but not stored: \(missing.sorted().prefix(10))")
        #expect(eventCounts.values.allSatisfy { $0 == 1 }, "an event is stored twice")
        #expect(inboxPending == 0)
        var bodies: [String: Int] = [:]
        for body in inboxRows { bodies[body, default: 0] += 1 }
        #expect(bodies.values.allSatisfy { $0 == 1 }, "a request body is stored twice")
        for id in acknowledged.prefix(50) {
            #expect(bodies[Self.body(eventID: id)] == 1)
        }
    }
}
