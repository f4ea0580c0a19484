import DelayGateModel

/// Plausible Chinese customers, drawn from an order's own random stream.
enum CustomerFactory {
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗")
    static let givenNames = [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英",
        "霞", "平", "刚", "桂英", "小明", "建华", "晓燕", "子涵", "一诺", "浩然",
    ]
    static let channels = cumulativeSums([50, 35, 5, 10])

    static func customer(_ rng: inout Xoshiro256StarStar) -> Customer {
        let number = 10_000_000 + rng.below(90_000_000)
        let name = String(surnames[rng.below(surnames.count)]) + givenNames[rng.below(givenNames.count)]
        let mobilePrefix = ["138", "139", "150", "186", "177", "135"][rng.below(6)]
        let phone = "+86" + mobilePrefix + String(10_000_000 + rng.below(90_000_000))
        let channel: ContactChannel = [.sms, .push, .email, .voice][rng.pick(cumulative: channels)]
        return Customer(
            id: "C\(number)", name: name, phone: phone, email: "c\(number)@example.com", appUserID: "u-\(number)",
            preferredChannel: channel, locale: "zh-CN")
    }
}
