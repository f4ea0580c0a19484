import Foundation
import Testing

@Suite("delaygate demo on the built binary", .timeLimit(.minutes(5)))
struct DemoTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("a small simulated day closes the loop: every incident detected, each alert's playbook actions at the vendors, once")
    func smallDay() async throws {
        let process = try GatewayProcess(
            arguments: ["demo", "--orders", "60", "--history", "600", "--speed", "20000", "--seed", "7", "--quiet"],
            environment: [:], workingDirectory: Self.repositoryRoot)
        let status = await process.exitStatus()
        let output = process.output
        #expect(status == 0, "\(output)")
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("demo: ") }, "\(output)")
        var figures: [String: String] = [:]
        for pair in line.dropFirst(6).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { figures[String(parts[0])] = String(parts[1]) }
        }
        func number(_ key: String) -> Int { Int(figures[key] ?? "") ?? -1 }
        #expect(figures["loop_closed"] == "true")
        #expect(number("incidents") > 0 && number("detected") == number("incidents"))
        #expect(number("refused") == 0, "every webhook and API request was accepted")
        // The repository's playbook, action by action: warning → SMS or push; urgent → ticket and
        // voice callback (customs holds and stalled returns: ticket only); extreme → ticket and re-ship.
        #expect(number("tickets") == number("urgent_alerts") + number("extreme_alerts"))
        #expect(number("callbacks") == number("urgent_alerts") - number("urgent_ticket_only_alerts"))
        #expect(number("sms") + number("pushes") == number("warning_alerts"))
        #expect(number("fulfilments") == number("extreme_alerts"))
        #expect(number("dead") == 0)
        #expect(number("duplicates") == 0)
        // One ticket as the helpdesk received it, with the customer's number masked in the output.
        #expect(output.contains("one ticket as the helpdesk received it:"))
        #expect(output.firstMatch(of: /\+86 ?1\d{10}/) == nil, "a full phone number was printed")
    }
}
