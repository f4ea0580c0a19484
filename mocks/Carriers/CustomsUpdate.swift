import DelayGateModel
import Foundation

/// One customs-declaration status update, as a customs broker reports it (docs/customs-json.md).
///
/// ```swift
/// let update = CustomsUpdate(
///     declarationID: "DEC-SF1400000001", carrier: "sf-express", trackingNumber: "SF1400000001",
///     status: .documentsRequired, time: date, missingDocuments: ["commercial_invoice"],
///     office: TrackingNode(facilityCode: "5320", facilityName: "皇岗海关", city: "深圳市"))
/// let fromEvent = CustomsUpdate(event: customsEvent)   // a simulated customs_* event
/// ```
public struct CustomsUpdate: Sendable, Hashable {
    /// The broker's declaration statuses (the `customs` kind's crosswalk keys).
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case submitted
        case underInspection = "under_inspection"
        case documentsRequired = "documents_required"
        case held
        case taxDue = "tax_due"
        case released
    }

    public var declarationID: String
    public var carrier: String
    public var trackingNumber: String
    public var status: Status
    public var time: Date
    /// The UTC offset the broker prints `time` with, in seconds east of UTC.
    public var utcOffsetSeconds: Int
    /// Required by the format when the status is ``Status/documentsRequired``.
    public var missingDocuments: [String]
    public var taxDue: Money?
    /// The customs office: code, name, city, region and country are sent.
    public var office: TrackingNode?
    /// The broker's remark, e.g. `请补充商业发票`.
    public var note: String?

    public init(
        declarationID: String,
        carrier: String,
        trackingNumber: String,
        status: Status,
        time: Date,
        utcOffsetSeconds: Int = 8 * 3600,
        missingDocuments: [String] = [],
        taxDue: Money? = nil,
        office: TrackingNode? = nil,
        note: String? = nil
    ) {
        self.declarationID = declarationID
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.status = status
        self.time = time
        self.utcOffsetSeconds = utcOffsetSeconds
        self.missingDocuments = missingDocuments
        self.taxDue = taxDue
        self.office = office
        self.note = note
    }

    /// The update a broker would send for a customs event (`customs_started` → submitted,
    /// `customs_docs_required` → documents required, `customs_held` → tax due when the event has
    /// a tax, else held, `customs_cleared` → released); nil for other milestones. The
    /// declaration is the event's, else `DEC-<tracking number>`, as the simulation names them.
    public init?(event: TrackingEvent) {
        let status: Status
        switch event.milestone {
        case .customsStarted: status = .submitted
        case .customsDocsRequired: status = .documentsRequired
        case .customsHeld: status = event.details.taxDue == nil ? .held : .taxDue
        case .customsCleared: status = .released
        default: return nil
        }
        self.init(
            declarationID: event.details.customsDeclaration ?? "DEC-\(event.trackingNumber)", carrier: event.carrier,
            trackingNumber: event.trackingNumber, status: status, time: event.time.instant,
            utcOffsetSeconds: WireTime.offset(of: event.time), missingDocuments: event.details.missingDocuments,
            taxDue: event.details.taxDue, office: event.node.isEmpty ? nil : event.node, note: event.carrierStatus.text)
    }
}
