import DelayGateModel

/// AfterShip checkpoint subtags mapped to canonical milestones; an unknown subtag falls back to
/// its tag (the part before `_`), and an unknown tag to `unknown`.
public enum AfterShipCrosswalk {
    public static let subtags: [String: CrosswalkEntry] = [
        "Pending_001": CrosswalkEntry(.unknown),
        "InfoReceived_001": CrosswalkEntry(.labelCreated),
        "InTransit_001": CrosswalkEntry(.hubDeparture),
        "InTransit_002": CrosswalkEntry(.pickedUp),
        "InTransit_003": CrosswalkEntry(.hubArrival),
        "InTransit_004": CrosswalkEntry(.hubArrival),
        "InTransit_005": CrosswalkEntry(.customsCleared),
        "InTransit_006": CrosswalkEntry(.customsStarted),
        "InTransit_007": CrosswalkEntry(.hubDeparture),
        "InTransit_008": CrosswalkEntry(.hubDeparture),
        "InTransit_009": CrosswalkEntry(.hubDeparture),
        "OutForDelivery_001": CrosswalkEntry(.outForDelivery),
        "OutForDelivery_002": CrosswalkEntry(.awaitingPickup),
        "OutForDelivery_003": CrosswalkEntry(.outForDelivery),
        "OutForDelivery_004": CrosswalkEntry(.outForDelivery),
        "AvailableForPickup_001": CrosswalkEntry(.awaitingPickup),
        "AttemptFail_001": CrosswalkEntry(.attemptFailed),
        "AttemptFail_002": CrosswalkEntry(.attemptFailed),
        "AttemptFail_003": CrosswalkEntry(.attemptFailed),
        "Delivered_001": CrosswalkEntry(.delivered),
        "Delivered_002": CrosswalkEntry(.delivered),
        "Delivered_003": CrosswalkEntry(.delivered),
        "Delivered_004": CrosswalkEntry(.delivered),
        "Delivered_005": CrosswalkEntry(.delivered),
        "Exception_001": CrosswalkEntry(.exception),
        "Exception_002": CrosswalkEntry(.attemptFailed),
        "Exception_003": CrosswalkEntry(.attemptFailed),
        "Exception_004": CrosswalkEntry(.customsHeld, stall: true),
        "Exception_005": CrosswalkEntry(.exception, stall: true),
        "Exception_006": CrosswalkEntry(.customsHeld, stall: true),
        "Exception_007": CrosswalkEntry(.attemptFailed),
        "Exception_008": CrosswalkEntry(.awaitingPickup, stall: true),
        "Exception_009": CrosswalkEntry(.exception),
        "Exception_010": CrosswalkEntry(.returning),
        "Exception_011": CrosswalkEntry(.returned),
        "Exception_012": CrosswalkEntry(.lostOrDamaged),
        "Exception_013": CrosswalkEntry(.lostOrDamaged),
        "Exception_016": CrosswalkEntry(.exception, stall: true),
        "Exception_017": CrosswalkEntry(.exception, stall: true),
        "Exception_018": CrosswalkEntry(.customsDocsRequired, stall: true),
        "Expired_001": CrosswalkEntry(.exception, stall: true),
    ]

    public static let tags: [String: CrosswalkEntry] = [
        "Pending": CrosswalkEntry(.unknown),
        "InfoReceived": CrosswalkEntry(.labelCreated),
        "InTransit": CrosswalkEntry(.hubDeparture),
        "OutForDelivery": CrosswalkEntry(.outForDelivery),
        "AvailableForPickup": CrosswalkEntry(.awaitingPickup),
        "AttemptFail": CrosswalkEntry(.attemptFailed),
        "Delivered": CrosswalkEntry(.delivered),
        "Exception": CrosswalkEntry(.exception),
        "Expired": CrosswalkEntry(.exception, stall: true),
    ]

    /// The entry for a checkpoint, and whether it came from the exact subtag.
    static func entry(subtag: String?, tag: String?) -> CrosswalkEntry? {
        if let subtag, let entry = subtags[subtag] { return entry }
        let tag = tag ?? subtag.flatMap { $0.split(separator: "_").first.map(String.init) }
        return tag.flatMap { tags[$0] }
    }
}
