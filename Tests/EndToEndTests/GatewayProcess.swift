import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The built `delaygate` binary, run as a child process.
final class GatewayProcess: Sendable {
    enum Failure: Error, CustomStringConvertible {
        case binaryMissing(String)
        case exitedBeforeListening(status: Int32, output: String)
        case notStopped(pid: Int32, runningThreads: Int)

        var description: String {
            switch self {
            case .binaryMissing(let path): "no delaygate binary at \(path); build it with `swift build`"
            case .exitedBeforeListening(let status, let output):
                "delaygate exited with \(status) before listening:\n\(output)"
            case .notStopped(let pid, let running):
                "process \(pid) still had \(running) running threads 10 s after SIGSTOP"
            }
        }
    }

    /// The `delaygate` executable built next to this test bundle.
    static var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundle, bundle.deletingLastPathComponent()].map {
            $0.appendingPathComponent("delaygate").path
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    private struct State {
        var output = ""
        var address: String?
        var addressWaiters: [CheckedContinuation<String?, Never>] = []
        var exitStatus: Int32?
        var exitWaiters: [CheckedContinuation<Int32, Never>] = []
    }

    /// Shared with the pipe and termination handlers.
    private final class Shared: Sendable {
        let state = Mutex(State())
    }

    private let process: Process
    private let shared = Shared()

    /// Starts `delaygate` with `arguments`; stdout and stderr are collected.
    init(arguments: [String], environment: [String: String], workingDirectory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw Failure.binaryMissing(Self.binary)
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { current, _ in current }
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let shared = self.shared
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            let waiters = shared.state.withLock { state -> ([CheckedContinuation<String?, Never>], String?) in
                state.output += String(decoding: data, as: UTF8.self)
                guard state.address == nil, let range = state.output.range(of: "listening on http://") else {
                    return ([], nil)
                }
                let rest = state.output[range.upperBound...]
                guard let end = rest.firstIndex(where: { $0.isWhitespace }) else { return ([], nil) }
                state.address = String(rest[..<end])
                defer { state.addressWaiters.removeAll() }
                return (state.addressWaiters, state.address)
            }
            for waiter in waiters.0 { waiter.resume(returning: waiters.1) }
        }
        let reader = pipe.fileHandleForReading
        process.terminationHandler = { process in
            // Everything the child wrote is in the pipe by now. Waiting for end-of-file instead
            // could hang: a child another test starts meanwhile may inherit the write end.
            reader.readabilityHandler = nil
            let rest = Self.drain(reader.fileDescriptor)
            let (exitWaiters, addressWaiters) = shared.state.withLock { state in
                state.output += String(decoding: rest, as: UTF8.self)
                state.exitStatus = process.terminationStatus
                defer {
                    state.exitWaiters.removeAll()
                    state.addressWaiters.removeAll()
                }
                return (state.exitWaiters, state.addressWaiters)
            }
            for waiter in exitWaiters { waiter.resume(returning: process.terminationStatus) }
            for waiter in addressWaiters { waiter.resume(returning: nil) }
        }
        try process.run()
    }

    /// Everything the process printed so far.
    var output: String { shared.state.withLock { $0.output } }

    /// Waits for the "listening on http://HOST:PORT" line and returns `HOST:PORT`.
    func listeningAddress() async throws -> String {
        let address = await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
            let known = shared.state.withLock { state -> String?? in
                if let address = state.address { return .some(address) }
                if state.exitStatus != nil { return .some(nil) }
                state.addressWaiters.append(continuation)
                return .none
            }
            if let known { continuation.resume(returning: known) }
        }
        guard let address else {
            throw Failure.exitedBeforeListening(status: shared.state.withLock { $0.exitStatus } ?? -1, output: output)
        }
        return address
    }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Sends SIGSTOP and returns once every thread of the process is stopped (a stop signal is
    /// delivered to each thread as it next runs, not at once).
    func stop() async throws {
        signal(SIGSTOP)
        let tasks = "/proc/\(process.processIdentifier)/task"
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let threads = try FileManager.default.contentsOfDirectory(atPath: tasks)
            let running = threads.filter { thread in
                // The state is the field after the parenthesised command name: T when stopped.
                guard let stat = try? String(contentsOfFile: "\(tasks)/\(thread)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                else { return false }  // the thread has exited
                let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
                return state != "T" && state != "t"
            }
            if running.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw Failure.notStopped(pid: process.processIdentifier, runningThreads: running.count)
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Reads what is in the pipe now, without waiting for more.
    private static func drain(_ descriptor: Int32) -> [UInt8] {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return bytes }
            bytes += buffer[0..<count]
        }
    }

    /// Waits for the process to exit and returns its status; its output is complete by then.
    func exitStatus() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let status = shared.state.withLock { state -> Int32? in
                if let status = state.exitStatus { return status }
                state.exitWaiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }
}

/// A gateway configuration in a temporary folder.
struct GatewayFolder {
    static let secret = "e2e-secret-9f3c2a"
    let root: String
    /// Variables the gateway runs with: the webhook secret and `extraEnvironment`.
    let environment: [String: String]

    /// - Parameters:
    ///   - adapterFiles: `adapters/` files by name (default: one canonical-json adapter).
    ///   - outboundFiles: `adapters/outbound/` files by name.
    ///   - actions: the text of `config/actions.yaml`, if any.
    init(
        adapterFiles: [String: String]? = nil, outboundFiles: [String: String] = [:], actions: String? = nil,
        extraEnvironment: [String: String] = [:], synchronous: String = "full"
    ) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-e2e-\(UUID().uuidString)").path
        environment = extraEnvironment.merging(["E2E_HOOK_SECRET": Self.secret]) { _, secret in secret }
        try FileManager.default.createDirectory(atPath: root + "/adapters/outbound", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/config", withIntermediateDirectories: true)
        try """
        server:
          host: 127.0.0.1
          port: 0
        storage:
          path: \(root)/data/gateway.sqlite
          synchronous: \(synchronous)
        adapters_dir: \(root)/adapters
        actions_file: \(root)/config/actions.yaml
        logging:
          level: notice
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let files =
            adapterFiles ?? [
                "integrator.yaml": """
                kind: canonical-json
                verification:
                  secret: ${E2E_HOOK_SECRET}
                """
            ]
        for (name, text) in files {
            try text.write(toFile: root + "/adapters/" + name, atomically: true, encoding: .utf8)
        }
        for (name, text) in outboundFiles {
            try text.write(toFile: root + "/adapters/outbound/" + name, atomically: true, encoding: .utf8)
        }
        try actions?.write(toFile: root + "/config/actions.yaml", atomically: true, encoding: .utf8)
    }

    var configPath: String { root + "/config/gateway.yaml" }
    var databasePath: String { root + "/data/gateway.sqlite" }

    func start() throws -> GatewayProcess {
        try GatewayProcess(
            arguments: ["serve", "--config", configPath], environment: environment, workingDirectory: root)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}
