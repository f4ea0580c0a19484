import Foundation

/// Peak seasons (Double-11, 618, Spring Festival …) during which every node is expected to be
/// slower by a factor.
public struct SeasonCalendar: Sendable, Hashable {
    /// One window: either the same month-days every year, or fixed dates.
    public struct Window: Sendable, Hashable {
        public enum Span: Sendable, Hashable {
            /// From month-day to month-day (inclusive), every year.
            case yearly(fromMonth: Int, fromDay: Int, toMonth: Int, toDay: Int)
            /// Fixed instants, `to` exclusive.
            case dates(from: Date, to: Date)
        }

        public var name: String
        public var span: Span
        public var factor: Double

        public init(name: String, span: Span, factor: Double) {
            self.name = name
            self.span = span
            self.factor = factor
        }
    }

    public var windows: [Window]
    /// Zone in which month-days are read.
    public var timeZone: TimeZone

    public init(
        windows: [Window] = SeasonCalendar.standard, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!
    ) {
        self.windows = windows
        self.timeZone = timeZone
    }

    /// Double-11 and 618 every year; Spring Festival needs dates per year in configuration.
    public static let standard: [Window] = [
        Window(name: "Double-11", span: .yearly(fromMonth: 11, fromDay: 10, toMonth: 11, toDay: 14), factor: 1.6),
        Window(name: "618", span: .yearly(fromMonth: 6, fromDay: 17, toMonth: 6, toDay: 20), factor: 1.4),
    ]

    /// The strongest factor in force at `instant` (1 outside every window), and its window.
    public func factor(at instant: Date) -> (factor: Double, window: String?) {
        var best: (Double, String?) = (1, nil)
        // The month-day is only read for yearly windows, and only once: the engine asks this for
        // every dwell it learns and every parcel it judges.
        var knownMonthDay: Int?
        func monthDay() -> Int {
            if let knownMonthDay { return knownMonthDay }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let day = calendar.dateComponents([.month, .day], from: instant)
            let value = (day.month ?? 0) * 100 + (day.day ?? 0)
            knownMonthDay = value
            return value
        }
        for window in windows where window.factor > best.0 {
            let inside: Bool
            switch window.span {
            case .yearly(let fromMonth, let fromDay, let toMonth, let toDay):
                let monthDay = monthDay()
                let from = fromMonth * 100 + fromDay
                let to = toMonth * 100 + toDay
                inside = from <= to ? (from...to).contains(monthDay) : (monthDay >= from || monthDay <= to)
            case .dates(let from, let to):
                inside = instant >= from && instant < to
            }
            if inside { best = (window.factor, window.name) }
        }
        return best
    }
}
