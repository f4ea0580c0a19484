import DelayGateModel
import Foundation

/// The generated data in compact form, shared (never copied) by ``SimulatedDay``, its order
/// collections and its event sequences, and turned into model values on demand.
final class SimulationStore: Sendable {
    let config: SimulationConfig
    let planner: RoutePlanner
    let identifiers: Identifiers
    /// Epoch second that relative time 0 stands for.
    let base: Int64
    let steps: [Step]
    /// Orders (one parcel each): history orders first, then the evaluated day's.
    let records: [OrderRecord]
    let historyCount: Int
    /// Order index by carrier, then tracking serial.
    let ordersBySequence: [[UInt32]]
    let facilityNodes: [TrackingNode]
    /// Raw status text by `facility × milestones + milestone code`.
    let statusTexts: [String]
    /// Raw status code by `carrier × milestones + milestone code`.
    let statusCodes: [String]

    static let milestoneCount = Milestone.allCases.count

    init(
        config: SimulationConfig, planner: RoutePlanner, identifiers: Identifiers, base: Int64, steps: [Step],
        records: [OrderRecord], historyCount: Int
    ) {
        self.config = config
        self.planner = planner
        self.identifiers = identifiers
        self.base = base
        self.steps = steps
        self.records = records
        self.historyCount = historyCount
        var bySequence = [[UInt32]](repeating: [], count: planner.network.carriers.count)
        for (index, record) in records.enumerated() {
            bySequence[Int(record.carrier)].append(UInt32(index))
        }
        ordersBySequence = bySequence
        let facilities = planner.network.facilities
        facilityNodes = facilities.map(\.node)
        statusTexts = facilities.flatMap { facility in
            Milestone.bySimulationCode.map { StatusText.text(for: $0, at: facility) }
        }
        statusCodes = planner.network.carriers.flatMap { carrier in
            Milestone.bySimulationCode.map { StatusText.code(for: $0, carrier: carrier.id) }
        }
    }

    func date(_ t: Int32) -> Date { Date(timeIntervalSince1970: Double(base + Int64(t))) }

    func trackingNumber(order index: Int) -> String {
        let record = records[index]
        return identifiers.trackingNumber(carrier: Int(record.carrier), sequence: record.sequence)
    }

    func orderIndex(for key: ShipmentKey) -> Int? {
        guard let (carrier, sequence) = identifiers.parse(key) else { return nil }
        let list = ordersBySequence[carrier]
        return Int(sequence) < list.count ? Int(list[Int(sequence)]) : nil
    }

    // MARK: Events

    /// The tracking event of step `step` (absolute index) of order `index`'s parcel.
    func event(order index: Int, step: Int, trackingNumber: String? = nil) -> TrackingEvent {
        let record = records[index]
        let packed = steps[step]
        let tracking = trackingNumber ?? self.trackingNumber(order: index)
        let milestone = Milestone.bySimulationCode[Int(packed.milestone)]
        let instant = date(packed.time)
        var details = EventDetails()
        if packed.detail != EventDetailVariant.none {
            details.customsDeclaration = "DEC-" + tracking
            details.missingDocuments = EventDetailVariant.missingDocuments(packed.detail)
            details.taxDue = EventDetailVariant.tax(packed.detail).map { Money(amount: $0, currency: "CNY") }
        }
        let code = Int(packed.milestone)
        return TrackingEvent(
            carrier: planner.network.carriers[Int(record.carrier)].id,
            trackingNumber: tracking,
            time: EventTime(instant: instant, source: .explicitOffset(seconds: ShanghaiTime.offsetSeconds)),
            receivedAt: instant,
            milestone: milestone,
            carrierStatus: CarrierStatus(
                code: statusCodes[Int(record.carrier) * Self.milestoneCount + code],
                text: statusTexts[Int(packed.facility) * Self.milestoneCount + code]),
            node: facilityNodes[Int(packed.facility)],
            direction: record.flags & OrderRecord.isReturn != 0 ? .return : .forward,
            carrierEventID: eventID(trackingNumber: tracking, ordinal: step - Int(record.stepStart)),
            details: details)
    }

    /// `SF1400000000042-3`: the tracking number and the scan's position in its history.
    func eventID(trackingNumber: String, ordinal: Int) -> String {
        trackingNumber + "-" + String(ordinal)
    }

    func events(order index: Int) -> [TrackingEvent] {
        let record = records[index]
        let tracking = trackingNumber(order: index)
        let start = Int(record.stepStart)
        return (start..<(start + Int(record.stepCount))).map { event(order: index, step: $0, trackingNumber: tracking) }
    }

    func plannedRoute(order index: Int) -> [RouteStep] {
        let record = records[index]
        switch ShipmentGenerator.RouteKind(rawValue: record.routeKind) {
        case .forward: return planner.forwardRoutes[Int(record.route)]
        case .crossBorder: return planner.crossBorderRoutes[Int(record.route)]
        case .customerReturn: return planner.returnRoutes[Int(record.route)]
        case nil: return []
        }
    }

    // MARK: Orders

    func order(at index: Int) -> Order {
        let record = records[index]
        var rng = Xoshiro256StarStar(seed: config.seed, stream: 5, index: UInt64(index))
        let destination = planner.network.facilities[Int(record.destination)]
        let isReturn = record.flags & OrderRecord.isReturn != 0
        var presale: Presale?
        if record.flags & OrderRecord.isPresale != 0 {
            presale = Presale(supplierETA: date(record.supplierETA), promisedShipDate: date(record.promisedShip))
        }
        let customer = CustomerFactory.customer(&rng)
        // Drawn after the customer, so the customer stays what earlier versions generated.
        let items = Self.catalog.shuffled(using: &rng).prefix(1 + Int(rng.next() % 3)).map {
            OrderItem(sku: $0.sku, quantity: 1 + Int(rng.next() % 2), name: $0.name)
        }
        return Order(
            id: identifiers.orderID(
                createdAt: base + Int64(record.created), number: record.number, isReturn: isReturn),
            customer: customer,
            destination: TrackingNode(
                city: destination.city, region: destination.province, country: destination.country),
            value: Money(amount: Decimal(Int(record.valueCents)) / 100, currency: "CNY"),
            promisedDeliveryDate: record.promisedDay == OrderRecord.none ? nil : date(record.promisedDay),
            presale: presale,
            isReturn: isReturn,
            items: Array(items),
            shipments: [identifiers.shipmentKey(carrier: Int(record.carrier), sequence: record.sequence)],
            updatedAt: date(record.updated))
    }

    /// What the simulated shop sells.
    static let catalog: [(sku: String, name: String)] = [
        ("SKU-KETTLE", "电热水壶"), ("SKU-EARBUDS", "蓝牙耳机"), ("SKU-TEA-500G", "西湖龙井 500 g"),
        ("SKU-PHONE-CASE", "手机壳"), ("SKU-RICE-COOKER", "电饭煲"), ("SKU-DOWN-JACKET", "羽绒服"),
        ("SKU-SNEAKERS", "运动鞋"), ("SKU-SKINCARE-SET", "护肤套装"),
    ]
}
