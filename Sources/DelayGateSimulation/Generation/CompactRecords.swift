import DelayGateModel
import Foundation

/// One scan of one parcel, packed into 8 bytes so a million orders' events fit in memory.
struct Step: Sendable {
    /// Seconds since ``SimulationStore/base``.
    var time: Int32
    var facility: UInt16
    /// ``Milestone/simulationCode``.
    var milestone: UInt8
    /// ``EventDetailVariant`` raw value.
    var detail: UInt8
}

/// One order and its single parcel, packed; strings are rebuilt on demand.
struct OrderRecord: Sendable {
    static let isReturn: UInt8 = 1
    static let isPresale: UInt8 = 2
    static let isCrossBorder: UInt8 = 4
    static let none = Int32.min

    var stepStart: UInt32
    var stepCount: UInt16
    var carrier: UInt8
    var flags: UInt8
    /// Times are seconds since ``SimulationStore/base``.
    var created: Int32
    var updated: Int32
    /// 00:00 of the promised delivery day, or ``none``.
    var promisedDay: Int32
    var supplierETA: Int32
    var promisedShip: Int32
    var valueCents: Int32
    /// Facility whose city and province are the order's destination.
    var destination: UInt16
    /// 1-based number among the orders created the same local day.
    var number: UInt32
    /// The parcel's number among its carrier's parcels (its tracking number's serial).
    var sequence: UInt32
    /// Index of the route template's first step in the planner, to rebuild the planned route.
    var route: UInt32
    var routeKind: UInt8
}

/// Event details carried by a step, by number.
enum EventDetailVariant {
    static let none: UInt8 = 0
    /// A customs event: the declaration id only.
    static let customs: UInt8 = 1
    /// `customs_docs_required` with ``missingDocumentSets``[n - firstDocuments].
    static let firstDocuments: UInt8 = 2
    /// `customs_held` with tax due ``taxes``[n - firstTax].
    static let firstTax: UInt8 = 16

    static let missingDocumentSets: [[String]] = [
        ["commercial_invoice"],
        ["recipient_id_card"],
        ["commercial_invoice", "recipient_id_card"],
        ["packing_list"],
        ["certificate_of_origin"],
    ]

    static let taxes: [Decimal] = [Decimal(8640) / 100, Decimal(12900) / 100, Decimal(4560) / 100]

    static func missingDocuments(_ variant: UInt8) -> [String] {
        guard variant >= firstDocuments, variant < firstDocuments + UInt8(missingDocumentSets.count) else { return [] }
        return missingDocumentSets[Int(variant - firstDocuments)]
    }

    static func tax(_ variant: UInt8) -> Decimal? {
        guard variant >= firstTax, variant < firstTax + UInt8(taxes.count) else { return nil }
        return taxes[Int(variant - firstTax)]
    }
}

extension Milestone {
    /// A dense code 0…16 (the milestone's ``progressRank``, unique per case).
    var simulationCode: UInt8 { UInt8(progressRank) }

    /// Milestones by ``simulationCode``.
    static let bySimulationCode: [Milestone] = {
        var table = [Milestone](repeating: .unknown, count: Milestone.allCases.count)
        for milestone in Milestone.allCases { table[milestone.progressRank] = milestone }
        return table
    }()
}
