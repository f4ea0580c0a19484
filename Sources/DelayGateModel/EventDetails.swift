/// What an event says beyond its milestone: facts the alert engine acts on that carriers and
/// brokers send in their own ways.
public struct EventDetails: Hashable, Sendable, Codable {
    /// Documents customs asked for (`commercial_invoice`, `id_card`, …), for the customs scenario.
    public var missingDocuments: [String]
    /// The carrier itself says the parcel is stuck (Kdniao 402/403/412/417, AfterShip
    /// `Exception_005`, 17TRACK `Exception_Delayed`, …).
    public var carrierReportedStall: Bool
    /// The customs declaration this event is about.
    public var customsDeclaration: String?
    /// Duties or taxes the recipient has to pay before release.
    public var taxDue: Money?
    /// The event reports a status at the time the sender pushed it, not a scan: the parcel did
    /// not move, so it must not restart the dwell at its node (Kdniao's waybill-level codes).
    public var statusOnly: Bool

    public init(
        missingDocuments: [String] = [],
        carrierReportedStall: Bool = false,
        customsDeclaration: String? = nil,
        taxDue: Money? = nil,
        statusOnly: Bool = false
    ) {
        self.missingDocuments = missingDocuments
        self.carrierReportedStall = carrierReportedStall
        self.customsDeclaration = customsDeclaration
        self.taxDue = taxDue
        self.statusOnly = statusOnly
    }

    /// True when there is nothing beyond the milestone.
    public var isEmpty: Bool {
        missingDocuments.isEmpty && !carrierReportedStall && customsDeclaration == nil && taxDue == nil && !statusOnly
    }

    enum CodingKeys: String, CodingKey {
        case missingDocuments = "missing_documents"
        case carrierReportedStall = "carrier_reported_stall"
        case customsDeclaration = "customs_declaration"
        case taxDue = "tax_due"
        case statusOnly = "status_only"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        missingDocuments = try container.decodeIfPresent([String].self, forKey: .missingDocuments) ?? []
        carrierReportedStall = try container.decodeIfPresent(Bool.self, forKey: .carrierReportedStall) ?? false
        customsDeclaration = try container.decodeIfPresent(String.self, forKey: .customsDeclaration)
        taxDue = try container.decodeIfPresent(Money.self, forKey: .taxDue)
        statusOnly = try container.decodeIfPresent(Bool.self, forKey: .statusOnly) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !missingDocuments.isEmpty { try container.encode(missingDocuments, forKey: .missingDocuments) }
        if carrierReportedStall { try container.encode(true, forKey: .carrierReportedStall) }
        try container.encodeIfPresent(customsDeclaration, forKey: .customsDeclaration)
        try container.encodeIfPresent(taxDue, forKey: .taxDue)
        if statusOnly { try container.encode(true, forKey: .statusOnly) }
    }
}
