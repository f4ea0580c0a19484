import DelayGateModel
import Foundation
import Testing

@Suite("Carrier time stamps")
struct CarrierTimestampTests {
    @Test("an explicit offset gives the instant and records the offset")
    func explicitOffset() throws {
        let parsed = try #require(CarrierTimestamp.parse("2026-11-11T08:30:00+08:00"))
        guard case .instant(let date, let offset) = parsed else {
            Issue.record("expected an instant, got \(parsed)")
            return
        }
        #expect(offset == 8 * 3600)
        #expect(date == Date(timeIntervalSince1970: 1_794_357_000))  // 2026-11-11T00:30:00Z
    }

    @Test(
        "offset spellings",
        arguments: [
            ("2026-11-11T00:30:00Z", 0), ("2026-11-11T00:30:00z", 0), ("2026-11-11T08:30:00+0800", 8 * 3600),
            ("2026-11-10T19:30:00-05:00", -5 * 3600), ("2026-11-11t08:30:00+08", 8 * 3600),
        ])
    func offsetSpellings(text: String, offset: Int) throws {
        guard case .instant(let date, let parsedOffset) = try #require(CarrierTimestamp.parse(text)) else {
            Issue.record("expected an instant for \(text)")
            return
        }
        #expect(parsedOffset == offset)
        #expect(date == Date(timeIntervalSince1970: 1_794_357_000))
    }

    @Test("a time without offset is wall-clock time, with seconds and fractions optional")
    func wallClock() throws {
        #expect(
            CarrierTimestamp.parse("2026-11-11 08:30:05")
                == .wallClock(WallClockTime(year: 2026, month: 11, day: 11, hour: 8, minute: 30, second: 5)))
        #expect(
            CarrierTimestamp.parse("2026-11-11T08:30")
                == .wallClock(WallClockTime(year: 2026, month: 11, day: 11, hour: 8, minute: 30)))
        #expect(
            CarrierTimestamp.parse("2026-11-11T08:30:05.250")
                == .wallClock(
                    WallClockTime(
                        year: 2026, month: 11, day: 11, hour: 8, minute: 30, second: 5, nanosecond: 250_000_000)))
    }

    @Test(
        "impossible or foreign formats are refused",
        arguments: [
            "", "2026-11-11", "2026-02-30 10:00:00", "2025-02-29T10:00:00Z", "2026-13-01T00:00:00Z",
            "2026-11-11T24:00:00Z", "2026-11-11T08:60:00Z", "11/11/2026 08:30", "2026-11-11T08:30:00+25:00",
            "2026-11-11T08:30:00 +08:00", "2026-11-11T08:30:00.+08:00", "１９７０-01-01T00:00:00Z",
        ])
    func refused(text: String) {
        #expect(CarrierTimestamp.parse(text) == nil)
    }

    @Test("leap days parse")
    func leapDay() {
        #expect(CarrierTimestamp.parse("2028-02-29T10:00:00Z") != nil)
        #expect(CarrierTimestamp.parse("2000-02-29T10:00:00Z") != nil)
        #expect(CarrierTimestamp.parse("2100-02-29T10:00:00Z") == nil)
    }

    @Test("wall-clock time resolves in its zone, following daylight saving")
    func zones() throws {
        let wall = WallClockTime(year: 2026, month: 7, day: 1, hour: 12)
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        #expect(wall.instant(in: shanghai) == wall.instant(offsetSeconds: 8 * 3600))
        #expect(wall.instant(in: newYork) == wall.instant(offsetSeconds: -4 * 3600))  // EDT in July
        let winter = WallClockTime(year: 2026, month: 1, day: 15, hour: 12)
        #expect(winter.instant(in: newYork) == winter.instant(offsetSeconds: -5 * 3600))
    }

    @Test("resolution records how the instant was known")
    func resolution() throws {
        let shanghai = try #require(TimeZone(identifier: "Asia/Shanghai"))
        let utc = try #require(TimeZone(identifier: "UTC"))
        let wall = try #require(CarrierTimestamp.parse("2026-11-11 08:30:00"))
        #expect(
            wall.resolve(inferredZone: shanghai, assumedZone: utc).source
                == .inferredFromLocation(zone: "Asia/Shanghai"))
        let assumed = wall.resolve(inferredZone: nil, assumedZone: shanghai)
        #expect(assumed.source == .assumedZone(zone: "Asia/Shanghai"))
        #expect(assumed.instant == Date(timeIntervalSince1970: 1_794_357_000))
        let explicit = try #require(CarrierTimestamp.parse("2026-11-11T08:30:00+08:00"))
        #expect(explicit.resolve(inferredZone: utc, assumedZone: utc).source == .explicitOffset(seconds: 28_800))
    }

    @Test("time sources round-trip through their stored form")
    func timeSourceStorage() {
        for source in [
            TimeSource.explicitOffset(seconds: 28_800), .explicitOffset(seconds: -16_200), .explicitOffset(seconds: 0),
            .inferredFromLocation(zone: "Asia/Shanghai"), .assumedZone(zone: "Europe/Berlin"),
        ] {
            #expect(TimeSource(kind: source.kind, detail: source.detail) == source)
        }
        #expect(TimeSource.explicitOffset(seconds: -16_200).detail == "-04:30")
        #expect(TimeSource(kind: "offset", detail: "8") == nil)
    }
}

@Suite("Time zone inference")
struct TimeZoneInferenceTests {
    @Test("single-zone countries are inferred from alpha-2, alpha-3 and Chinese names")
    func inferred() {
        #expect(TimeZoneInference.zone(forCountry: "CN")?.identifier == "Asia/Shanghai")
        #expect(TimeZoneInference.zone(forCountry: "chn")?.identifier == "Asia/Shanghai")
        #expect(TimeZoneInference.zone(forCountry: "中国")?.identifier == "Asia/Shanghai")
        #expect(TimeZoneInference.zone(forCountry: "DE")?.identifier == "Europe/Berlin")
    }

    @Test("countries spanning several zones are not guessed")
    func notGuessed() {
        for country in ["US", "USA", "美国", "BR", "RU", "AU", "", "XX"] {
            #expect(TimeZoneInference.zone(forCountry: country) == nil, "\(country)")
        }
        #expect(TimeZoneInference.zone(forCountry: nil) == nil)
    }
}
