import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Testing

/// The dedupe step: repeats within a run are dropped, the first occurrence kept.
struct DedupeStepTests {
    let context = ConnectorContext.testing(projectDirectory: MapAndValidateTests.root)

    func records(_ values: [Value], from start: Int = 1) -> [Record] {
        values.enumerated().map { Record(data: $1, origin: RecordOrigin("in.jsonl", position: start + $0)) }
    }

    func step(_ config: Object = [:]) throws -> DedupeStep {
        try DedupeStep(config: ParsedConfig(testing: config), context: context)
    }

    /// Without a key only exact repeats go: member order does not matter, any changed value does.
    @Test func dropsExactRepeatsOfARecordAcrossBatches() async throws {
        let dedupe = try step()
        let first = try await dedupe.process(records([
            ["id": "A", "amount": 1], ["id": "B", "amount": 2], ["amount": 1, "id": "A"],
        ]))
        #expect(first.records.map(\.origin.description) == ["in.jsonl:1", "in.jsonl:2"])
        let second = try await dedupe.process(records([
            ["id": "B", "amount": 2], ["id": "B", "amount": 3], ["id": "C", "nested": ["x": [1, 2]]], ["id": "C", "nested": ["x": [2, 1]]],
        ], from: 4))
        #expect(second.records.map(\.origin.description) == ["in.jsonl:5", "in.jsonl:6", "in.jsonl:7"])
        #expect(first.failures.isEmpty && second.failures.isEmpty)
    }

    /// With a key, the first record with each key passes, later ones with the same key do not,
    /// whatever else they hold; a record without the key is never a repeat.
    @Test func aKeyKeepsTheFirstRecordWithEachKey() async throws {
        let dedupe = try step(["key": "payment_id"])
        let output = try await dedupe.process(records([
            ["payment_id": "P1", "status": "paid"], ["payment_id": "P2"], ["payment_id": "P1", "status": "returned"],
            ["other": 1], ["other": 1], ["payment_id": 1], ["payment_id": "1"],
        ]))
        #expect(output.records.map(\.origin.description) == ["in.jsonl:1", "in.jsonl:2", "in.jsonl:4", "in.jsonl:5", "in.jsonl:6", "in.jsonl:7"])
        #expect(output.records.first?.data["status"] == "paid")
    }

    /// A key of several fields, as a list.
    @Test func aCompoundKey() async throws {
        let dedupe = try step(["key": "[mn, data_time]"])
        let output = try await dedupe.process(records([
            ["mn": "M1", "data_time": "20260301000000", "v": 1], ["mn": "M1", "data_time": "20260301010000", "v": 2],
            ["mn": "M2", "data_time": "20260301000000", "v": 3], ["mn": "M1", "data_time": "20260301000000", "v": 4],
        ]))
        #expect(output.records.compactMap { $0.data["v"]?.intValue } == [1, 2, 3])
    }

    /// A compound key with a missing part identifies nothing: records lacking the fields are
    /// never repeats of each other (a misspelt field would otherwise drop all but one).
    @Test func aKeyWithANullPartIsNeverARepeat() async throws {
        let dedupe = try step(["key": "[mn, data_time]"])
        let output = try await dedupe.process(records([
            ["data_time": "1", "v": 1], ["data_time": "1", "v": 2], ["mn": "M1", "v": 3], ["mn": "M1", "v": 4],
            ["mn": "M1", "data_time": "1", "v": 5], ["mn": "M1", "data_time": "1", "v": 6],
        ]))
        #expect(output.records.compactMap { $0.data["v"]?.intValue } == [1, 2, 3, 4, 5])
    }

    /// Numbers are compared by value, however they were written; a number is never the string
    /// of its digits.
    @Test func numbersAreKeysByValue() {
        let one = [Value.integer(1), .decimal(DecimalNumber(significand: 10, exponent: -1)), .decimal(DecimalNumber(significand: 100, exponent: -2)),
                   .double(1.0)].map { SeenKeys.Key(of: .array([$0, "x"])) }
        #expect(Set(one).count == 1)
        let others = [Value.integer(10), .decimal(DecimalNumber(significand: 11, exponent: -1)), .double(0.1), "1", "1e0", .integer(0)]
            .map { SeenKeys.Key(of: .array([$0, "x"])) }
        #expect(Set(others + [one[0]]).count == others.count + 1)
        #expect(SeenKeys.Key(of: .double(-0.0)) == SeenKeys.Key(of: .integer(0)))
    }

    /// Numbers JSON cannot spell (written as null there) are keys of their own.
    @Test func nonFiniteNumbersAreNotNull() {
        let keys = [Value.array(["x", .null]), .array(["x", .double(.nan)]), .array(["x", .double(.infinity)]),
                    .array(["x", .double(-.infinity)]), .array(["x", "NaN"])].map { SeenKeys.Key(of: $0) }
        #expect(Set(keys).count == keys.count)
    }

    /// Memory is bounded: once `window` keys are held the oldest is forgotten, and its repeat passes.
    @Test func theWindowForgetsTheOldestKey() async throws {
        let dedupe = try step(["key": "id", "window": 2])
        let output = try await dedupe.process(records([["id": 1], ["id": 2], ["id": 2], ["id": 3], ["id": 1], ["id": 3]]))
        #expect(output.records.compactMap { $0.data["id"]?.intValue } == [1, 2, 3, 1])
    }

    @Test func aKeyThatCannotBeEvaluatedDeadLettersTheRecord() async throws {
        let dedupe = try step(["key": "to_fen(amount)"])
        let output = try await dedupe.process(records([["amount": "1.50"], ["amount": "abc"], ["amount": "1.5"]]))
        #expect(output.records.map(\.origin.description) == ["in.jsonl:1"])
        #expect(output.failures.count == 1)
        #expect(output.failures.first?.reason.hasPrefix("dedupe key 'to_fen(amount)': ") == true)
        #expect(output.failures.first?.rule == "dedupe")
    }

    @Test func anInvalidKeyIsAConfigurationError() {
        #expect { try step(["key": "payment_id =="]) } throws: { "\($0)".contains("invalid key expression") }
    }

    @Test func itAsksForBatchesInOrder() throws {
        #expect(try step().processesInOrder)
    }
}
