import DelayGateModel

/// The carriers' raw codes and Chinese texts for the milestones the network produces.
enum StatusText {
    static func text(for milestone: Milestone, at facility: Facility) -> String {
        let name = "【\(facility.name)】"
        switch milestone {
        case .labelCreated:
            return facility.kind == .warehouse ? "商家已打包，等待快递员揽收\(name)" : "退货已登记，等待快递员上门取件\(name)"
        case .pickedUp: return "快件已由\(name)揽收"
        case .hubArrival: return "快件已到达\(name)"
        case .hubDeparture: return "快件已从\(name)发出"
        case .customsStarted: return "快件已到达\(name)，清关中"
        case .customsDocsRequired: return "\(name)要求补充清关资料"
        case .customsHeld: return "快件在\(name)待缴税款，暂扣"
        case .customsCleared: return "快件已在\(name)清关放行"
        case .outForDelivery: return "\(name)快递员正在派件"
        case .delivered: return "快件已签收，感谢使用\(name)"
        case .returned: return "退货快件已由商家\(name)签收"
        case .lostOrDamaged: return "快件在\(name)破损，已登记理赔"
        default: return "\(milestone.rawValue)\(name)"
        }
    }

    static func code(for milestone: Milestone, carrier: String) -> String {
        let index = [
            Milestone.labelCreated, .pickedUp, .hubArrival, .hubDeparture, .customsStarted, .customsDocsRequired,
            .customsHeld, .customsCleared, .outForDelivery, .delivered, .returned, .lostOrDamaged,
        ].firstIndex(of: milestone)
        guard let index else { return milestone.rawValue }
        switch carrier {
        case "sf-express":
            return ["10", "50", "30", "36", "605", "606", "607", "608", "44", "80", "99", "33"][index]
        case "jd":
            return ["100", "200", "300", "310", "400", "410", "420", "430", "500", "600", "700", "900"][index]
        default:
            return [
                "CREATED", "GOT", "ARRIVAL", "DEPARTURE", "CUSTOMS", "CUSTOMS_DOCS", "CUSTOMS_HOLD", "CUSTOMS_OUT",
                "DISPATCH", "SIGNED", "RETURN_SIGNED", "PROBLEM",
            ][index]
        }
    }
}
