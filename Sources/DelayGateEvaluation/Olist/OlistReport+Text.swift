import Foundation

extension OlistEvaluation.Report {
    /// The printed report: tables, then one machine-readable last line.
    public func text(options: OlistEvaluation.Options, orders loaded: Int, skipped: [String: Int], seconds: Double)
        -> String
    {
        var lines: [String] = []
        let late = engine.late
        lines.append(
            "orders loaded (delivered, both scans): \(loaded); left out: "
                + skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append(
            "training orders: \(trainingOrders) (purchased before \(Self.day(options.trainUntil))); "
                + "test orders: \(testOrders.count) (purchased \(Self.day(options.testFrom))..\(Self.day(options.testUntil.addingTimeInterval(-1)))); "
                + "late: \(late) (\(Self.percent(Double(late) / Double(max(1, testOrders.count)))))")
        lines.append(
            "θ = \(Self.number(threshold, 3)) "
                + (tuned
                    ? "(tuned on the validation window: best F1 with median lead ≥ \(Int(OlistEvaluation.validationLeadTarget)) h)"
                    : "(given)"))
        if tuned {
            lines.append("")
            lines.append(
                "validation (last \(OlistEvaluation.validationMonths) months before --train-until; baselines from the months before):"
            )
            lines.append(Self.header(first: "θ"))
            for row in validation where (0.2...0.8).contains(row.threshold) {
                lines.append(Self.row(Self.number(row.threshold, 3), row.score))
            }
            if let validationNaive { lines.append(Self.row("naive 1.2×", validationNaive)) }
        }
        lines.append("")
        lines.append("test:")
        lines.append(Self.header(first: "rule"))
        lines.append(Self.row("engine (lane risk)", engine))
        lines.append(Self.row("naive 1.2 × lane mean", naive12))
        lines.append(Self.row("naive 1.5 × lane mean", naive15))
        lines.append("")
        lines.append("per purchase month (same baselines and θ):")
        lines.append(
            Self.columns([
                "month", "orders", "late", "engine warned", "P", "R", "F1", "lead h", "naive warned", "P", "R", "F1",
                "lead h", "F1 ratio",
            ]))
        for month in months {
            lines.append(
                Self.columns([
                    month.month, "\(month.engine.orders)", "\(month.engine.late)", "\(month.engine.warned)",
                    Self.number(month.engine.precision, 3), Self.number(month.engine.recall, 3),
                    Self.number(month.engine.f1, 3), Self.lead(month.engine), "\(month.naive.warned)",
                    Self.number(month.naive.precision, 3), Self.number(month.naive.recall, 3),
                    Self.number(month.naive.f1, 3), Self.lead(month.naive),
                    month.naive.f1 > 0 ? Self.number(month.engine.f1 / month.naive.f1, 2) : "-",
                ]))
        }
        lines.append("")
        let ratio = naive12.f1 > 0 ? engine.f1 / naive12.f1 : 0
        lines.append(
            "engine F1 / naive 1.2× F1 = \(Self.number(ratio, 2)) (target ≥ 1.2); engine median lead "
                + "\(Self.lead(engine)) h (target ≥ 48); true warnings ≥ 48 h ahead: \(Self.percent(engine.shareOfLeads(atLeast: 48)))"
        )
        lines.append(
            "replay: \(testOrders.count * 2) scans and \(ticks) scheduler ticks through the engine in "
                + "\(Self.number(replaySeconds, 2)) s; \(agreeingWithModel)/\(testOrders.count) orders alerted exactly when "
                + "the lane model predicts; \(dwellAlerts) dwell alerts not scored (a parcel's only dwell here is its whole transit)"
        )
        lines.append("elapsed \(Self.number(seconds, 2)) s")
        lines.append(
            "engine f1=\(Self.number(engine.f1, 3)) precision=\(Self.number(engine.precision, 3)) "
                + "recall=\(Self.number(engine.recall, 3)) lead_h=\(Self.lead(engine)) warned=\(engine.warned) "
                + "naive f1=\(Self.number(naive12.f1, 3)) precision=\(Self.number(naive12.precision, 3)) "
                + "recall=\(Self.number(naive12.recall, 3)) lead_h=\(Self.lead(naive12)) warned=\(naive12.warned) "
                + "ratio=\(Self.number(ratio, 2)) theta=\(Self.number(threshold, 3)) test_orders=\(testOrders.count) late=\(late)"
        )
        return lines.joined(separator: "\n")
    }

    static func header(first: String) -> String {
        columns([first, "orders", "late", "warned", "precision", "recall", "F1", "median lead h"])
    }

    static func row(_ name: String, _ score: WarningScore) -> String {
        columns([
            name, "\(score.orders)", "\(score.late)", "\(score.warned)", number(score.precision, 3),
            number(score.recall, 3),
            number(score.f1, 3), lead(score),
        ])
    }

    static func columns(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    static func lead(_ score: WarningScore) -> String { score.medianLead.map { number($0, 1) } ?? "-" }

    static func number(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func percent(_ share: Double) -> String { String(format: "%.1f %%", share * 100) }

    static func day(_ date: Date) -> String {
        let (year, month, day) = NaiveTimestamp.civil(date)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }
}
