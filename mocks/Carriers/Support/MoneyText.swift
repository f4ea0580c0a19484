import DelayGateModel
import Foundation

/// Amounts as DelayGate's JSON writes them: a string exact to the cent (`"86.40"`) and the
/// currency, so no binary float ever rounds them.
enum MoneyText {
    static func json(_ money: Money) -> JSONValue {
        ["amount": .string(text(money.amount)), "currency": .string(money.currency)]
    }

    /// `86.4` → `86.40`, `1299` → `1299.00`; more precise amounts are written in full.
    static func text(_ amount: Decimal) -> String {
        var text = NSDecimalNumber(decimal: amount).description(withLocale: Locale(identifier: "en_US_POSIX"))
        guard let dot = text.firstIndex(of: ".") else { return text + ".00" }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        return text
    }
}
