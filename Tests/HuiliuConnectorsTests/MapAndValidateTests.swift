import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuExpression
import HuiliuKit
import HuiliuKitTesting
import Testing

struct MapAndValidateTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    let context = ConnectorContext.testing(projectDirectory: MapAndValidateTests.root)

    static let row: Value = [
        "支付编号": "ZF2024000001", "支付日期": "2024-03-05", "单位编码": "421100001", "单位名称": " 黄冈市教育局 ",
        "收款人": "黄冈市城建工程有限公司", "统一社会信用代码": "91421100MA4F00120J", "收款账号": "421001234567890123",
        "金额（元）": "1,234.50", "功能": "2050201", "经济": "30201",
    ]

    static let fields: Value = [
        "payment_id": #""支付编号""#, "fiscal_year": #"to_number(split("支付日期", '-')[0])"#,
        "pay_date": #"to_date("支付日期")"#, "region": #"`"421100"`"#, "unit_code": #""单位编码""#,
        "unit_name": #"trim("单位名称")"#, "function_code": #""功能""#, "economic_code": #""经济""#,
        "amount_fen": #"to_fen("金额（元）")"#, "payee.name": #""收款人""#, "payee.account": #""收款账号""#,
        "payee.uscc": #"uscc_valid("统一社会信用代码") && "统一社会信用代码" || null"#, "purpose": "memo",
    ]

    func mapStep(_ fields: Value = fields) throws -> MapStep {
        try MapStep(config: ParsedConfig(testing: ["type": "budget.payment.v1", "key": #""支付编号""#,
                                                   "time": #"parse_time("支付日期")"#, "fields": fields,
                                                   "extensions": ["region": #"`"421100"`"#]]), context: context)
    }

    @Test func mapsIntoANestedEntityAndSetsTheEnvelopeFields() async throws {
        let output = try await mapStep().process([Record(data: Self.row, origin: RecordOrigin("p.csv", position: 2))])
        let record = try #require(output.records.first)
        #expect(record.data == [
            "payment_id": "ZF2024000001", "fiscal_year": 2024, "pay_date": "2024-03-05", "region": "421100",
            "unit_code": "421100001", "unit_name": "黄冈市教育局", "function_code": "2050201", "economic_code": "30201",
            "amount_fen": 123_450,
            "payee": ["name": "黄冈市城建工程有限公司", "account": "421001234567890123", "uscc": "91421100MA4F00120J"],
        ])
        #expect(record.data.objectValue?.keys.contains("purpose") == false, "null results are left out")
        #expect(record.key == "ZF2024000001")
        #expect(record.type == "budget.payment.v1")
        #expect(record.time == "2024-03-05T00:00:00+08:00")
        #expect(record.dataschema == "https://huiliu.dev/schema/v1/budget.payment.json")
        #expect(record.extensions["region"] == "421100")
        #expect(record.original == Self.row, "the raw payload is kept for dead letters")
    }

    @Test func aFailingExpressionNamesTheFieldTheRuleAndTheReason() async throws {
        var row = Self.row
        row["金额（元）"] = "12.345"
        let output = try await mapStep().process([Record(data: row, origin: RecordOrigin("p.csv", position: 7))])
        #expect(output.records.isEmpty)
        let failure = try #require(output.failures.first)
        #expect(failure.pointer == "/amount_fen")
        #expect(failure.rule == "invalid-value")
        #expect(failure.reason.hasPrefix(#"amount_fen = to_fen("金额（元）"): to_fen(): '12.345' has more than two decimal place"#))
        #expect(failure.description.hasPrefix("p.csv:7: /amount_fen: invalid-value: "))
    }

    /// What the map step puts in the envelope stays valid CloudEvents: no extension may take a
    /// context attribute's name, extension values are scalars, and `time` is RFC 3339.
    @Test func envelopeFieldsStayValidCloudEvents() async throws {
        #expect { try MapStep(config: ParsedConfig(testing: ["fields": ["a": "x"], "extensions": ["id": "`\"override\"`"]]), context: context) }
            throws: { "\($0)".contains("'id' is a CloudEvents context attribute") }
        let step = try MapStep(config: ParsedConfig(testing: ["fields": ["a": "a"], "time": "when",
                                                              "extensions": ["region": "region"]]), context: context)
        let output = try await step.process([
            Record(data: ["a": 1, "when": "2024-03-05T10:00:00+08:00", "region": "421100"], origin: RecordOrigin("x", position: 1)),
            Record(data: ["a": 2, "when": "yesterday", "region": "421100"], origin: RecordOrigin("x", position: 2)),
            Record(data: ["a": 3, "when": "2024-03-05T10:00:00+08:00", "region": ["code": "421100"]], origin: RecordOrigin("x", position: 3)),
            Record(data: ["a": 4, "when": "2024-03-05T10:00:00+08:00", "region": 2_147_483_647], origin: RecordOrigin("x", position: 4)),
            // CloudEvents integers are 32-bit.
            Record(data: ["a": 5, "when": "2024-03-05T10:00:00+08:00", "region": 3_000_000_000], origin: RecordOrigin("x", position: 5)),
            // Valid RFC 3339 that PostgreSQL's timestamptz refuses, which failed a whole batch there.
            Record(data: ["a": 6, "when": "0000-01-01T00:00:00Z", "region": "421100"], origin: RecordOrigin("x", position: 6)),
            Record(data: ["a": 7, "when": "2024-03-05T10:00:00+16:00", "region": "421100"], origin: RecordOrigin("x", position: 7)),
            Record(data: ["a": 8, "when": "2024-03-05T10:00:00-15:59", "region": "421100"], origin: RecordOrigin("x", position: 8)),
        ])
        #expect(output.records.map { $0.data["a"] } == [1, 4, 8])
        #expect(output.failures.map(\.record.origin.position) == [2, 3, 5, 6, 7])
        #expect(output.failures[3].reason == "time gave \"0000-01-01T00:00:00Z\", which not every sink can store: years 0001–9999, offsets within ±15:59")
        #expect(output.failures.first?.reason.contains("not an RFC 3339 timestamp") == true)
        #expect(output.failures[1].reason.contains("extensions are strings, 32-bit integers or booleans") == true)
        #expect(output.failures[2].reason.contains("gave number 3000000000") == true)
        #expect { try MapStep(config: ParsedConfig(testing: ["type": "", "fields": ["a": "a"]]), context: context) }
            throws: { "\($0)".contains("'type' is the CloudEvents type, a non-empty name without spaces") }
    }

    /// Without a key expression, a common-schema entity's subject is its `x-natural-key` fields
    /// once mapped: budget.payment's fiscal year and payment id, so a voucher number recurring in
    /// another year is another event.
    @Test func theNaturalKeyOfTheSchemaIsTheDefaultKey() async throws {
        let step = try MapStep(config: ParsedConfig(testing: ["type": "budget.payment.v1",
                                                              "fields": ["payment_id": "id", "fiscal_year": "year"]]), context: context)
        // 2024.0 is the integer 2024, as JSON Schema counts it: the same subject.
        #expect(try await step.process([Record(data: ["id": "ZF0001", "year": .decimal(DecimalNumber("2024.0")!)],
                                               origin: RecordOrigin("x", position: 1))]).records.first?.key == "2024/ZF0001")
        // A map that never sets a natural-key field fails every record: said when it loads.
        #expect { try MapStep(config: ParsedConfig(testing: ["type": "budget.payment.v1", "fields": ["payment_id": "id"]]), context: context) }
            throws: { "\($0)".contains("budget.payment.v1's natural key (fiscal_year, payment_id) needs 'fiscal_year'") }
        let output = try await step.process([
            Record(data: ["id": "ZF0001", "year": 2023], origin: RecordOrigin("x", position: 1)),
            Record(data: ["id": "ZF0001", "year": 2024], origin: RecordOrigin("x", position: 2)),
            Record(data: ["id": "", "year": 2024], origin: RecordOrigin("x", position: 3)),
        ])
        #expect(output.records.map(\.key) == ["2023/ZF0001", "2024/ZF0001"])
        // A key expression may list the fields of a key, joined as the natural key is.
        let listed = try MapStep(config: ParsedConfig(testing: ["type": "x.v1", "key": "[year, id]", "fields": ["a": "id"]]), context: context)
        let byList = try await listed.process([Record(data: ["id": "ZF/01", "year": 2024], origin: RecordOrigin("x", position: 1)),
                                              Record(data: ["id": "ZF01", "year": .null], origin: RecordOrigin("x", position: 2))])
        #expect(byList.records.map(\.key) == ["2024/ZF%2F01"])
        #expect(byList.failures.first?.reason.hasPrefix("the key expression gave [null,\"ZF01\"], not a string") == true, "\(byList.failures)")
        // A voucher number with the separator in it cannot pass for another year's.
        #expect(try await step.process([Record(data: ["id": "ZF/01", "year": 2024], origin: RecordOrigin("x", position: 1))])
            .records.first?.key == "2024/ZF%2F01")
        #expect(output.failures.map(\.record.origin.position) == [3])
        #expect(output.failures.first?.reason == "the natural key (fiscal_year, payment_id) has a field that is missing, null, empty, or not a string or a number of at most 18 significant digits")
        // A type without a schema keeps the source's key.
        let plain = try MapStep(config: ParsedConfig(testing: ["type": "x.v1", "fields": ["a": "a"]]), context: context)
        var keyed = Record(data: ["a": 1], origin: RecordOrigin("x", position: 1))
        keyed.key = "from-source"
        #expect(try await plain.process([keyed]).records.first?.key == "from-source")
    }

    @Test func refusesABadExpressionWhenThePipelineLoads() {
        #expect(throws: ConfigErrors.self) { try mapStep(["amount_fen": "to_fen(amount"]) }
        #expect(throws: ConfigErrors.self) { try mapStep(["amount_fen": "no_such_function(amount)"]) }
    }

    /// A target the entity's schema has no field for (and allows none beyond its own) would
    /// fail every record: refused when the pipeline loads, with the nearest field.
    @Test func refusesATargetTheEntityHasNoFieldFor() throws {
        #expect { try mapStep(["payment_id": "id", "unit_cde": "unit"]) } throws: { error in
            let problem = (error as? ConfigErrors)?.errors.first
            return problem?.message.hasPrefix("'unit_cde' is not a field of budget.payment.v1 (payment_id, ") == true
                && problem?.suggestion == "unit_code"
        }
        #expect { try mapStep(["payment_id": "id", "payee.nam": "payee"]) } throws: { error in
            (error as? ConfigErrors)?.errors.first?.suggestion == "payee.name"
        }
        // A map without a common-schema type builds what it likes.
        _ = try MapStep(config: ParsedConfig(testing: ["type": "court.case.raw.v1", "fields": ["anything": "x"]]), context: context)
        _ = try MapStep(config: ParsedConfig(testing: ["type": "vendor.permit.v1", "fields": ["anything": "x"]]), context: context)
    }

    /// A type a letter or two off an entity's is a slip, not a type of its own: unchecked, every
    /// record failed validation, though lint had said nothing.
    @Test func refusesATypeThatIsASlipOfAnEntitys() {
        for (slip, entity) in [("livelihood.projects.v1", "livelihood.project.v1"), ("budget.paymnet", "budget.payment.v1")] {
            #expect { try MapStep(config: ParsedConfig(testing: ["type": .string(slip), "fields": ["a": "x"]]), context: context) } throws: { error in
                let problem = (error as? ConfigErrors)?.errors.first
                return problem?.message == "'\(slip)' is no common-schema entity type" && problem?.suggestion == entity
            }
        }
    }

    /// A mapping file's unknown key and its expressions that do not compile are reported together.
    @Test func aMappingFilesProblemsAreReportedTogether() throws {
        let file = NSTemporaryDirectory() + "mapping-\(UUID().uuidString).yaml"
        try "type: x.v1\ntiem: t\nfields:\n  a: to_fen((b)\n  c: d\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect { try MapStep(config: ParsedConfig(testing: ["mapping": .string(file)]), context: context) } throws: { error in
            let problems = (error as? ConfigErrors)?.errors.map(\.description) ?? []
            return problems.count == 2 && problems[0].contains(":2:1: unknown key 'tiem' in mapping")
                && problems[1].contains(":4:16: invalid expression")
        }
    }

    /// `payee` and `payee.name` both set would give the entity `payee` twice, and what later
    /// steps read (the first) is not what a sink's reader keeps (the last).
    @Test(arguments: [["payee": "p", "payee.name": "n"], ["payee.name": "n", "payee": "p"], ["a.b.c": "n", "a.b": "n"]] as [Value])
    func refusesATargetInsideAnotherTarget(fields: Value) throws {
        #expect { try MapStep(config: ParsedConfig(testing: ["type": "x.raw.v1", "fields": fields]), context: context) } throws: { error in
            let message = (error as? ConfigErrors)?.errors.first?.message ?? ""
            return message.contains("is inside '") && message.contains("which this map also sets whole")
        }
    }

    @Test func loadsAMappingKeptWithItsConnector() async throws {
        let step = try MapStep(config: ParsedConfig(testing: ["mapping": "court/cases"]), context: context)
        let input: Value = ["ah": "（2024）鄂1181民初1037号", "fymc": "麻城市人民法院", "ay": "买卖合同纠纷", "ajlx": "民事一审",
                            "larq": "20240202", "jarq": nil, "cbbm": "民事审判第一庭", "bdje": "5000.00"]
        let output = try await step.process([Record(data: input, origin: RecordOrigin("cases.json", position: 2))])
        let data = try #require(output.records.first?.data)
        #expect(data["court_code"] == "鄂1181")
        #expect(data["category"] == "civil")
        #expect(data["stage"] == "in_progress")
        #expect(data["amount_in_dispute_fen"] == 500_000)
        #expect(data["filed_date"] == "2024-02-02")

        // A case type the code table lacks is a dead letter naming it, not a case without a category.
        var retrial = input
        retrial["ajlx"] = "民事再审"
        let failed = try await step.process([Record(data: retrial, origin: RecordOrigin("cases.json", position: 3))])
        #expect(failed.records.isEmpty)
        #expect(failed.failures.first?.pointer == "/category")
        #expect(failed.failures.first?.reason.contains("code(): '民事再审' is not in the code table ('民事一审', ") == true)
    }

    @Test func validatesAgainstTheRecordsOwnType() async throws {
        let mapped = try await mapStep().process([Record(data: Self.row, origin: RecordOrigin("p.csv", position: 2))]).records
        let validate = try ValidateStep(config: ParsedConfig(testing: [:]), context: context)
        #expect(try await validate.process(mapped).records.count == 1)

        var broken = mapped[0]
        broken.data["amount_fen"] = .decimal(DecimalNumber("12.5")!)
        broken.data["payee"]?["account"] = nil
        let output = try await validate.process([broken])
        let failure = try #require(output.failures.first)
        #expect(failure.pointer == "/amount_fen")
        #expect(failure.rule == "type")
        #expect(failure.reason.contains("also /payee/account: required"))

        // Text of spaces alone is no id or name, a full-width space (U+3000) included, nor are
        // characters that show nothing (a zero-width space pasted from a web page, a filler, a
        // soft hyphen, bidirectional controls, a variation selector, a blank braille pattern).
        for blankText in [" ", "\u{3000}", "\u{200B}", "\u{3164}", "\u{200B}\u{3000}", "\u{00AD}", "\u{202E}\u{202C}",
                          "\u{2066}\u{2069}", "\u{FE0F}", "\u{034F}", "\u{2800}", "\u{2063}", "\u{E0020}", "\u{E0100}", "\u{180B}",
                          "\u{17B4}", "\u{1D173}", "\u{FFF9}", "\u{1BCA0}", "\u{0001}", "\u{007F}", "\u{0085}"] {
            var blank = mapped[0]
            blank.data["payment_id"] = .string(blankText)
            blank.data["unit_name"] = .string(blankText)
            let blanks = try await validate.process([blank])
            #expect(blanks.failures.first?.pointer == "/payment_id" && blanks.failures.first?.rule == "pattern", "\(blankText.unicodeScalars.map(\.value))")
            #expect(blanks.failures.first?.reason.contains("/unit_name: pattern") == true, "\(blanks.failures.first?.reason ?? "")")
        }
        var visible = mapped[0]
        visible.data["unit_name"] = "\u{200B}黄州区财政局\u{FE0F}"
        #expect(try await validate.process([visible]).records.count == 1)

        // A person's account is kept masked or encrypted, never in clear; an organization's may be.
        var person = mapped[0]
        person.data["payee"] = ["name": "张某某", "kind": "individual", "account": "6217001810012345678"]
        let clear = try await validate.process([person])
        #expect(clear.failures.first?.pointer == "/payee/account" && clear.failures.first?.rule == "pattern", "\(clear.failures)")
        #expect(clear.failures.first?.reason.contains("6217001810012345678") == false)
        for kept in ["621700*********5678", "SM4:k1:AAECAwQFBgcICQoLDA0ODw=="] {
            person.data["payee"]?["account"] = .string(kept)
            #expect(try await validate.process([person]).records.count == 1, "\(kept)")
        }
        person.data["payee"] = ["name": "黄冈市某某公司", "kind": "organization", "account": "6217001810012345678"]
        #expect(try await validate.process([person]).records.count == 1)
    }

    @Test func anEntitySchemaThatDoesNotCompileIsReportedNotIgnored() throws {
        // A project whose supervision.item schema points at a definition that does not exist.
        let project = NSTemporaryDirectory() + "huiliu-broken-schema-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: project) }
        try FileManager.default.createDirectory(atPath: project + "/config", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root + "/config/schema", toPath: project + "/config/schema")
        let file = project + "/config/schema/supervision.item.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "common.json#/$defs/name", with: "common.json#/$defs/no_such_definition")
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try ValidateStep(config: ParsedConfig(testing: [:]), context: .testing(projectDirectory: project))
        } throws: { "\($0)".contains("supervision.item does not compile") }
    }

    /// A project's own entity, a schema file beside the common schema's declaring its event
    /// type, is named as those are: by the map's type, by `validate`'s schema, by its entity
    /// name. Before, only its `$id` URI reached it, and a bare `validate` dead-lettered every record.
    @Test func aProjectsOwnEntityIsNamedLikeTheCommonOnes() async throws {
        let project = NSTemporaryDirectory() + "huiliu-own-schema-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: project) }
        try FileManager.default.createDirectory(atPath: project + "/config", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root + "/config/schema", toPath: project + "/config/schema")
        try """
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://gov.example/schema/land.parcel.json",
             "x-event-type": "land.parcel.v1", "type": "object", "required": ["parcel_id"],
             "properties": {"parcel_id": {"type": "string"}, "area_m2": {"type": "integer"}}, "additionalProperties": false}
            """.write(toFile: project + "/config/schema/land.parcel.json", atomically: true, encoding: .utf8)
        // And a second version of a common entity, which needs an approval number.
        var payment = try String(contentsOfFile: project + "/config/schema/budget.payment.json", encoding: .utf8)
            .replacingOccurrences(of: "\"x-event-type\": \"budget.payment.v1\"", with: "\"x-event-type\": \"budget.payment.v2\"")
            .replacingOccurrences(of: "https://huiliu.dev/schema/v1/budget.payment.json", with: "https://huiliu.dev/schema/v1/budget.payment.v2.json")
        payment.replaceSubrange(try #require(payment.range(of: "\"required\": [")), with: "\"required\": [\"approval_no\", ")
        try payment.write(toFile: project + "/config/schema/budget.payment.v2.json", atomically: true, encoding: .utf8)
        let context = ConnectorContext.testing(projectDirectory: project)
        let map = try MapStep(config: ParsedConfig(testing: ["type": "land.parcel.v1", "key": "id",
                                                             "fields": ["parcel_id": "id", "area_m2": "area"]]), context: context)
        let mapped = try await map.process([Record(data: ["id": "P-1", "area": 120], origin: RecordOrigin("x")),
                                            Record(data: ["id": "P-2", "area": "big"], origin: RecordOrigin("y"))]).records
        #expect(mapped.first?.dataschema == "https://gov.example/schema/land.parcel.json")
        for config in [[:], ["schema": "land.parcel.v1"], ["schema": "land.parcel"]] as [Object] {
            let output = try await ValidateStep(config: ParsedConfig(testing: config), context: context).process(mapped)
            #expect(output.records.map(\.key) == ["P-1"], "\(config)")
            #expect(output.failures.first?.pointer == "/area_m2", "\(config)")
        }
        // A second version of a common entity is its own type: version 1 records are still judged by version 1.
        let versioned = try await MapAndValidateTests().mapStep().process([Record(data: Self.row, origin: RecordOrigin("p.csv", position: 2))]).records
        let validate = try ValidateStep(config: ParsedConfig(testing: [:]), context: context)
        #expect(try await validate.process(versioned).records.count == 1)
        var second = versioned[0]
        second.type = "budget.payment.v2"
        #expect(try await validate.process([second]).failures.first?.reason.contains("approval_no") == true)
        // A field the entity does not have is refused when the pipeline loads, as for the common ones.
        #expect {
            try MapStep(config: ParsedConfig(testing: ["type": "land.parcel.v1", "fields": ["area_ha": "area"]]), context: context)
        } throws: { "\($0)".contains("'area_ha' is not a field of land.parcel.v1") }
    }

    @Test func refusesRecordsWithoutACommonSchemaType() async throws {
        let validate = try ValidateStep(config: ParsedConfig(testing: [:]), context: context)
        let output = try await validate.process([Record(data: [:], origin: RecordOrigin("x"), type: "raw.v1")])
        #expect(output.failures.first?.rule == "schema")
    }
}

/// Code tables as people save them from Excel: GBK on a Chinese system, UTF-8 with a byte-order
/// mark otherwise; a file that is neither is named. Before, a GBK table stopped every command
/// with "The file isn't in the correct format", naming no file.
struct LookupEncodingTests {
    func configDirectory(_ files: [String: [UInt8]]) throws -> String {
        let directory = NSTemporaryDirectory() + "huiliu-lookups-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/lookups", withIntermediateDirectories: true)
        for (name, bytes) in files { FileManager.default.createFile(atPath: directory + "/lookups/" + name, contents: Data(bytes)) }
        return directory
    }

    @Test func gbkAndByteOrderMarkedTablesAreRead() throws {
        let gbk = try Iconv.convert(Array("code,name\n421181,麻城市\n".utf8), from: "UTF-8", to: "GB18030").get()
        let marked = [0xEF, 0xBB, 0xBF] + Array("code,name\n421182,武穴市\n".utf8)
        let resources = try MappingResources.load(configDirectory: try configDirectory(["units.csv": gbk, "more.csv": marked]))
        let lookup = try HuiliuExpression.Expression("[lookup('units', '421181'), lookup('more', '421182')]", functions: resources.functions)
        let found = try lookup.evaluate([:])
        #expect(found == ["麻城市", "武穴市"], "\(found.jsonText)")
    }

    @Test func aTableThatIsNoTextIsNamed() throws {
        let directory = try configDirectory(["broken.csv": [0x63, 0x6F, 0x64, 0x65, 0x0A, 0xFF, 0xFF, 0xFF]])
        #expect { try MappingResources.load(configDirectory: directory) } throws: {
            "\($0)" == "config/lookups/broken.csv: is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8"
        }
    }
}
