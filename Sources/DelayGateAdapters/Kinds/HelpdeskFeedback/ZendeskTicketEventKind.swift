import DelayGateConfig
import DelayGateModel
import Foundation

/// The `zendesk-ticket-event` kind: Zendesk tells DelayGate that a ticket it opened was solved,
/// with the agent's verdict, cause and resolution — the input of the closed loop.
///
/// Two payloads are read:
/// - a **trigger** webhook (Admin Center → Objects and rules → Triggers, condition "Status is
///   Solved", action "Notify by webhook") whose JSON body the admin writes with placeholders;
///   the paths of `fields` find each value in it (see ``TicketEventMapping``):
///   `{"ticket_id": "{{ticket.id}}", "external_id": "{{ticket.external_id}}",
///     "status": "{{ticket.status}}", "outcome": "{{ticket.ticket_field_360001}}",
///     "cause": "{{ticket.ticket_field_360002}}", "resolution": "{{ticket.ticket_field_360003}}",
///     "updated_at": "{{ticket.updated_at_with_timestamp}}"}`
/// - an **event-subscription** webhook (`zen:event-type:ticket.status_changed` and other ticket
///   events), recognised by its `type`: ticket id, `external_id` and status come from `detail`
///   and `event.current`. These carry no custom fields, so they give no verdict or cause.
///
/// Requests are verified with Zendesk's signature (``ZendeskWebhookVerifier``).
///
/// ```yaml
/// kind: zendesk-ticket-event
/// verification:
///   secret: ${ZENDESK_WEBHOOK_SECRET}        # the webhook's signing secret
///   previous_secret: ${ZENDESK_WEBHOOK_SECRET_PREVIOUS}   # optional, while rotating
///   tolerance_seconds: 300
/// fields: { outcome: $.outcome, cause: $.cause, resolution: $.resolution }
/// solved_statuses: [solved, closed]
/// ```
public enum ZendeskTicketEventKind: InboundAdapterKind {
    public static let kindName = "zendesk-ticket-event"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: Verification
        var fields: TicketEventMapping.Fields?
        var solvedStatuses: [String]?
        var outcomes: TicketEventMapping.Outcomes?
        var options: Options?

        struct Verification: Decodable {
            var secret: SecretReference
            var previousSecret: SecretReference?
            var toleranceSeconds: Int?

            enum CodingKeys: String, CodingKey {
                case secret
                case previousSecret = "previous_secret"
                case toleranceSeconds = "tolerance_seconds"
            }
        }

        struct Options: Decodable {
            var defaultTimeZone: String?

            enum CodingKeys: String, CodingKey {
                case defaultTimeZone = "default_time_zone"
            }
        }

        enum CodingKeys: String, CodingKey {
            case kind, name, description, verification, fields, outcomes, options
            case solvedStatuses = "solved_statuses"
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let verification = configuration.verification
        let tolerance = verification.toleranceSeconds ?? 300
        guard (1...86_400).contains(tolerance) else {
            throw ConfigError(
                file: file.path, key: "verification.tolerance_seconds",
                message: "expected 1 to 86400 seconds, found \(tolerance)")
        }
        let mapping = try TicketEventMapping.compile(
            fields: configuration.fields, solvedStatuses: configuration.solvedStatuses,
            outcomes: configuration.outcomes, defaultSolved: ["solved", "closed"], file: file)
        let zone = try ZoneOption.zone(
            configuration.options?.defaultTimeZone, default: "UTC", file: file, key: "options.default_time_zone")
        let secrets = SecretPair(
            current: verification.secret, previous: verification.previousSecret, environment: decoder.environment)
        return TicketEventAdapter(
            name: file.name, kind: kindName,
            verifier: ZendeskWebhookVerifier(secrets: secrets, tolerance: .seconds(tolerance))
        ) { root, receivedAt throws(PayloadRejection) in
            try report(root, mapping: mapping, receivedAt: receivedAt, zone: zone)
        }
    }

    static func report(
        _ root: DynamicJSON, mapping: TicketEventMapping, receivedAt: Date, zone: TimeZone
    ) throws(PayloadRejection) -> TicketFeedback {
        guard case .object(let envelope) = root, let type = envelope["type"]?.text,
            type.hasPrefix("zen:event-type:ticket.")
        else {
            return try mapping.report(helpdesk: "zendesk", in: root, receivedAt: receivedAt, zone: zone)
        }
        // An event-subscription webhook: Zendesk's own envelope.
        guard case .object(let detail) = envelope["detail"] ?? .null, let ticketID = detail["id"]?.text else {
            throw PayloadRejection("\(type): detail.id is missing")
        }
        var status = detail["status"]?.text
        if type == "zen:event-type:ticket.status_changed", case .object(let event) = envelope["event"] ?? .null {
            status = event["current"]?.text ?? status
        }
        guard let status else { throw PayloadRejection("\(type): the ticket's status is missing") }
        let solvedAt = envelope["time"]?.text.flatMap(CarrierTimestamp.parse).map {
            $0.resolve(inferredZone: nil, assumedZone: zone).instant
        }
        return TicketFeedback(
            helpdesk: "zendesk", ticketID: ticketID, externalID: detail["external_id"]?.text, status: status,
            isSolved: mapping.solvedStatuses.contains(status.lowercased()), solvedAt: solvedAt ?? receivedAt)
    }
}
