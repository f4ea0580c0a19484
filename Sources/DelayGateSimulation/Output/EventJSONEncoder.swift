import DelayGateModel
import Foundation

/// Encodes steps as `canonical-json` events or `customs` updates, from fragments escaped once
/// per facility, milestone and carrier.
struct EventJSONEncoder {
    let store: SimulationStore
    private let milestoneNames: [[UInt8]]
    private let codes: [[UInt8]]
    private let texts: [[UInt8]]
    private let nodes: [[UInt8]]
    private let offices: [[UInt8]]
    private let carriers: [[UInt8]]

    init(store: SimulationStore) {
        self.store = store
        func escaped(_ text: String) -> [UInt8] {
            var writer = JSONBytes()
            writer.string(text)
            return writer.bytes
        }
        milestoneNames = Milestone.bySimulationCode.map { escaped($0.rawValue) }
        codes = store.statusCodes.map(escaped)
        texts = store.statusTexts.map(escaped)
        carriers = store.planner.network.carriers.map { escaped($0.id) }
        nodes = store.planner.network.facilities.map { facility in
            var writer = JSONBytes()
            writer.raw("{")
            writer.key("facility_code")
            writer.string(facility.code)
            writer.raw(",")
            writer.key("facility_name")
            writer.string(facility.name)
            writer.raw(",")
            writer.key("city")
            writer.string(facility.city)
            writer.raw(",")
            writer.key("region")
            writer.string(facility.province)
            writer.raw(",")
            writer.key("country")
            writer.string(facility.country)
            writer.raw(",")
            writer.key("latitude")
            writer.double(facility.coordinates.latitude)
            writer.raw(",")
            writer.key("longitude")
            writer.double(facility.coordinates.longitude)
            writer.raw("}")
            return writer.bytes
        }
        offices = store.planner.network.facilities.map { facility in
            var writer = JSONBytes()
            writer.raw("{")
            writer.key("code")
            writer.string(facility.code)
            writer.raw(",")
            writer.key("name")
            writer.string(facility.name)
            writer.raw(",")
            writer.key("city")
            writer.string(facility.city)
            writer.raw(",")
            writer.key("region")
            writer.string(facility.province)
            writer.raw(",")
            writer.key("country")
            writer.string(facility.country)
            writer.raw("}")
            return writer.bytes
        }
    }

    static func isCustoms(_ step: Step) -> Bool {
        switch Milestone.bySimulationCode[Int(step.milestone)] {
        case .customsStarted, .customsDocsRequired, .customsHeld, .customsCleared: true
        default: false
        }
    }

    /// One event object of the `canonical-json` format (docs/canonical-json.md). Customs events
    /// also carry a `details` object (EventDetails' JSON: `missing_documents`,
    /// `customs_declaration`, `tax_due`), which adapters that do not know it ignore.
    func appendCanonicalEvent(order index: Int, step: Int, to writer: inout JSONBytes) {
        let record = store.records[index]
        let packed = store.steps[step]
        let tracking = Array(store.trackingNumber(order: index).utf8)
        let code = Int(packed.milestone)
        writer.raw("{")
        writer.key("event_id")
        writer.raw("\"")
        writer.raw(tracking)
        writer.raw("-")
        writer.int(Int64(step - Int(record.stepStart)))
        writer.raw("\",")
        writer.key("carrier")
        writer.raw(carriers[Int(record.carrier)])
        writer.raw(",")
        writer.key("tracking_number")
        writer.raw("\"")
        writer.raw(tracking)
        writer.raw("\",")
        writer.key("time")
        writer.time(epochSeconds: store.base + Int64(packed.time))
        writer.raw(",")
        writer.key("time_zone")
        writer.raw("\"Asia/Shanghai\",")
        writer.key("milestone")
        writer.raw(milestoneNames[code])
        writer.raw(",")
        writer.key("raw_code")
        writer.raw(codes[Int(record.carrier) * SimulationStore.milestoneCount + code])
        writer.raw(",")
        writer.key("raw_text")
        writer.raw(texts[Int(packed.facility) * SimulationStore.milestoneCount + code])
        writer.raw(",")
        writer.key("direction")
        if record.flags & OrderRecord.isReturn != 0 { writer.raw("\"return\",") } else { writer.raw("\"forward\",") }
        writer.key("node")
        writer.raw(nodes[Int(packed.facility)])
        if packed.detail != EventDetailVariant.none {
            writer.raw(",")
            writer.key("details")
            writer.raw("{")
            let documents = EventDetailVariant.missingDocuments(packed.detail)
            if !documents.isEmpty {
                writer.key("missing_documents")
                writer.stringArray(documents)
                writer.raw(",")
            }
            if let tax = EventDetailVariant.tax(packed.detail) {
                writer.key("tax_due")
                writer.raw("{")
                writer.key("amount")
                writer.amount(tax)
                writer.raw(",")
                writer.key("currency")
                writer.raw("\"CNY\"}")
                writer.raw(",")
            }
            writer.key("customs_declaration")
            writer.raw("\"DEC-")
            writer.raw(tracking)
            writer.raw("\"}")
        }
        writer.raw("}")
    }

    /// One update object of the `customs` format (docs/customs-json.md).
    func appendCustomsUpdate(order index: Int, step: Int, to writer: inout JSONBytes) {
        let record = store.records[index]
        let packed = store.steps[step]
        let tracking = Array(store.trackingNumber(order: index).utf8)
        let milestone = Milestone.bySimulationCode[Int(packed.milestone)]
        writer.raw("{")
        writer.key("declaration_id")
        writer.raw("\"DEC-")
        writer.raw(tracking)
        writer.raw("\",")
        writer.key("carrier")
        writer.raw(carriers[Int(record.carrier)])
        writer.raw(",")
        writer.key("tracking_number")
        writer.raw("\"")
        writer.raw(tracking)
        writer.raw("\",")
        writer.key("status")
        switch milestone {
        case .customsDocsRequired: writer.raw("\"documents_required\"")
        case .customsHeld: writer.raw(EventDetailVariant.tax(packed.detail) == nil ? "\"held\"" : "\"tax_due\"")
        case .customsCleared: writer.raw("\"released\"")
        default: writer.raw("\"submitted\"")
        }
        writer.raw(",")
        writer.key("time")
        writer.time(epochSeconds: store.base + Int64(packed.time))
        let documents = EventDetailVariant.missingDocuments(packed.detail)
        if !documents.isEmpty {
            writer.raw(",")
            writer.key("missing_documents")
            writer.stringArray(documents)
        }
        if let tax = EventDetailVariant.tax(packed.detail) {
            writer.raw(",")
            writer.key("tax_due")
            writer.raw("{")
            writer.key("amount")
            writer.amount(tax)
            writer.raw(",")
            writer.key("currency")
            writer.raw("\"CNY\"}")
        }
        writer.raw(",")
        writer.key("office")
        writer.raw(offices[Int(packed.facility)])
        writer.raw("}")
    }
}
