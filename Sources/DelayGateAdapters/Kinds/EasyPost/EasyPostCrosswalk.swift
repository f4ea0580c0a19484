import DelayGateModel

/// EasyPost tracking `status_detail` and `status` values mapped to canonical milestones.
///
/// EasyPost has no customs codes: customs scans arrive as `in_transit`, `arrived_at_facility`,
/// `held` or `awaiting_information` with the customs wording only in the message, so
/// ``customsMilestone(message:detail:)`` reads the text.
public enum EasyPostCrosswalk {
    public static let details: [String: CrosswalkEntry] = [
        "label_created": CrosswalkEntry(.labelCreated),
        "received_at_origin_facility": CrosswalkEntry(.pickedUp),
        "departed_origin_facility": CrosswalkEntry(.hubDeparture),
        "arrived_at_facility": CrosswalkEntry(.hubArrival),
        "departed_facility": CrosswalkEntry(.hubDeparture),
        "transferred_to_destination_carrier": CrosswalkEntry(.hubDeparture),
        "arrived_at_destination": CrosswalkEntry(.hubArrival),
        "received_at_destination_facility": CrosswalkEntry(.hubArrival),
        "out_for_delivery": CrosswalkEntry(.outForDelivery),
        "arrived_at_pickup_location": CrosswalkEntry(.awaitingPickup),
        "delivered": CrosswalkEntry(.delivered),
        "delivery_exception": CrosswalkEntry(.attemptFailed),
        "refused": CrosswalkEntry(.attemptFailed),
        "return": CrosswalkEntry(.returning),
        "held": CrosswalkEntry(.exception, stall: true),
        "awaiting_information": CrosswalkEntry(.exception, stall: true),
        "delayed": CrosswalkEntry(.exception, stall: true),
        "weather_delay": CrosswalkEntry(.exception, stall: true),
        "missorted": CrosswalkEntry(.exception),
        "transit_exception": CrosswalkEntry(.exception),
        "damaged": CrosswalkEntry(.lostOrDamaged),
        "lost": CrosswalkEntry(.lostOrDamaged),
        "cancelled": CrosswalkEntry(.exception),
        "failure": CrosswalkEntry(.exception),
        "expired": CrosswalkEntry(.exception, stall: true),
    ]

    /// Used when the detail is generic (`in_transit`, `status_update`, `address_correction`, `unknown`) or absent.
    public static let statuses: [String: CrosswalkEntry] = [
        "pre_transit": CrosswalkEntry(.labelCreated),
        "in_transit": CrosswalkEntry(.hubDeparture),
        "out_for_delivery": CrosswalkEntry(.outForDelivery),
        "delivered": CrosswalkEntry(.delivered),
        "available_for_pickup": CrosswalkEntry(.awaitingPickup),
        "return_to_sender": CrosswalkEntry(.returning),
        "failure": CrosswalkEntry(.exception),
        "cancelled": CrosswalkEntry(.exception),
        "error": CrosswalkEntry(.unknown),
        "unknown": CrosswalkEntry(.unknown),
    ]

    static func entry(detail: String?, status: String?) -> CrosswalkEntry? {
        if let detail, let entry = details[detail] { return entry }
        return status.flatMap { statuses[$0] }
    }

    /// A customs milestone read from the scan text, when the text is about customs.
    static func customsMilestone(message: String?, detail: String?) -> Milestone? {
        guard let text = message?.lowercased(),
            ["customs", "clearance", "clearing agency", "duties", "import"].contains(where: text.contains)
        else { return nil }
        if ["released", "cleared", "clearance complete"].contains(where: text.contains) { return .customsCleared }
        if detail == "awaiting_information"
            || ["document", "information required", "paperwork"].contains(where: text.contains)
        {
            return .customsDocsRequired
        }
        if detail == "held" || ["held", "delay", "duties"].contains(where: text.contains) { return .customsHeld }
        return .customsStarted
    }
}
