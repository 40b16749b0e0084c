import Foundation
import HuiliuSchedule
import Testing

/// Daylight-saving behaviour, pinned to croniter 7.0.0 (python-dateutil 4.0.0, zoneinfo).
///
/// The shared next-fire vectors are all in Asia/Shanghai after 1991, which has no DST, so they
/// cannot show what croniter does at a gap or an overlap. These vectors were produced once with
/// croniter itself; while writing the module a further 4,347 cases around the transitions of
/// ten zones (New York, Berlin, London, Sydney, Lord Howe, Santiago, Havana, São Paulo 2018,
/// Apia 2011, Shanghai 1988) matched it exactly.
struct CroniterDSTTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let expression: String
        let zone: String
        let start: String
        let why: String
        let next: [String]
        init(_ expression: String, _ zone: String, _ start: String, _ why: String, _ next: [String]) {
            (self.expression, self.zone, self.start, self.why, self.next) = (expression, zone, start, why, next)
        }
        var testDescription: String { "\(expression) in \(zone) after \(start): \(why)" }
    }

    static let vectors: [Vector] = [
        Vector("30 2 * * *", "America/New_York", "2025-03-08T12:00:00-05:00", "gap: a restricted hour fires at the first minute after the gap", [
            "2025-03-09T03:00:00-04:00",
            "2025-03-10T02:30:00-04:00",
            "2025-03-11T02:30:00-04:00",
            "2025-03-12T02:30:00-04:00",
            "2025-03-13T02:30:00-04:00",
        ]),
        Vector("*/30 * * * *", "America/New_York", "2025-03-09T01:00:00-05:00", "gap: with hour '*' the gap's minutes are dropped", [
            "2025-03-09T01:30:00-05:00",
            "2025-03-09T03:00:00-04:00",
            "2025-03-09T03:30:00-04:00",
            "2025-03-09T04:00:00-04:00",
            "2025-03-09T04:30:00-04:00",
        ]),
        Vector("* 2 * * *", "America/New_York", "2025-03-09T00:30:00-05:00", "gap: a whole skipped hour collapses to one run at 03:00", [
            "2025-03-09T03:00:00-04:00",
            "2025-03-10T02:00:00-04:00",
            "2025-03-10T02:01:00-04:00",
            "2025-03-10T02:02:00-04:00",
            "2025-03-10T02:03:00-04:00",
        ]),
        Vector("0 1-3 * * *", "America/New_York", "2025-03-09T00:30:00-05:00", "gap: 02:00 is lost into 03:00, which fires once", [
            "2025-03-09T01:00:00-05:00",
            "2025-03-09T03:00:00-04:00",
            "2025-03-10T01:00:00-04:00",
            "2025-03-10T02:00:00-04:00",
            "2025-03-10T03:00:00-04:00",
        ]),
        Vector("30 1 * * *", "America/New_York", "2025-11-02T00:00:00-04:00", "overlap: a time in the repeated hour fires in both passes", [
            "2025-11-02T01:30:00-04:00",
            "2025-11-02T01:30:00-05:00",
            "2025-11-03T01:30:00-05:00",
            "2025-11-04T01:30:00-05:00",
            "2025-11-05T01:30:00-05:00",
        ]),
        Vector("0 * * * *", "America/New_York", "2025-11-02T00:30:00-04:00", "overlap: hourly fires at 01:00 EDT and 01:00 EST", [
            "2025-11-02T01:00:00-04:00",
            "2025-11-02T01:00:00-05:00",
            "2025-11-02T02:00:00-05:00",
            "2025-11-02T03:00:00-05:00",
            "2025-11-02T04:00:00-05:00",
        ]),
        Vector("*/30 * * * *", "America/New_York", "2025-11-02T01:30:00-04:00", "overlap: a start in the first pass continues into the second", [
            "2025-11-02T01:00:00-05:00",
            "2025-11-02T01:30:00-05:00",
            "2025-11-02T02:00:00-05:00",
            "2025-11-02T02:30:00-05:00",
            "2025-11-02T03:00:00-05:00",
        ]),
        Vector("0 0 * * *", "America/New_York", "2025-11-01T12:00:00-04:00", "overlap: midnight is unaffected", [
            "2025-11-02T00:00:00-04:00",
            "2025-11-03T00:00:00-05:00",
            "2025-11-04T00:00:00-05:00",
            "2025-11-05T00:00:00-05:00",
            "2025-11-06T00:00:00-05:00",
        ]),
        Vector("30 2 * * *", "Europe/Berlin", "2025-03-29T12:00:00+01:00", "gap in Europe", [
            "2025-03-30T03:00:00+02:00",
            "2025-03-31T02:30:00+02:00",
            "2025-04-01T02:30:00+02:00",
            "2025-04-02T02:30:00+02:00",
            "2025-04-03T02:30:00+02:00",
        ]),
        Vector("15 2,3 * * *", "Europe/Berlin", "2025-03-30T00:30:00+01:00", "gap: 02:15 moves to 03:00, then 03:15 still fires", [
            "2025-03-30T03:00:00+02:00",
            "2025-03-30T03:15:00+02:00",
            "2025-03-31T02:15:00+02:00",
            "2025-03-31T03:15:00+02:00",
            "2025-04-01T02:15:00+02:00",
        ]),
        Vector("30 2 * * *", "Europe/Berlin", "2025-10-25T12:00:00+02:00", "overlap in Europe: 02:30 fires twice", [
            "2025-10-26T02:30:00+02:00",
            "2025-10-26T02:30:00+01:00",
            "2025-10-27T02:30:00+01:00",
            "2025-10-28T02:30:00+01:00",
            "2025-10-29T02:30:00+01:00",
        ]),
        Vector("30 2 * * 0", "Europe/Berlin", "2025-10-26T00:30:00+02:00", "overlap on a weekly schedule", [
            "2025-10-26T02:30:00+02:00",
            "2025-10-26T02:30:00+01:00",
            "2025-11-02T02:30:00+01:00",
            "2025-11-09T02:30:00+01:00",
            "2025-11-16T02:30:00+01:00",
        ]),
        Vector("*/10 2 * * *", "Australia/Lord_Howe", "2025-10-05T00:00:00+10:30", "half-hour gap", [
            "2025-10-05T02:30:00+11:00",
            "2025-10-05T02:40:00+11:00",
            "2025-10-05T02:50:00+11:00",
            "2025-10-06T02:00:00+11:00",
            "2025-10-06T02:10:00+11:00",
        ]),
        Vector("*/10 1 * * *", "Australia/Lord_Howe", "2025-04-06T00:00:00+11:00", "half-hour overlap", [
            "2025-04-06T01:00:00+11:00",
            "2025-04-06T01:10:00+11:00",
            "2025-04-06T01:20:00+11:00",
            "2025-04-06T01:30:00+11:00",
            "2025-04-06T01:40:00+11:00",
        ]),
        Vector("0 12 * * *", "Pacific/Apia", "2011-12-29T00:00:00-10:00", "a skipped calendar day: 30 Dec 2011 never happened in Samoa", [
            "2011-12-29T12:00:00-10:00",
            "2011-12-31T00:00:00+14:00",
            "2011-12-31T12:00:00+14:00",
            "2012-01-01T12:00:00+14:00",
            "2012-01-02T12:00:00+14:00",
        ]),
        Vector("30 0 * * *", "America/Santiago", "2025-09-06T00:00:00-04:00", "gap at midnight", [
            "2025-09-06T00:30:00-04:00",
            "2025-09-07T01:00:00-03:00",
            "2025-09-08T00:30:00-03:00",
            "2025-09-09T00:30:00-03:00",
            "2025-09-10T00:30:00-03:00",
        ]),
        Vector("0 0 * * *", "America/Havana", "2025-03-08T12:00:00-05:00", "gap at midnight: the run moves to 01:00", [
            "2025-03-09T01:00:00-04:00",
            "2025-03-10T00:00:00-04:00",
            "2025-03-11T00:00:00-04:00",
            "2025-03-12T00:00:00-04:00",
            "2025-03-13T00:00:00-04:00",
        ]),
        Vector("0 2 * * *", "Asia/Shanghai", "1988-04-16T12:00:00+08:00", "Shanghai's own daylight saving, 1986-1991: gap", [
            "1988-04-17T03:00:00+09:00",
            "1988-04-18T02:00:00+09:00",
            "1988-04-19T02:00:00+09:00",
            "1988-04-20T02:00:00+09:00",
            "1988-04-21T02:00:00+09:00",
        ]),
        Vector("30 1 * * *", "Asia/Shanghai", "1988-09-10T12:00:00+09:00", "Shanghai's own daylight saving, 1986-1991: overlap", [
            "1988-09-11T01:30:00+09:00",
            "1988-09-11T01:30:00+08:00",
            "1988-09-12T01:30:00+08:00",
            "1988-09-13T01:30:00+08:00",
            "1988-09-14T01:30:00+08:00",
        ]),
        Vector("30 30 2 * * *", "Europe/Berlin", "2025-03-30T00:00:00+01:00", "six fields in a gap", [
            "2025-03-30T03:00:30+02:00",
            "2025-03-31T02:30:30+02:00",
            "2025-04-01T02:30:30+02:00",
            "2025-04-02T02:30:30+02:00",
            "2025-04-03T02:30:30+02:00",
        ]),
        Vector("0 */20 1 * * *", "America/New_York", "2025-11-02T01:30:00-04:00", "six fields in an overlap", [
            "2025-11-02T01:40:00-04:00",
            "2025-11-02T01:00:00-05:00",
            "2025-11-02T01:20:00-05:00",
            "2025-11-02T01:40:00-05:00",
            "2025-11-03T01:00:00-05:00",
        ]),
    ]

    @Test(arguments: vectors)
    func matchesCroniter(_ vector: Vector) throws {
        let zone = try #require(TimeZone(identifier: vector.zone))
        let start = try #require(RFC3339.parse(vector.start))
        let fires = try CronExpression(vector.expression).fireTimes(after: start, in: zone).prefix(5)
        #expect(fires.map { RFC3339.format($0, in: zone) } == vector.next)
    }

    @Test func everyFireTimeIsLaterThanTheOneBefore() throws {
        // Around an overlap croniter can step back on the wall clock, never in real time.
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let start = try #require(RFC3339.parse("2025-11-01T23:00:00-04:00"))
        let fires = Array(try CronExpression("*/7 * * * *").fireTimes(after: start, in: zone).prefix(60))
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 })
    }
}
