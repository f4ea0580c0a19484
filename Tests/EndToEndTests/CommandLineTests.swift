import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("delaygate command line", .timeLimit(.minutes(2)))
struct CommandLineTests {
    func run(_ arguments: [String], environment: [String: String] = [:], in folder: GatewayFolder) async throws
        -> (status: Int32, output: String)
    {
        let process = try GatewayProcess(arguments: arguments, environment: environment, workingDirectory: folder.root)
        let status = await process.exitStatus()
        return (status, process.output)
    }

    @Test("check passes a valid configuration and warns about an unset secret")
    func checkWarns() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let unset = try await run(["check", "--config", folder.configPath], in: folder)
        #expect(unset.status == 0, "\(unset.output)")
        #expect(unset.output.contains("adapter integrator (canonical-json)"))
        #expect(unset.output.contains("warning:") && unset.output.contains("E2E_HOOK_SECRET is not set"))
        let set = try await run(["check", "--config", folder.configPath], environment: folder.environment, in: folder)
        #expect(set.status == 0)
        #expect(!set.output.contains("warning:"))
    }

    @Test("check on a broken configuration names the file, line and key and exits non-zero")
    func checkFails() async throws {
        let folder = try GatewayFolder(adapterFiles: [
            "integrator.yaml": "kind: canonical-json\nverification:\n  secret: ${E2E_HOOK_SECRET}\n  tolerance: 30\n"
        ])
        defer { folder.remove() }
        let result = try await run(["check", "--config", folder.configPath], in: folder)
        #expect(result.status != 0)
        #expect(
            result.output.contains("integrator.yaml:4: key 'verification.tolerance': unknown key"), "\(result.output)")
        let missing = try await run(["check", "--config", folder.root + "/nope.yaml"], in: folder)
        #expect(missing.status != 0)
        #expect(missing.output.contains("nope.yaml: file not found"))
    }

    @Test("serve with a broken configuration refuses to start")
    func serveRefuses() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        try "server:\n  port: http\n".write(toFile: folder.configPath, atomically: true, encoding: .utf8)
        let result = try await run(["serve", "--config", folder.configPath], in: folder)
        #expect(result.status != 0)
        #expect(result.output.contains("gateway.yaml:2: key 'server.port': expected a whole number, found 'http'"))
    }

    @Test("SIGTERM stops the gateway cleanly")
    func gracefulStop() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let process = try folder.start()
        let address = try await process.listeningAddress()
        #expect(address.hasPrefix("127.0.0.1:"))
        process.signal(SIGTERM)
        #expect(await process.exitStatus() == 0)
        // The service group returned and the command finished: the orderly path, not just an exit code.
        #expect(process.output.contains("delaygate stopped"), "\(process.output)")
    }

    @Test("inbox list shows rows by state")
    func inboxList() async throws {
        let folder = try GatewayFolder()
        defer { folder.remove() }
        let empty = try await run(["inbox", "list", "--config", folder.configPath], in: folder)
        #expect(empty.status != 0)
        #expect(empty.output.contains("no database at"))
        let process = try folder.start()
        _ = try await process.listeningAddress()
        process.signal(SIGTERM)
        _ = await process.exitStatus()
        let listed = try await run(["inbox", "list", "--state", "rejected", "--config", folder.configPath], in: folder)
        #expect(listed.status == 0)
        #expect(listed.output.contains("no inbox rows in state rejected"))
        let bad = try await run(["inbox", "list", "--state", "lost", "--config", folder.configPath], in: folder)
        #expect(bad.status != 0)
    }
}
