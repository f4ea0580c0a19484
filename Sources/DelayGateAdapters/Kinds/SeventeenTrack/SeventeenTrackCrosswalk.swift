import DelayGateModel

/// 17TRACK (API v2) sub-statuses mapped to canonical milestones; an unknown sub-status falls
/// back to its main status (the part before `_`).
public enum SeventeenTrackCrosswalk {
    public static let subStatuses: [String: CrosswalkEntry] = [
        "NotFound_Other": CrosswalkEntry(.unknown),
        "NotFound_InvalidCode": CrosswalkEntry(.unknown),
        "InfoReceived": CrosswalkEntry(.labelCreated),
        "InTransit_PickedUp": CrosswalkEntry(.pickedUp),
        "InTransit_Departure": CrosswalkEntry(.hubDeparture),
        "InTransit_Arrival": CrosswalkEntry(.hubArrival),
        "InTransit_CustomsProcessing": CrosswalkEntry(.customsStarted),
        "InTransit_CustomsReleased": CrosswalkEntry(.customsCleared),
        "InTransit_CustomsRequiringInformation": CrosswalkEntry(.customsDocsRequired, stall: true),
        "InTransit_Other": CrosswalkEntry(.hubDeparture),
        "Expired_Other": CrosswalkEntry(.exception, stall: true),
        "AvailableForPickup_Other": CrosswalkEntry(.awaitingPickup),
        "OutForDelivery_Other": CrosswalkEntry(.outForDelivery),
        "DeliveryFailure_Other": CrosswalkEntry(.attemptFailed),
        "DeliveryFailure_NoBody": CrosswalkEntry(.attemptFailed),
        "DeliveryFailure_Security": CrosswalkEntry(.attemptFailed),
        "DeliveryFailure_Rejected": CrosswalkEntry(.attemptFailed),
        "DeliveryFailure_InvalidAddress": CrosswalkEntry(.attemptFailed),
        "Delivered_Other": CrosswalkEntry(.delivered),
        "Exception_Other": CrosswalkEntry(.exception),
        "Exception_Returning": CrosswalkEntry(.returning),
        "Exception_Returned": CrosswalkEntry(.returned),
        "Exception_NoBody": CrosswalkEntry(.attemptFailed),
        "Exception_Security": CrosswalkEntry(.customsHeld, stall: true),
        "Exception_Damage": CrosswalkEntry(.lostOrDamaged),
        "Exception_Rejected": CrosswalkEntry(.returning),
        "Exception_Delayed": CrosswalkEntry(.exception, stall: true),
        "Exception_Lost": CrosswalkEntry(.lostOrDamaged),
        "Exception_Destroyed": CrosswalkEntry(.lostOrDamaged),
        "Exception_Cancel": CrosswalkEntry(.exception),
    ]

    public static let statuses: [String: CrosswalkEntry] = [
        "NotFound": CrosswalkEntry(.unknown),
        "InfoReceived": CrosswalkEntry(.labelCreated),
        "InTransit": CrosswalkEntry(.hubDeparture),
        "Expired": CrosswalkEntry(.exception, stall: true),
        "AvailableForPickup": CrosswalkEntry(.awaitingPickup),
        "OutForDelivery": CrosswalkEntry(.outForDelivery),
        "DeliveryFailure": CrosswalkEntry(.attemptFailed),
        "Delivered": CrosswalkEntry(.delivered),
        "Exception": CrosswalkEntry(.exception),
    ]

    /// Milestone stages 17TRACK sets on some events, used when an event has no sub-status.
    public static let stages: [String: CrosswalkEntry] = [
        "InfoReceived": CrosswalkEntry(.labelCreated),
        "PickedUp": CrosswalkEntry(.pickedUp),
        "Departure": CrosswalkEntry(.hubDeparture),
        "Arrival": CrosswalkEntry(.hubArrival),
        "AvailableForPickup": CrosswalkEntry(.awaitingPickup),
        "OutForDelivery": CrosswalkEntry(.outForDelivery),
        "Delivered": CrosswalkEntry(.delivered),
        "Returning": CrosswalkEntry(.returning),
        "Returned": CrosswalkEntry(.returned),
    ]

    static func entry(subStatus: String?, stage: String?) -> CrosswalkEntry? {
        if let subStatus, let entry = subStatuses[subStatus] { return entry }
        if let stage, let entry = stages[stage] { return entry }
        return subStatus.flatMap { $0.split(separator: "_").first.map(String.init) }.flatMap { statuses[$0] }
    }
}
