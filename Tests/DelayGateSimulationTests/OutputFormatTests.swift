import DelayGateAdapters
import DelayGateModel
import DelayGateSimulation
import Foundation
import Testing

/// Loads DelayGate's real adapters from a temporary folder, so the generated bodies are checked
/// by the same code the gateway runs.
func loadAdapters() throws -> AdapterCatalog {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("delaygate-sim-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = [
        "integrator.yaml": "kind: canonical-json\nverification:\n  secret: ${S}\n",
        "orders.yaml": "kind: orders\nverification:\n  secret: ${S}\n",
        "weather.yaml": "kind: disruption\nverification:\n  secret: ${S}\n",
        "broker.yaml": "kind: customs\nverification:\n  secret: ${S}\n",
    ]
    for (name, text) in files {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
    let loaded = AdapterCatalog.load(directory: folder.path, environment: ["S": "secret"])
    #expect(loaded.errors.isEmpty, "\(loaded.errors)")
    return loaded.catalog
}

@Suite("Output formats")
struct OutputFormatTests {
    let day = Simulator.generate(SimulationConfig(orders: 3_000, seed: 21, historyDays: 1, historyOrdersPerDay: 1_000))
    let receivedAt = Date(timeIntervalSince1970: 1_800_000_000)

    /// Our events as the canonical-json adapter gives them back: receivedAt is the adapter's,
    /// and it does not read the `details` member.
    func asParsed(_ event: TrackingEvent) -> TrackingEvent {
        var copy = event
        copy.receivedAt = receivedAt
        copy.details = EventDetails()
        return copy
    }

    @Test("canonical-json batches parse back, through the real adapter, into exactly our events")
    func canonicalRoundTrip() throws {
        let adapter = try #require(try loadAdapters().adapter(named: "integrator"))
        var parsed: [TrackingEvent] = []
        var batches = 0
        for body in day.canonicalJSONBatches(maxEventsPerBatch: 700) {
            let payload = try adapter.parse(body, receivedAt: receivedAt)
            #expect(payload.rejectedItems.isEmpty)
            #expect(payload.events.count <= 700)
            parsed += payload.events
            batches += 1
        }
        let expected = day.events().map(asParsed)
        #expect(parsed.count == day.eventCount)
        #expect(batches == (day.eventCount + 699) / 700)
        #expect(parsed == expected)
        #expect(Set(parsed.compactMap(\.carrierEventID)).count == parsed.count)
    }

    @Test("customs events carry their details in canonical-json, and parse through the customs adapter")
    func customs() throws {
        let catalog = try loadAdapters()
        let customsEvents = day.events().filter {
            [.customsStarted, .customsDocsRequired, .customsHeld, .customsCleared].contains($0.milestone)
        }
        #expect(customsEvents.contains { $0.milestone == .customsDocsRequired })

        // In canonical-json, under `details`, in EventDetails' own JSON.
        struct Body: Decodable {
            struct Item: Decodable {
                var eventID: String
                var details: EventDetails?
                enum CodingKeys: String, CodingKey {
                    case details
                    case eventID = "event_id"
                }
            }
            var events: [Item]
        }
        var detailsByID: [String: EventDetails] = [:]
        for body in day.canonicalJSONBatches(maxEventsPerBatch: 5_000) {
            for item in try JSONDecoder().decode(Body.self, from: body).events {
                if let details = item.details { detailsByID[item.eventID] = details }
            }
        }
        for event in customsEvents {
            #expect(detailsByID[event.carrierEventID!] == event.details)
        }

        // Through the customs adapter: same parcels, milestones, times, documents and taxes.
        let adapter = try #require(catalog.adapter(named: "broker"))
        var parsed: [TrackingEvent] = []
        for body in day.customsJSONBatches(maxUpdatesPerBatch: 100) {
            let payload = try adapter.parse(body, receivedAt: receivedAt)
            #expect(payload.rejectedItems.isEmpty)
            parsed += payload.events
        }
        #expect(parsed.count == customsEvents.count)
        for (ours, theirs) in zip(customsEvents, parsed) {
            #expect(ours.shipmentKey == theirs.shipmentKey)
            #expect(ours.milestone == theirs.milestone)
            #expect(ours.time.instant == theirs.time.instant)
            #expect(ours.details.missingDocuments == theirs.details.missingDocuments)
            #expect(ours.details.taxDue == theirs.details.taxDue)
            #expect(ours.node.facilityCode == theirs.node.facilityCode)
        }
        // Without customs events, the canonical batches hold everything else.
        let others = day.canonicalJSONBatches(maxEventsPerBatch: 5_000, includingCustomsEvents: false)
        let parsedOthers = try others.flatMap {
            try #require(catalog.adapter(named: "integrator")).parse($0, receivedAt: receivedAt).events
        }
        #expect(parsedOthers.count + parsed.count == day.eventCount)
    }

    @Test("orders.json parses, through the real orders adapter, into exactly our orders")
    func ordersRoundTrip() throws {
        let adapter = try #require(try loadAdapters().adapter(named: "orders"))
        let payload = try adapter.parse(day.ordersJSON(), receivedAt: receivedAt)
        #expect(payload.rejectedItems.isEmpty)
        #expect(payload.orders == Array(day.historyOrders) + Array(day.orders))
        let batches = day.ordersJSONBatches(maxOrdersPerBatch: 1_000, includingHistory: false)
        #expect(batches.count == 3)
        let fromBatches = try batches.flatMap { try adapter.parse($0, receivedAt: receivedAt).orders }
        #expect(fromBatches == Array(day.orders))
        #expect(payload.orders.contains { $0.presale != nil } && payload.orders.contains(where: \.isReturn))
    }

    @Test("disruptions.json parses through the real disruption adapter into our notice")
    func disruptionRoundTrip() throws {
        let adapter = try #require(try loadAdapters().adapter(named: "weather"))
        let payload = try adapter.parse(day.disruptionsJSON(), receivedAt: receivedAt)
        var expected = day.disruptions
        for index in expected.indices { expected[index].source = "weather" }
        #expect(payload.disruptions == expected)
    }

    @Test("incidents.json and network.json are JSON with what they promise")
    func groundTruthFiles() throws {
        let incidents = try #require(
            try JSONSerialization.jsonObject(with: day.incidentsJSON()) as? [String: Any])
        let list = try #require(incidents["incidents"] as? [[String: Any]])
        #expect(list.count == day.incidents.count)
        let stall = try #require(list.first { $0["kind"] as? String == "stall" })
        for key in ["severity", "tracking_number", "order_id", "starts_at", "ends_at", "stall_seconds", "ratio"] {
            #expect(stall[key] != nil, "\(key)")
        }
        let network = try #require(try JSONSerialization.jsonObject(with: day.networkJSON()) as? [String: Any])
        let dwells = try #require(network["dwells"] as? [[String: Any]])
        #expect(dwells.count == day.network.dwells.count)
        #expect(dwells.first?["p90_seconds"] != nil && dwells.first?["facility_code"] != nil)
        #expect((network["facilities"] as? [Any])?.count == day.network.facilities.count)
        #expect((network["calendar"] as? [String: Any])?["periods"] != nil)
    }
}
