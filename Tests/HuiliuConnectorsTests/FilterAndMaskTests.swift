import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Testing

/// The filter and mask steps.
struct FilterAndMaskTests {
    let context = ConnectorContext.testing(projectDirectory: MapAndValidateTests.root)

    func records(_ values: [Value]) -> [Record] {
        values.enumerated().map { Record(data: $1, origin: RecordOrigin("in.jsonl", position: $0 + 1)) }
    }

    @Test func filterKeepsWhatTheConditionHoldsForInOrder() async throws {
        let step = try FilterStep(config: ParsedConfig(testing: ["condition": "status == '已支付' && amount_fen > `0`"]), context: context)
        let output = try await step.process(records([
            ["id": 1, "status": "已支付", "amount_fen": 100], ["id": 2, "status": "已退回", "amount_fen": 100],
            ["id": 3, "status": "已支付", "amount_fen": 0], ["id": 4, "status": "已支付", "amount_fen": 5],
        ]))
        #expect(output.records.map { $0.data["id"] } == [1, 4])
        #expect(output.failures.isEmpty)
    }

    /// A condition a record makes fail (a function refusing its value) dead-letters that record.
    @Test func aConditionThatCannotBeEvaluatedDeadLettersTheRecord() async throws {
        let step = try FilterStep(config: ParsedConfig(testing: ["condition": "to_fen(amount) > `100`"]), context: context)
        let output = try await step.process(records([["amount": "1.50"], ["amount": "abc"], ["amount": "0.50"]]))
        #expect(output.records.map { $0.data["amount"] } == ["1.50"])
        #expect(output.failures.count == 1)
        #expect(output.failures.first?.reason.hasPrefix("filter condition 'to_fen(amount) > `100`': ") == true)
        #expect(output.failures.first?.record.origin.description == "in.jsonl:2")
    }

    @Test func anInvalidConditionIsAConfigurationError() {
        #expect { try FilterStep(config: ParsedConfig(testing: ["condition": "status =="]), context: context) } throws: {
            "\($0)".contains("invalid condition")
        }
    }

    /// domain.md §4.2: validate, then mask — `4211**********1997`.
    @Test func maskKeepsOnlyTheEndsOfPersonalData() async throws {
        let step = try MaskStep(config: ParsedConfig(testing: ["fields": [
            "payee.id_number": "id_number", "payee.phone": "phone", "payee.name": "name", "note": "all",
            "account": ["keep_start": 4, "keep_end": 4, "with": "#"], "missing": "all",
        ]]), context: context)
        let output = try await step.process(records([[
            "payee": ["id_number": "421181190001019997", "phone": 13_812_345_678, "name": "张三丰"],
            "note": "私密", "account": "6222020012345678", "amount_fen": 100,
        ], ["payee": ["id_number": nil, "phone": "110"]]]))
        #expect(output.records[0].data == [
            "payee": ["id_number": "4211**********9997", "phone": "138****5678", "name": "张**"],
            "note": "**", "account": "6222########5678", "amount_fen": 100,
        ])
        #expect(output.records[1].data == ["payee": ["id_number": nil, "phone": "***"]])
    }

    /// A path through a list masks the field in each item.
    @Test func maskReachesIntoLists() async throws {
        let step = try MaskStep(config: ParsedConfig(testing: ["fields": ["kids.phone": "phone"]]), context: context)
        let output = try await step.process(records([["kids": [["phone": "13900001111"], ["name": "x"], ["phone": nil]]]]))
        #expect(output.records[0].data == ["kids": [["phone": "139****1111"], ["name": "x"], ["phone": nil]]])
    }

    static let badMaskings: [(Value, String)] = [
        (["id": "hash"], "unknown masking 'hash' for 'id'"),
        (["kids[0].phone": "phone"], "is not a field path"),
        (["a": ["keep_start": "three"]], "keep_start must be a whole number ≥ 0, got \"three\""),
        (["a": ["keep_end": .decimal(DecimalNumber("1.5")!)]], "keep_end must be a whole number ≥ 0, got 1.5"),
        (["a": ["with": 0]], "with must be a character, got 0"),
    ]

    /// A count filled in from a reference arrives as text; whole-number text is the number.
    @Test func aCountGivenAsTextIsTheNumber() async throws {
        let step = try MaskStep(config: ParsedConfig(testing: ["fields": ["account": ["keep_start": "4", "keep_end": "2"]]]), context: context)
        let out = try await step.process([Record(data: ["account": "6222021234567890"], origin: RecordOrigin("t", position: 1))])
        #expect(out.records.first?.data["account"] == "6222**********90")
    }

    /// Every problem of a mask step is reported at once, not one per round of fixing.
    @Test func everyBadMaskingIsReportedTogether() {
        let fields: Value = ["a..b": "phone", "x": "telephone", "y": ["keep_start": -1, "with": "", "keep": 1]]
        let error = #expect(throws: ConfigErrors.self) { try MaskStep(config: ParsedConfig(testing: ["fields": fields]), context: context) }
        #expect(error?.errors.map(\.message) == [
            "'a..b' is not a field path: dotted names, where a list's items are reached through the list's field (children.phone masks every child's phone)",
            "unknown masking 'telephone' for 'x'; one of id_number, phone, name, all, or {keep_start, keep_end}",
            "'y': unknown option 'keep'; keep_start, keep_end or with",
            "'y': with must be a character, got \"\"",
            "'y': keep_start must be a whole number ≥ 0, got -1",
        ])
    }

    @Test(arguments: badMaskings)
    func badMaskingsAreConfigurationErrors(fields: Value, message: String) {
        #expect { try MaskStep(config: ParsedConfig(testing: ["fields": fields]), context: context) } throws: {
            "\($0)".contains(message)
        }
    }
}
