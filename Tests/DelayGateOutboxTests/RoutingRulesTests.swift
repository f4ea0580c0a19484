import DelayGateOutbound
import Testing

@Suite("Routing rules")
struct RoutingRulesTests {
    @Test("a rule's region matches the alert's region and the same name with a suffix (浙江 → 浙江省)")
    func regions() {
        let rules = RoutingRules(rules: [
            .init(name: "east", regions: ["浙江", "上海", "广西"], groups: ["101"]),
            .init(name: "all", groups: ["201"]),
        ])
        func rule(_ region: String?) -> String? {
            rules.rule(region: region, level: "urgent", scenario: "dwell", orderValue: nil, vip: false)?.name
        }
        #expect(rule("浙江省") == "east")
        #expect(rule("浙江") == "east")
        #expect(rule("上海市") == "east")
        #expect(rule("广西壮族自治区") == "east")
        #expect(rule("江西省") == "all", "a shared character is not a match")
        #expect(rule("湖北省") == "all")
        #expect(rule(nil) == "all")
    }
}
