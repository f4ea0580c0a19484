import Foundation
import Testing

@Suite("delaygate demo on the built binary", .timeLimit(.minutes(5)))
struct DemoTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("a small simulated day closes the loop: every incident detected, each alert's playbook actions at the vendors, once")
    func smallDay() async throws {
        let process = try GatewayProcess(
            arguments: ["demo", "--orders", "200", "--history", "600", "--speed", "20000", "--seed", "7", "--quiet"],
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
        // This day (seed 7, 200 orders) holds every kind of incident the playbook has an answer
        // for, and each was detected: the ground-truth line counts them by kind.
        let truth = try #require(output.split(separator: "\n").first { $0.hasPrefix("ground truth: ") })
        for kind in ["customs_hold", "presale_slip", "return_stall", "stall"] {
            let counts = try #require(truth.firstMatch(of: try Regex("\(kind) (\\d+)/(\\d+)")), "\(truth)")
            let (detected, injected) = (Int(counts.output[1].substring!)!, Int(counts.output[2].substring!)!)
            #expect(injected > 0 && detected == injected, "\(kind): \(truth)")
        }
        #expect(number("urgent_ticket_only_alerts") > 0, "customs holds and stalled returns open tickets only")
        #expect(number("fulfilments") > 0, "the typhoon's extreme alerts ask the ERP to re-ship")
        #expect(number("sms") > 0 && number("pushes") > 0)
        // False alarms stay rare: parcels alerted where they were without an injected incident.
        // (When the clock ran on while the gateway lagged, a slow machine saw most parcels alerted.)
        #expect(number("unexplained_parcels") >= 0 && number("unexplained_parcels") <= number("orders") / 20)
        // One ticket as the helpdesk received it, with the customer's number masked in the output.
        #expect(output.contains("one ticket as the helpdesk received it:"))
        #expect(output.firstMatch(of: /\+86 ?1\d{10}/) == nil, "a full phone number was printed")
    }
}
