import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import Foundation
import Testing

@testable import DelayGateEvaluation

@Suite("delaygate baselines import")
struct BaselineImporterTests {
    @Test("past events teach each node its dwell, in any row order, and promised dates teach lanes")
    func importsDwellsAndLanes() throws {
        var rows = ["carrier,tracking_number,time,milestone,facility_code,region,promised_date"]
        for index in 0..<40 {
            let day = String(format: "2026-10-%02d", 1 + index % 20)
            // Rows out of order on purpose: the importer sorts each shipment by time.
            rows.append("zto,T\(index),\(day)T18:00:00+08:00,hub_departure,HZ01,浙江省,")
            rows.append("zto,T\(index),\(day)T08:00:00+08:00,hub_arrival,HZ01,浙江省,\(day)")
            rows.append("zto,T\(index),\(day)T20:00:00,delivered,SZ9,广东省,")
        }
        rows.append("zto,BAD,not-a-time,hub_arrival,HZ01,浙江省,")
        rows.append("zto,BAD2,2026-10-01T08:00:00+08:00,teleported,HZ01,浙江省,")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)

        let model = AlertModel()
        let summary = try BaselineImporter(model: model).importEvents(from: file.path)
        #expect(summary.rows == 122)
        #expect(summary.skipped == 2)
        #expect(summary.problems.first?.hasSuffix(":122: 'not-a-time' is not an RFC 3339 time") == true)
        #expect(summary.shipments == 40)
        #expect(summary.dwells == 80)  // arrival → departure, departure → delivered
        #expect(summary.laneSamples == 40)

        let expected = model.evaluator().baselines.expected(
            for: NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival))
        #expect(expected.key == NodeKey(carrier: "zto", facility: "HZ01", milestone: .hubArrival))
        #expect(expected.samples == 40)
        #expect(abs(expected.seconds - 10 * 3600) <= 3600)
        let changes = model.takeChanges()
        #expect(changes.lanes.keys.contains("zto|浙江省|广东省"))
    }
}
