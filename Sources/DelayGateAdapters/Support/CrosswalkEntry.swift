import DelayGateModel

/// One row of a carrier kind's crosswalk from the vendor's status codes to canonical milestones.
///
/// Each kind keeps its whole table in one file (`…Crosswalk.swift`), so that a reviewer can read
/// every mapping decision in one place. A code missing from the table becomes `unknown`, keeps
/// its raw code and is counted in `/metrics`.
public struct CrosswalkEntry: Sendable, Hashable {
    public var milestone: Milestone
    /// The code itself says the parcel is stuck (no scans, overdue, uncollected, declared delay).
    public var stall: Bool

    public init(_ milestone: Milestone, stall: Bool = false) {
        self.milestone = milestone
        self.stall = stall
    }
}
