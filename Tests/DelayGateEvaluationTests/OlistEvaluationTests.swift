import Foundation
import Testing

@testable import DelayGateEvaluation

@Suite("Olist evaluation")
struct OlistEvaluationTests {
    @Test("CSV: quoted fields, doubled quotes, CRLF and a missing final newline")
    func csv() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",3\r\nplain,,last"
        let records = CSVTable.parse(Data(text.utf8))
        #expect(records == [["a", "b", "c"], ["x, y", "say \"hi\"", "3"], ["plain", "", "last"]])
    }

    @Test("naive timestamps are read as UTC, and bad ones are refused")
    func timestamps() {
        #expect(NaiveTimestamp.parse("2018-01-01 00:00:00")?.timeIntervalSince1970 == 1_514_764_800)
        #expect(NaiveTimestamp.parse("2016-02-29 12:30:15")?.timeIntervalSince1970 == 1_456_749_015)
        #expect(NaiveTimestamp.parse("2018-13-01 00:00:00") == nil)
        #expect(NaiveTimestamp.parse("") == nil)
        #expect(NaiveTimestamp.month(Date(timeIntervalSince1970: 1_456_749_015)) == "2016-02")
        #expect(NaiveTimestamp.civil(Date(timeIntervalSince1970: 1_456_749_015)).day == 29)
        #expect(OlistEvaluation.Report.day(Date(timeIntervalSince1970: 1_456_749_015)) == "2016-02-29")
    }

    func order(_ id: String, handoffDay: Double, transitDays: Double, promisedDay: Double) -> OlistDataset.Order {
        let base = NaiveTimestamp.parse("2018-01-01")!
        let handoff = base.addingTimeInterval(handoffDay * 86_400)
        return OlistDataset.Order(
            id: id, purchasedAt: handoff, handoff: handoff, delivered: handoff.addingTimeInterval(transitDays * 86_400),
            estimated: base.addingTimeInterval(promisedDay * 86_400), origin: "SP", destination: "RJ")
    }

    @Test("scores: warned strictly before delivery, late after the promised day, lead to 00:00 of that day")
    func scores() {
        let late = order("late", handoffDay: 0, transitDays: 6, promisedDay: 4)  // delivered day 6 > promised day 4
        let onTime = order("on-time", handoffDay: 0, transitDays: 3, promisedDay: 4)
        let lastMinute = order("last-minute", handoffDay: 0, transitDays: 4.9, promisedDay: 4)  // promised day, not late
        let missed = order("missed", handoffDay: 0, transitDays: 8, promisedDay: 5)
        let warnings: [String: Date] = [
            "late": late.handoff.addingTimeInterval(2 * 86_400),  // 48 h before day 4
            "on-time": onTime.delivered,  // at delivery: not before it, so not warned
            "last-minute": lastMinute.handoff.addingTimeInterval(86_400),
        ]
        let score = WarningScore([late, onTime, lastMinute, missed]) { warnings[$0.id] }
        #expect(score.orders == 4)
        #expect(score.late == 2)
        #expect(score.warned == 2)
        #expect(score.truePositives == 1)
        #expect(score.precision == 0.5)
        #expect(score.recall == 0.5)
        #expect(score.medianLead == 48)
        #expect(lastMinute.isLate == false)
    }

    @Test("the engine replay warns exactly at the lane model's due times and never misses a late order")
    func replayMatchesModel() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("olist-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try SyntheticOlist(orders: 900, seed: 7).write(to: directory)
        let dataset = try OlistDataset(directory: directory.path)
        #expect(dataset.orders.count == 900 - 900 / 50)  // every 50th order is shipped, not delivered
        #expect(dataset.skipped["status shipped"] == 900 / 50)

        let options = OlistEvaluation.Options(
            trainUntil: NaiveTimestamp.parse("2018-01-01")!, testFrom: NaiveTimestamp.parse("2018-01-01")!,
            testUntil: NaiveTimestamp.parse("2018-04-01")!, minimumLaneSamples: 50)
        let report = try await OlistEvaluation(dataset: dataset, options: options).run()
        #expect(report.tuned)
        #expect(report.testOrders.count > 100)
        #expect(report.engine.late > 0)
        #expect(report.agreeingWithModel == report.testOrders.count)
        // P(late | still open) reaches 1 when the promised day ends, so every late order is warned in time.
        #expect(report.engine.recall == 1)
        #expect(report.naive12.warned > 0)
        #expect(report.months.map(\.month) == ["2018-01", "2018-02", "2018-03"])
        #expect(report.months.map(\.engine.orders).reduce(0, +) == report.testOrders.count)
        let text = report.text(options: options, orders: dataset.orders.count, skipped: dataset.skipped, seconds: 1)
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("engine f1=\(String(format: "%.3f", report.engine.f1)) "))
        #expect(last.contains(" naive f1=\(String(format: "%.3f", report.naive12.f1)) "))
    }

    @Test("a folder without the Olist files is a clear error")
    func missingData() {
        #expect {
            try OlistDataset(directory: "/nonexistent")
        } throws: { error in
            "\(error)".contains("olist_sellers_dataset.csv not found")
        }
    }
}

/// Olist-shaped CSV files with seeded transit times: most orders arrive within their promise,
/// some lanes run late.
struct SyntheticOlist {
    var orders: Int
    var seed: UInt64

    func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var random = seed
        func next() -> Double {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(random >> 11) / Double(1 << 53)
        }
        let states = ["SP", "RJ", "MG", "RS"]
        var orderRows = [
            "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
        ]
        var customerRows = ["customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,customer_state"]
        var itemRows = ["order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"]
        var sellerRows = ["\"seller_id\",\"seller_zip_code_prefix\",\"seller_city\",\"seller_state\""]
        for (index, state) in states.enumerated() { sellerRows.append("\"s\(index)\",\"0100\(index)\",city,\(state)") }
        let start = NaiveTimestamp.parse("2017-06-01")!.timeIntervalSince1970
        let span = NaiveTimestamp.parse("2018-04-01")!.timeIntervalSince1970 - start
        func stamp(_ seconds: Double) -> String {
            let date = Date(timeIntervalSince1970: seconds.rounded(.down))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            return String(
                format: "%04d-%02d-%02d %02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
        }
        for index in 0..<orders {
            let purchased = start + span * Double(index) / Double(orders)
            let handoff = purchased + 86_400 * (0.5 + next())
            let promiseDays = (10 + 10 * next()).rounded(.down)
            let estimated = (handoff / 86_400).rounded(.down) * 86_400 + promiseDays * 86_400
            let seller = index % states.count
            let customer = (index / 3) % states.count
            let slow = seller == 1 && customer == 2
            let transit = 86_400 * (slow ? 8 + 16 * next() : 3 + 10 * next())
            let status = index % 50 == 49 ? "shipped" : "delivered"
            let deliveredText = status == "delivered" ? stamp(handoff + transit) : ""
            orderRows.append(
                "o\(index),c\(index),\(status),\(stamp(purchased)),\(stamp(purchased + 600)),\(stamp(handoff)),\(deliveredText),\(stamp(estimated))"
            )
            customerRows.append("c\(index),u\(index),0200\(customer),town,\(states[customer])")
            itemRows.append("o\(index),1,p\(index),s\(seller),\(stamp(purchased + 86_400)),10.00,1.00")
        }
        for (name, rows) in [
            ("olist_orders_dataset.csv", orderRows), ("olist_customers_dataset.csv", customerRows),
            ("olist_order_items_dataset.csv", itemRows), ("olist_sellers_dataset.csv", sellerRows),
        ] {
            try (rows.joined(separator: "\n") + "\n").write(
                to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }
}
