import DelayGateAlerting
import DelayGateConfig
import DelayGateEngine
import DelayGateModel
import Foundation
import Testing

@Suite("config/alerting.yaml")
struct AlertingConfigurationTests {
    func decode(_ yaml: String) throws(ConfigError) -> AlertingConfiguration {
        try ConfigDecoder(environment: [:]).decode(AlertingConfiguration.self, yaml: yaml, file: "alerting.yaml")
    }

    func error(_ yaml: String) -> String? {
        do {
            _ = try decode(yaml)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("the shipped file gives the built-in rules plus its Spring Festival window")
    func shippedFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("config/alerting.yaml").path
        let loaded = try AlertingConfiguration.load(path: path, environment: [:], required: true)
        let defaults = AlertingConfiguration()
        #expect(loaded.policy == defaults.policy)
        #expect(loaded.playbook == defaults.playbook)
        #expect(loaded.calendar.windows.prefix(2) == defaults.calendar.windows[...])
        #expect(loaded.calendar.windows.map(\.name).last == "Spring Festival 2027")
        // 2027-02-05 12:00 +08:00 is inside the window, 2027-02-15 00:00 +08:00 is after it.
        #expect(loaded.calendar.factor(at: Date(timeIntervalSince1970: 1_801_800_000)).factor == 1.8)
        #expect(loaded.calendar.factor(at: Date(timeIntervalSince1970: 1_802_620_800)).factor == 1)
    }

    @Test("a missing file gives the defaults, unless it was named explicitly")
    func missingFile() throws {
        let loaded = try AlertingConfiguration.load(
            path: "/nonexistent/alerting.yaml", environment: [:], required: false)
        #expect(loaded.policy == AlertPolicy())
        #expect(throws: ConfigError.self) {
            try AlertingConfiguration.load(path: "/nonexistent/alerting.yaml", environment: [:], required: true)
        }
    }

    @Test("thresholds, overrides, returns, presale, language and the playbook are read")
    func values() throws {
        let config = try decode(
            """
            language: en
            thresholds: { warning: 1.3, urgent: 1.8 }
            overrides:
              - { carrier: sf-express, region: 浙江省, warning: 1.1 }
            returns: { stall_after_hours: 36 }
            presale: { handling_hours: 12 }
            delivery_risk: { threshold: 0.6 }
            baselines: { default_hours: { hub_arrival: 8 } }
            playbook:
              - { level: extreme, actions: [helpdesk_ticket] }
            """)
        #expect(config.policy.language == .en)
        #expect(config.policy.thresholds == AlertPolicy.Thresholds(warning: 1.3, urgent: 1.8))
        #expect(
            config.policy.thresholds(carrier: "sf-express", region: "浙江省")
                == AlertPolicy.Thresholds(warning: 1.1, urgent: 1.8))
        #expect(
            config.policy.thresholds(carrier: "zto", region: "浙江省") == AlertPolicy.Thresholds(warning: 1.3, urgent: 1.8)
        )
        #expect(config.policy.returnStallAfter == 36 * 3600)
        #expect(config.policy.presaleHandling == 12 * 3600)
        #expect(config.policy.deliveryRiskThreshold == 0.6)
        #expect(config.policy.baselines.defaults[.hubArrival] == Double(8 * 3600))
        #expect(config.playbook.actions(level: .extreme, scenario: .disruption) == [.helpdeskTicket])
        #expect(config.playbook.actions(level: .warning, scenario: .dwell) == [])
    }

    @Test("the scheduler's batch, sleep, persistence and tick budget are read")
    func scheduler() throws {
        let loaded = try decode(
            "scheduler: { batch_size: 200, max_sleep_seconds: 5, persist_interval_seconds: 60, tick_budget_ms: 20.5 }")
        #expect(loaded.scheduler.batchSize == 200)
        #expect(loaded.scheduler.maximumSleep == .seconds(5))
        #expect(loaded.scheduler.persistInterval == .seconds(60))
        #expect(loaded.scheduler.tickBudget == .microseconds(20_500))
        #expect(try decode("language: en").scheduler.tickBudget == .milliseconds(50))
    }

    @Test("mistakes name the file, the line and the key")
    func mistakes() {
        #expect(
            error("thresholds: { warning: 1.5, urgent: 1.2 }")?.contains("urgent (1.2) must be above warning (1.5)")
                == true)
        #expect(error("thresholds: { warning: 0.8 }")?.contains("key 'thresholds.warning'") == true)
        #expect(error("language: fr")?.contains("expected zh or en") == true)
        #expect(error("overrides:\n  - { warning: 1.3 }")?.contains("names a carrier, a region or both") == true)
        #expect(
            error("playbook:\n  - { level: urgent, actions: [send_fax] }")?
                .contains("alerting.yaml:2: key 'playbook[0].actions': unknown action 'send_fax'") == true)
        #expect(
            error("peak_seasons:\n  - { name: x, from: 13-01, to: 12-02, factor: 1.2 }")?.contains("expected MM-DD")
                == true)
        #expect(
            error("peak_seasons:\n  - { name: x, from: 2027-02-10, to: 2027-02-01, factor: 1.2 }")?.contains(
                "is before") == true)
        #expect(
            error("baselines: { default_hours: { delivered: 3 } }")?.contains("not a milestone a parcel dwells at")
                == true)
        #expect(error("tresholds: { warning: 1.3 }")?.contains("did you mean 'thresholds'") == true)
        for budget in ["0", "1e16", "-5", "0.0001"] {
            #expect(
                error("scheduler: { tick_budget_ms: \(budget) }")?.contains(
                    "key 'scheduler.tick_budget_ms': expected milliseconds from 0.001 to 60000") == true, "\(budget)")
        }
        // YAML's infinity is no number to the decoder either.
        #expect(error("scheduler: { tick_budget_ms: .inf }")?.contains("key 'scheduler.tick_budget_ms'") == true)
        #expect(
            error("scheduler: { max_sleep_seconds: 1e300 }")?.contains(
                "key 'scheduler.max_sleep_seconds': expected seconds from 0.001 to 86400") == true)
        #expect(
            error("scheduler: { persist_interval_seconds: 1e300 }")?.contains(
                "key 'scheduler.persist_interval_seconds': expected seconds from 0.001 to 86400") == true)
    }
}
