import DelayGateAlerting
import DelayGateEngine
import DelayGateModel
import Foundation

/// Bootstraps the alert engine from past tracking events, so a new install is not blind:
/// `delaygate baselines import FILE.csv`.
///
/// The file has one event per row, with a header naming the columns:
///
/// | column | required | meaning |
/// | --- | --- | --- |
/// | `carrier` | yes | carrier code |
/// | `tracking_number` | yes | |
/// | `time` | yes | RFC 3339 (`2026-11-03T08:15:00+08:00`); without an offset, read in `--time-zone` |
/// | `milestone` | yes | a canonical milestone (`hub_arrival`, `delivered` …) |
/// | `facility_code`, `facility_name`, `city`, `region` | no | where it happened |
/// | `promised_date` | no | `yyyy-mm-dd`: with a `delivered` event, teaches the lane's delivery risk |
///
/// Each shipment's events are sorted by time and every completed dwell is learned exactly as
/// live traffic teaches it (``AlertModel/learnDwells(before:events:)``).
public struct BaselineImporter: Sendable {
    public struct Summary: Sendable, Hashable {
        public var rows = 0
        public var shipments = 0
        public var dwells = 0
        public var laneSamples = 0
        /// Rows left out, with the first few reasons.
        public var skipped = 0
        public var problems: [String] = []
    }

    public let model: AlertModel
    public let assumedZone: TimeZone

    public init(model: AlertModel, assumedZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.model = model
        self.assumedZone = assumedZone
    }

    /// Reads `file` and teaches the model; rows that cannot be read are counted and described.
    public func importEvents(from file: String) throws -> Summary {
        let table = try CSVTable(contentsOf: URL(fileURLWithPath: file))
        let required = try table.columns(["carrier", "tracking_number", "time", "milestone"], file: file)
        let optional = ["facility_code", "facility_name", "city", "region", "promised_date"].map(table.column)
        var summary = Summary()
        var shipments: [ShipmentKey: (events: [TrackingEvent], promised: Date?)] = [:]
        func skip(_ line: Int, _ reason: String) {
            summary.skipped += 1
            if summary.problems.count < 5 { summary.problems.append("\(file):\(line): \(reason)") }
        }
        for (index, row) in table.rows.enumerated() {
            let line = index + 2
            summary.rows += 1
            guard row.count == table.header.count else {
                skip(line, "expected \(table.header.count) fields, found \(row.count)")
                continue
            }
            func value(_ column: Int?) -> String? {
                guard let column else { return nil }
                let text = row[column].trimmed
                return text.isEmpty ? nil : text
            }
            let carrier = row[required[0]].trimmed
            let tracking = row[required[1]].trimmed
            guard !carrier.isEmpty, !tracking.isEmpty else {
                skip(line, "carrier and tracking_number must not be empty")
                continue
            }
            guard let stamp = CarrierTimestamp.parse(row[required[2]].trimmed) else {
                skip(line, "'\(row[required[2]])' is not an RFC 3339 time")
                continue
            }
            guard let milestone = Milestone(rawValue: row[required[3]].trimmed) else {
                skip(line, "'\(row[required[3]])' is not a canonical milestone")
                continue
            }
            let time = stamp.resolve(inferredZone: nil, assumedZone: assumedZone)
            let event = TrackingEvent(
                carrier: carrier, trackingNumber: tracking, time: time, receivedAt: time.instant, milestone: milestone,
                carrierStatus: CarrierStatus(code: milestone.rawValue),
                node: TrackingNode(
                    facilityCode: value(optional[0]), facilityName: value(optional[1]), city: value(optional[2]),
                    region: value(optional[3])))
            let key = ShipmentKey(carrier: carrier, trackingNumber: tracking)
            shipments[key, default: ([], nil)].events.append(event)
            if let promised = value(optional[4]) {
                guard let day = CarrierTimestamp.parse(promised + "T00:00:00") else {
                    skip(line, "promised_date '\(promised)' is not yyyy-mm-dd")
                    continue
                }
                shipments[key]?.promised = day.resolve(inferredZone: nil, assumedZone: assumedZone).instant
            }
        }
        summary.shipments = shipments.count
        for (key, shipment) in shipments.sorted(by: { $0.key.trackingNumber < $1.key.trackingNumber }) {
            let events = shipment.events.sorted { $0.time.instant < $1.time.instant }
            // The delivery scan's region stands for the destination (departure keys use it).
            let destination = events.last(where: { $0.milestone == .delivered })?.node.region
            summary.dwells += model.learnDwells(before: nil, events: events, destination: destination)
            guard let promised = shipment.promised, let first = events.first,
                let delivered = events.first(where: { $0.milestone == .delivered })
            else { continue }
            let transit = delivered.time.instant.timeIntervalSince(first.time.instant)
            let window = PromisedDay.window(promised, handoff: first.time.instant)
            guard transit > 0, window > 0 else { continue }
            model.teachLane(
                LaneKey(carrier: key.carrier, origin: first.node.region, destination: delivered.node.region),
                transit: transit, window: window)
            summary.laneSamples += 1
        }
        return summary
    }
}

extension String {
    fileprivate var trimmed: String { String(trimmingWhitespace()) }
}
