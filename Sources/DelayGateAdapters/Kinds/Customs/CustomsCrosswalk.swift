import DelayGateModel

/// Customs declaration statuses of the `customs` kind's JSON, mapped to canonical milestones.
public enum CustomsCrosswalk {
    public static let table: [String: CrosswalkEntry] = [
        "submitted": CrosswalkEntry(.customsStarted),
        "under_inspection": CrosswalkEntry(.customsStarted),
        "documents_required": CrosswalkEntry(.customsDocsRequired, stall: true),
        "held": CrosswalkEntry(.customsHeld, stall: true),
        "tax_due": CrosswalkEntry(.customsHeld, stall: true),
        "released": CrosswalkEntry(.customsCleared),
    ]
}
