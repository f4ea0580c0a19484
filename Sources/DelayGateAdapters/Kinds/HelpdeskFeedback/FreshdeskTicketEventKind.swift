import DelayGateConfig
import DelayGateModel
import Foundation

/// The `freshdesk-ticket-event` kind: a Freshdesk automation rule ("Ticket updates", condition
/// "Status is changed to Resolved", action "Trigger webhook", POST, JSON, Advanced content) tells
/// DelayGate that a ticket it opened was resolved.
///
/// The admin writes the body with Freshdesk placeholders; `fields` say where each value is:
/// `{"ticket_id": "{{ticket.id}}", "external_id": "{{ticket.cf_delaygate_key}}",
///   "status": "{{ticket.status}}", "outcome": "{{ticket.cf_delay_verdict}}",
///   "cause": "{{ticket.cf_delay_cause}}", "resolution": "{{ticket.cf_delay_resolution}}"}`
/// (`cf_` names exactly as Freshdesk's placeholder picker shows them).
///
/// Freshdesk does not sign webhooks: the rule's "Requires authentication" sends HTTP Basic
/// credentials (scheme `basic`), or a custom header carries a token (`bearer`, or `hmac-sha256`
/// behind a signing proxy). Use HTTPS and a long random secret.
///
/// ```yaml
/// kind: freshdesk-ticket-event
/// verification:
///   scheme: basic                         # basic | bearer | hmac-sha256
///   username: freshdesk
///   secret: ${FRESHDESK_WEBHOOK_PASSWORD}
/// solved_statuses: [resolved, closed]     # names, or the codes 4 and 5
/// ```
public enum FreshdeskTicketEventKind: InboundAdapterKind {
    public static let kindName = "freshdesk-ticket-event"

    struct Configuration: Decodable {
        var kind: String
        var name: String?
        var description: String?
        var verification: ConfiguredVerification
        var fields: TicketEventMapping.Fields?
        var solvedStatuses: [String]?
        var outcomes: TicketEventMapping.Outcomes?
        var options: ZendeskTicketEventKind.Configuration.Options?

        enum CodingKeys: String, CodingKey {
            case kind, name, description, verification, fields, outcomes, options
            case solvedStatuses = "solved_statuses"
        }
    }

    public static func makeAdapter(from file: AdapterFile, decoder: ConfigDecoder) throws(ConfigError)
        -> any InboundAdapter
    {
        let configuration = try decoder.decode(Configuration.self, from: file.node, file: file.path)
        let verifier = try configuration.verification.verifier(
            file: file, environment: decoder.environment, schemes: ["basic", "bearer", "hmac-sha256"])
        let mapping = try TicketEventMapping.compile(
            fields: configuration.fields, solvedStatuses: configuration.solvedStatuses,
            outcomes: configuration.outcomes, defaultSolved: ["resolved", "closed", "4", "5"], file: file)
        let zone = try ZoneOption.zone(
            configuration.options?.defaultTimeZone, default: "UTC", file: file, key: "options.default_time_zone")
        return TicketEventAdapter(name: file.name, kind: kindName, verifier: verifier) {
            root, receivedAt throws(PayloadRejection) in
            try mapping.report(helpdesk: "freshdesk", in: root, receivedAt: receivedAt, zone: zone)
        }
    }
}
