import DelayGateModel

/// Kdniao's state codes (`State`, `StateEx`, per-trace `Action`) mapped to canonical milestones.
///
/// Kdniao documents no departure code inside the network beyond 2 and 206 and no customs
/// documents code; 604 (customs problem) is the only customs failure. Stall codes are the ones
/// Kdniao raises itself when a parcel stops: 401 no scan at all, 402 not signed 36 h after
/// dispatch, 403 no scan for 5 days, 412 uncollected in a locker for 18 h, 417 declared delay.
public enum KdniaoCrosswalk {
    public static let table: [String: CrosswalkEntry] = [
        "0": CrosswalkEntry(.unknown),
        "10": CrosswalkEntry(.labelCreated),
        "1": CrosswalkEntry(.pickedUp),
        "2": CrosswalkEntry(.hubDeparture),
        "201": CrosswalkEntry(.hubArrival),
        "204": CrosswalkEntry(.hubArrival),
        "205": CrosswalkEntry(.hubArrival),
        "206": CrosswalkEntry(.hubDeparture),
        "202": CrosswalkEntry(.outForDelivery),
        "211": CrosswalkEntry(.awaitingPickup),
        "3": CrosswalkEntry(.delivered),
        "301": CrosswalkEntry(.delivered),
        "302": CrosswalkEntry(.delivered),
        "304": CrosswalkEntry(.delivered),
        "311": CrosswalkEntry(.delivered),
        "4": CrosswalkEntry(.exception),
        "401": CrosswalkEntry(.exception, stall: true),
        "402": CrosswalkEntry(.exception, stall: true),
        "403": CrosswalkEntry(.exception, stall: true),
        "404": CrosswalkEntry(.returning),
        "405": CrosswalkEntry(.attemptFailed),
        "406": CrosswalkEntry(.returned),
        "407": CrosswalkEntry(.returning),
        "412": CrosswalkEntry(.awaitingPickup, stall: true),
        "413": CrosswalkEntry(.exception),
        "414": CrosswalkEntry(.lostOrDamaged),
        "415": CrosswalkEntry(.exception),
        "416": CrosswalkEntry(.attemptFailed),
        "417": CrosswalkEntry(.exception, stall: true),
        "418": CrosswalkEntry(.exception),
        "419": CrosswalkEntry(.outForDelivery),
        "420": CrosswalkEntry(.attemptFailed),
        "421": CrosswalkEntry(.attemptFailed),
        "422": CrosswalkEntry(.exception),
        "423": CrosswalkEntry(.exception),
        "5": CrosswalkEntry(.hubDeparture),
        "6": CrosswalkEntry(.customsStarted),
        "601": CrosswalkEntry(.customsStarted),
        "602": CrosswalkEntry(.customsStarted),
        "603": CrosswalkEntry(.customsCleared),
        "604": CrosswalkEntry(.customsHeld),
    ]

    /// Standard (101) pushes carry no per-trace code: the trace text decides, first match wins.
    /// Generic in-transit codes ("2") are refined the same way.
    public static let textRules: [(keyword: String, milestone: Milestone)] = [
        ("退回", .returning), ("退件", .returning),
        ("签收", .delivered), ("已取出", .delivered),
        ("快递柜", .awaitingPickup), ("驿站", .awaitingPickup), ("待取", .awaitingPickup),
        ("派件", .outForDelivery), ("派送", .outForDelivery),
        ("清关", .customsStarted), ("海关", .customsStarted),
        ("揽收", .pickedUp), ("揽件", .pickedUp), ("收件", .pickedUp),
        ("发出", .hubDeparture), ("发往", .hubDeparture),
        ("到达", .hubArrival), ("到件", .hubArrival),
    ]

    /// The milestone for a trace: its `Action` code when it is specific, else its text.
    static func milestone(action: String?, text: String) -> (Milestone, code: String, stall: Bool) {
        if let action, let entry = table[action], action != "2", action != "0" {
            return (entry.milestone, action, entry.stall)
        }
        if let rule = textRules.first(where: { text.contains($0.keyword) }) {
            return (rule.milestone, action ?? "text", false)
        }
        if let action, let entry = table[action] { return (entry.milestone, action, entry.stall) }
        return (.unknown, action ?? "text", false)
    }
}
