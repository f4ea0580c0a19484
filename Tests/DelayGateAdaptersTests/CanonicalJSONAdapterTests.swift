import DelayGateAdapters
import DelayGateConfig
import DelayGateModel
import Foundation
import Testing

/// Writes adapter files into a temporary folder.
struct AdapterFolder {
    let path: String

    init(_ files: [String: String]) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-adapters-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: (path as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    func load(_ environment: [String: String]) -> AdapterCatalog.LoadResult {
        AdapterCatalog.load(directory: path, environment: environment)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

let integratorFile = """
    kind: canonical-json
    verification:
      secret: ${HOOK_SECRET}
      previous_secret: ${HOOK_SECRET_OLD}
    options:
      default_time_zone: Asia/Shanghai
    """

@Suite("canonical-json adapter")
struct CanonicalJSONAdapterTests {
    let receivedAt = Date(timeIntervalSince1970: 1_794_400_000)

    func adapter(_ file: String = integratorFile, env: [String: String] = ["HOOK_SECRET": "s3cret"]) throws
        -> any InboundAdapter
    {
        let folder = try AdapterFolder(["integrator.yaml": file])
        defer { folder.remove() }
        let loaded = folder.load(env)
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        return try #require(loaded.catalog.adapter(named: "integrator"))
    }

    @Test("a batch becomes canonical events, with the time source recorded per event")
    func parsesBatch() throws {
        let body = """
            {"events": [
              {"event_id": "e-1", "carrier": "sf-express", "tracking_number": "SF1400000001",
               "time": "2026-11-11T08:30:00+08:00", "milestone": "hub_arrival", "raw_code": "30",
               "raw_text": "快件到达【杭州转运中心】",
               "node": {"facility_code": "571WA", "facility_name": "杭州转运中心", "city": "杭州市", "region": "浙江省",
                        "country": "CN", "latitude": 30.27, "longitude": 120.15}},
              {"carrier": "sf-express", "tracking_number": "SF1400000001", "time": "2026-11-11 20:00:00",
               "milestone": "hub_departure", "node": {"city": "杭州市", "country": "中国"}},
              {"carrier": "sf-express", "tracking_number": "SF1400000001", "time": "2026-11-12 06:00:00",
               "milestone": "hub_arrival", "node": {"facility_name": "广州转运中心"}},
              {"carrier": "ups", "tracking_number": "1Z999", "time": "2026-11-12T06:00:00", "time_zone": "America/Chicago",
               "milestone": "out_for_delivery", "direction": "return"}
            ]}
            """
        let payload = try adapter().parse(Data(body.utf8), receivedAt: receivedAt)
        #expect(payload.rejectedItems.isEmpty)
        let events = payload.events
        try #require(events.count == 4)
        #expect(events[0].carrierEventID == "e-1")
        #expect(events[0].time.source == .explicitOffset(seconds: 28_800))
        #expect(events[0].node.coordinates == Coordinates(latitude: 30.27, longitude: 120.15))
        #expect(events[0].carrierStatus == CarrierStatus(code: "30", text: "快件到达【杭州转运中心】"))
        #expect(events[1].time.source == .inferredFromLocation(zone: "Asia/Shanghai"))
        #expect(events[1].node.country == "CN")
        #expect(events[1].carrierStatus.code == "hub_departure")
        #expect(events[2].time.source == .assumedZone(zone: "Asia/Shanghai"))
        #expect(events[2].time.instant == Date(timeIntervalSince1970: 1_794_434_400))  // 2026-11-11T22:00:00Z
        #expect(events[3].time.source == .explicitOffset(seconds: -6 * 3600))
        #expect(events[3].direction == .return)
        #expect(events.allSatisfy { $0.receivedAt == receivedAt })
    }

    @Test("a milestone outside the taxonomy is kept as unknown with its raw code")
    func unknownMilestone() throws {
        let body =
            #"{"events":[{"carrier":"zto","tracking_number":"Z1","time":"2026-11-11T08:00:00Z","milestone":"held_by_weather"}]}"#
        let event = try #require(try adapter().parse(Data(body.utf8), receivedAt: receivedAt).events.first)
        #expect(event.milestone == .unknown)
        #expect(event.carrierStatus.code == "held_by_weather")
    }

    @Test("a partially bad batch keeps the good items and reports the bad ones by index")
    func partialBatch() throws {
        let body = """
            {"events": [
              {"carrier": "zto", "tracking_number": "Z1", "time": "2026-11-11T08:00:00Z", "milestone": "picked_up"},
              {"carrier": "zto", "tracking_number": "Z1", "time": "yesterday", "milestone": "hub_arrival"},
              {"carrier": "zto", "time": "2026-11-11T09:00:00Z", "milestone": "hub_arrival"},
              42,
              {"carrier": "zto", "tracking_number": "Z1", "time": "2026-11-11T08:00:00Z", "milestone": "x", "direction": "sideways"}
            ]}
            """
        let payload = try adapter().parse(Data(body.utf8), receivedAt: receivedAt)
        #expect(payload.events.count == 1)
        #expect(payload.rejectedItems.map(\.index) == [1, 2, 3, 4])
        #expect(payload.rejectedItems[0].reason.contains("events[1].time: expected an RFC 3339 time"))
        #expect(payload.rejectedItems[1].reason.contains("tracking_number"))
        #expect(payload.rejectedItems[3].reason.contains("direction"))
        #expect(payload.rejectionNote?.hasPrefix("item 1: ") == true)
    }

    @Test(
        "unusable bodies are rejected with a reason",
        arguments: [
            ("{", "malformed JSON"), ("[]", "body"), (#"{"events": {}}"#, "events"), (#"{"evnts": []}"#, "events"),
            (
                #"{"events":[{"tracking_number":"Z1","time":"2026-11-11T08:00:00Z","milestone":"picked_up"}]}"#,
                "carrier"
            ),
        ])
    func rejected(body: String, mentions: String) throws {
        let adapter = try adapter()
        #expect {
            try adapter.parse(Data(body.utf8), receivedAt: receivedAt)
        } throws: { error in
            (error as? PayloadRejection)?.description.contains(mentions) == true
        }
    }

    @Test("invalid UTF-8 and deep nesting are rejected, not crashed on")
    func hostileBodies() throws {
        let adapter = try adapter()
        #expect(throws: PayloadRejection.self) {
            try adapter.parse(Data([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), receivedAt: receivedAt)
        }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: PayloadRejection.self) {
            try adapter.parse(Data(#"{"events": \#(deep)}"#.utf8), receivedAt: receivedAt)
        }
    }

    @Test("a fixed carrier fills events that omit it")
    func fixedCarrier() throws {
        let file = integratorFile + "\n  carrier: yto\n"
        let body = #"{"events":[{"tracking_number":"YT1","time":"2026-11-11T08:00:00Z","milestone":"picked_up"}]}"#
        #expect(try adapter(file).parse(Data(body.utf8), receivedAt: receivedAt).events.first?.carrier == "yto")
    }
}

@Suite("Adapter catalog")
struct AdapterCatalogTests {
    @Test("an unset secret variable is a warning, and the adapter reports it as missing")
    func missingSecret() throws {
        let folder = try AdapterFolder(["integrator.yaml": integratorFile])
        defer { folder.remove() }
        let loaded = folder.load([:])
        #expect(loaded.errors.isEmpty)
        #expect(loaded.catalog.adapter(named: "integrator")?.missingSecrets == ["HOOK_SECRET"])
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings[0].description.contains("HOOK_SECRET is not set"))
        #expect(loaded.warnings[0].description.contains("503"))
        // The previous secret is optional: only the current one is required.
        let set = folder.load(["HOOK_SECRET": "x"])
        #expect(set.warnings.isEmpty)
        #expect(set.catalog.adapter(named: "integrator")?.missingSecrets == [])
    }

    @Test("errors name the file and the key, and every bad file is reported")
    func errors() throws {
        let folder = try AdapterFolder([
            "a-literal.yaml": "kind: canonical-json\nverification:\n  secret: hunter2\n",
            "b-unknown-kind.yaml": "kind: carrier-pigeon\n",
            "c-typo.yaml": "kind: canonical-json\nverification:\n  secret: ${S}\n  tolerance_secs: 10\n",
            "d-zone.yaml":
                "kind: canonical-json\nverification:\n  secret: ${S}\noptions:\n  default_time_zone: Mars/Olympus\n",
            "e-no-kind.yaml": "verification:\n  secret: ${S}\n",
            "Bad Name.yaml": "kind: canonical-json\nverification:\n  secret: ${S}\n",
            "good.yaml": "kind: canonical-json\nverification:\n  secret: ${S}\n",
            "notes.txt": "not an adapter",
        ])
        defer { folder.remove() }
        let loaded = folder.load(["S": "x"])
        let messages = loaded.errors.map(\.description)
        #expect(loaded.catalog.names == ["good"])
        #expect(loaded.errors.count == 6, "\(messages)")
        #expect(
            messages.contains {
                $0.contains("a-literal.yaml:3: key 'verification.secret': secrets must come from the environment")
            })
        #expect(
            messages.contains {
                $0.contains(
                    "b-unknown-kind.yaml:1: key 'kind': unknown adapter kind 'carrier-pigeon'; known kinds: aftership, "
                )
                    && $0.contains("kdniao") && $0.contains("json-mapping")
            })
        #expect(
            messages.contains {
                $0.contains("c-typo.yaml:4: key 'verification.tolerance_secs': unknown key")
                    && $0.contains("tolerance_seconds")
            })
        #expect(messages.contains { $0.contains("d-zone.yaml") && $0.contains("options.default_time_zone") })
        #expect(messages.contains { $0.contains("e-no-kind.yaml") && $0.contains("required key 'kind' is missing") })
        #expect(messages.contains { $0.contains("Bad Name.yaml") && $0.contains("lowercase") })
    }

    @Test("two files claiming one name is an error")
    func duplicateNames() throws {
        let folder = try AdapterFolder([
            "a.yaml": "kind: canonical-json\nname: shared\nverification:\n  secret: ${S}\n",
            "b.yaml": "kind: canonical-json\nname: shared\nverification:\n  secret: ${S}\n",
        ])
        defer { folder.remove() }
        let loaded = folder.load(["S": "x"])
        #expect(loaded.errors.count == 1)
        #expect(loaded.errors.first?.description.contains("already used by") == true)
    }

    @Test("every adapter file shipped in adapters/ is valid")
    func shippedAdapters() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../adapters").standardized.path
        let loaded = AdapterCatalog.load(directory: directory, environment: [:])
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(!loaded.catalog.names.isEmpty)
    }
}
