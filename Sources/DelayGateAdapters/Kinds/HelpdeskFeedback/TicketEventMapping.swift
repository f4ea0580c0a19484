import DelayGateConfig
import DelayGateModel
import Foundation

/// Where a helpdesk webhook keeps the values of a ticket report, and what its values mean.
///
/// Helpdesks send a body the admin writes (Zendesk triggers, Freshdesk automation rules) with
/// placeholders for the ticket's fields, so every value is found by a configured JSON path:
///
/// ```yaml
/// fields:                          # defaults shown
///   ticket_id: $.ticket_id
///   external_id: $.external_id     # the key DelayGate gave the ticket (Zendesk external_id, Freshdesk cf_…)
///   status: $.status
///   outcome: $.outcome             # the agent's verdict: a dropdown field
///   cause: $.cause
///   resolution: $.resolution
///   solved_at: $.updated_at
/// solved_statuses: [solved, closed]             # compared without case
/// outcomes:                                     # verdict values, compared without case
///   false_alarm: [false_alarm, not_delayed]
///   confirmed_delay: [confirmed_delay, delayed]
/// ```
struct TicketEventMapping: Sendable {
    struct Fields: Decodable {
        var ticketID: String?
        var externalID: String?
        var status: String?
        var outcome: String?
        var cause: String?
        var resolution: String?
        var solvedAt: String?

        enum CodingKeys: String, CodingKey {
            case status, outcome, cause, resolution
            case ticketID = "ticket_id"
            case externalID = "external_id"
            case solvedAt = "solved_at"
        }
    }

    struct Outcomes: Decodable {
        var falseAlarm: [String]?
        var confirmedDelay: [String]?

        enum CodingKeys: String, CodingKey {
            case falseAlarm = "false_alarm"
            case confirmedDelay = "confirmed_delay"
        }
    }

    var ticketID: JSONPath
    var externalID: JSONPath
    var status: JSONPath
    var outcome: JSONPath
    var cause: JSONPath
    var resolution: JSONPath
    var solvedAt: JSONPath
    /// Lowercased.
    var solvedStatuses: Set<String>
    /// Lowercased verdict value → outcome.
    var outcomes: [String: TicketFeedback.Outcome]

    static let defaultFalseAlarms = ["false_alarm", "false alarm", "not_delayed", "误报"]
    static let defaultConfirmedDelays = ["confirmed_delay", "confirmed delay", "delayed", "确认延误"]

    /// Compiles the `fields`, `solved_statuses` and `outcomes` sections; bad paths name their key.
    static func compile(
        fields: Fields?, solvedStatuses: [String]?, outcomes: Outcomes?, defaultSolved: [String], file: AdapterFile
    ) throws(ConfigError) -> TicketEventMapping {
        func path(_ text: String?, default fallback: String, key: String) throws(ConfigError) -> JSONPath {
            let text = text ?? fallback
            guard let path = JSONPath(text) else {
                throw ConfigError(
                    file: file.path, key: "fields.\(key)", message: "'\(text)' is not a path such as $.ticket_id")
            }
            return path
        }
        var verdicts: [String: TicketFeedback.Outcome] = [:]
        for (values, outcome) in [
            (outcomes?.falseAlarm ?? defaultFalseAlarms, TicketFeedback.Outcome.falseAlarm),
            (outcomes?.confirmedDelay ?? defaultConfirmedDelays, .confirmedDelay),
        ] {
            for value in values {
                let key = value.lowercased()
                if let other = verdicts[key], other != outcome {
                    throw ConfigError(
                        file: file.path, key: "outcomes",
                        message: "'\(value)' is listed as both false_alarm and confirmed_delay")
                }
                verdicts[key] = outcome
            }
        }
        let solved = solvedStatuses ?? defaultSolved
        guard !solved.isEmpty else {
            throw ConfigError(file: file.path, key: "solved_statuses", message: "list at least one status")
        }
        return TicketEventMapping(
            ticketID: try path(fields?.ticketID, default: "$.ticket_id", key: "ticket_id"),
            externalID: try path(fields?.externalID, default: "$.external_id", key: "external_id"),
            status: try path(fields?.status, default: "$.status", key: "status"),
            outcome: try path(fields?.outcome, default: "$.outcome", key: "outcome"),
            cause: try path(fields?.cause, default: "$.cause", key: "cause"),
            resolution: try path(fields?.resolution, default: "$.resolution", key: "resolution"),
            solvedAt: try path(fields?.solvedAt, default: "$.updated_at", key: "solved_at"),
            solvedStatuses: Set(solved.map { $0.lowercased() }), outcomes: verdicts)
    }

    /// Reads a report from a body the admin's template produced.
    func report(
        helpdesk: String, in root: DynamicJSON, receivedAt: Date, zone: TimeZone
    ) throws(PayloadRejection) -> TicketFeedback {
        func text(_ path: JSONPath) -> String? {
            // Placeholders of empty fields render as "", which means "not set".
            path.first(root: root, item: root)?.text.map { String($0.trimmingWhitespace()) }.flatMap {
                $0.isEmpty ? nil : $0
            }
        }
        guard let ticketID = text(ticketID) else { throw PayloadRejection("no ticket id at \(self.ticketID)") }
        guard let status = text(status) else { throw PayloadRejection("no ticket status at \(self.status)") }
        let verdict = text(outcome)
        var solvedAt = receivedAt
        if let value = text(self.solvedAt) {
            guard let timestamp = CarrierTimestamp.parse(value) else {
                throw PayloadRejection("\(self.solvedAt): '\(value)' is not an ISO 8601 time")
            }
            solvedAt = timestamp.resolve(inferredZone: nil, assumedZone: zone).instant
        }
        return TicketFeedback(
            helpdesk: helpdesk, ticketID: ticketID, externalID: text(externalID), status: status,
            isSolved: solvedStatuses.contains(status.lowercased()),
            outcome: verdict.flatMap { outcomes[$0.lowercased()] }, verdict: verdict, cause: text(cause),
            resolution: text(resolution), solvedAt: solvedAt)
    }

    /// The body as JSON, or a rejection saying why not.
    static func json(_ body: Data) throws(PayloadRejection) -> DynamicJSON {
        do {
            return try JSONDecoder().decode(DynamicJSON.self, from: body)
        } catch {
            throw PayloadRejection(JSONPayloadError.describe(error))
        }
    }
}

/// An adapter of a helpdesk ticket-event kind: verifies the helpdesk's request and reads its report.
public struct TicketEventAdapter: InboundAdapter {
    public let name: String
    public let kind: String
    public var acceptedMediaTypes: Set<String> { ["application/json"] }
    public var missingSecrets: [String] { verifier.missingSecrets }

    let verifier: any RequestVerifier
    let read: @Sendable (DynamicJSON, Date) throws(PayloadRejection) -> TicketFeedback

    public func verify(_ request: InboundRequest, now: Date) throws(VerificationFailure) {
        try verifier.verify(request, now: now)
    }

    public func parse(_ body: Data, receivedAt: Date) throws(PayloadRejection) -> NormalizedPayload {
        NormalizedPayload(ticketFeedback: [try read(try TicketEventMapping.json(body), receivedAt)])
    }
}
