import Foundation
import HuiliuCore
import HuiliuSchema
import Testing

/// The common schema, version 1, in `config/schema/`: every file compiles, every example is
/// valid, every field is documented, and typical mapping mistakes fail where expected.
struct CommonSchemaTests {
    static func loadSet() throws -> SchemaSet {
        var set = SchemaSet()
        for name in CommonSchema.fileNames {
            try set.add(json: Fixtures.text(Fixtures.schemaFolder.appendingPathComponent(name)))
        }
        return set
    }

    static func example(_ entity: String, _ index: Int = 0) throws -> Value {
        let set = try loadSet()
        return try #require(set.document(CommonSchema.uri(for: entity)!)?["examples"]?.arrayValue?[index])
    }

    @Test func filesMatchTheEntityList() throws {
        let files = try Fixtures.jsonFiles(in: Fixtures.schemaFolder).map(\.lastPathComponent)
        #expect(files == CommonSchema.fileNames.sorted())
        let set = try Self.loadSet()
        #expect(set.documentURIs == CommonSchema.fileNames.map { CommonSchema.baseURI + $0 })
        for entity in CommonSchema.entities {
            let document = try #require(set.document(CommonSchema.uri(for: entity)!))
            #expect(document["x-entity"]?.stringValue == entity)
            #expect(document["x-event-type"]?.stringValue == entity + ".v1")
            #expect(document["additionalProperties"] == false, "\(entity) must refuse unknown fields")
        }
    }

    @Test func everyExampleIsValid() throws {
        let set = try Self.loadSet()
        var checked = 0
        for entity in CommonSchema.entities {
            let uri = try #require(CommonSchema.uri(for: entity + ".v1"))
            let schema = try set.schema(uri)
            let examples = set.document(uri)?["examples"]?.arrayValue ?? []
            #expect(!examples.isEmpty, "\(entity) has no example")
            for example in examples {
                #expect(schema.validate(example).isEmpty, "\(entity): \(schema.validate(example).map(\.description))")
                checked += 1
            }
        }
        // The shared definitions' own examples, each through its definition.
        let defs = set.document(CommonSchema.baseURI + CommonSchema.commonFile)?["$defs"]?.objectValue ?? [:]
        for (name, definition) in defs {
            let schema = try set.schema(CommonSchema.baseURI + "common.json#/$defs/" + name)
            for example in definition["examples"]?.arrayValue ?? [] {
                #expect(schema.isValid(example), "common.json $defs/\(name): \(example)")
                checked += 1
            }
        }
        #expect(checked >= 30)
    }

    @Test func everyFieldIsDocumentedInChineseAndEnglish() throws {
        let set = try Self.loadSet()
        for entity in CommonSchema.entities {
            let document = try #require(set.document(CommonSchema.uri(for: entity)!))
            for (path, field) in Self.fields(of: document, prefix: "") {
                let text = field["description"]?.stringValue ?? ""
                let hasChinese = text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
                let hasEnglish = text.unicodeScalars.contains { $0.isASCII && $0.properties.isAlphabetic }
                #expect(hasChinese && hasEnglish && text.contains("/ "), "\(entity).\(path): \(text)")
                if path.hasSuffix("_fen") {
                    #expect(field["$ref"]?.stringValue == "common.json#/$defs/money_fen", "\(entity).\(path) must be money_fen")
                }
            }
        }
    }

    /// Every property below `schema`, nested objects and array items included.
    static func fields(of schema: Value, prefix: String) -> [(String, Value)] {
        var result: [(String, Value)] = []
        for (name, field) in schema["properties"]?.objectValue ?? [:] {
            result.append((prefix + name, field))
            result += fields(of: field, prefix: prefix + name + ".")
            if let items = field["items"] { result += fields(of: items, prefix: prefix + name + "[].") }
        }
        return result
    }

    /// The HJ 212 normaliser writes these two entities; their fields are agreed and fixed.
    @Test func environmentShapesAreTheAgreedOnes() throws {
        let set = try Self.loadSet()
        let measurement = try #require(set.document(CommonSchema.uri(for: "environment.measurement")!))
        #expect(measurement["properties"]?.objectValue?.keys == [
            "station_id", "system_code", "edition", "interval", "period_start", "parameter_code", "parameter_name",
            "device_code", "value", "min", "max", "avg", "cou", "zs_value", "unit", "flag", "valid", "status", "eflag",
            "sample_time", "qn", "agency", "region",
        ])
        #expect(measurement["required"] == ["station_id", "interval", "period_start", "parameter_code", "valid"])
        // A day's cumulative amount alone (w00000-Cou) is a measurement without `value`.
        var cumulative = try Self.example("environment.measurement")
        Self.edit(&cumulative, "value", nil)
        Self.edit(&cumulative, "avg", nil)
        Self.edit(&cumulative, "cou", .decimal(DecimalNumber("1234.5")!))
        #expect(try set.schema(CommonSchema.uri(for: "environment.measurement")!).validate(cumulative).isEmpty)
        let assessment = try #require(set.document(CommonSchema.uri(for: "environment.assessment")!))
        #expect(assessment["properties"]?.objectValue?.keys == [
            "kind", "station_id", "period_start", "interval", "standard", "water_body", "water_class", "water_quality",
            "water_class_if_lake_reservoir", "items",
            "limiting_parameters", "aqi", "iaqi", "concentrations", "above_scale", "primary_pollutants", "level", "category",
        ])
        #expect(assessment["required"] == ["kind", "station_id", "period_start", "standard"])
        // An AQI of "NA" (HJ 633-2026 §5.3) is null, with its level and category: still an assessment.
        let airExample = try #require(assessment["examples"]?.arrayValue?.first { $0["kind"] == "air_quality_index" })
        var notAvailable = airExample
        for field in ["aqi", "level", "category"] { Self.edit(&notAvailable, field, .null) }
        Self.edit(&notAvailable, "primary_pollutants", [])
        let schema = try set.schema(CommonSchema.uri(for: "environment.assessment")!)
        #expect(schema.validate(notAvailable).isEmpty, "\(schema.validate(notAvailable))")
        Self.edit(&notAvailable, "level", "七级")
        #expect(!schema.isValid(notAvailable))
    }

    /// `(entity, edit, expected error)`: each edit of the entity's first example must fail with
    /// exactly one error, at the pointer and rule named.
    static let brokenInstances: [(String, [(String, Value?)], String, String)] = [
        ("budget.payment", [("amount_fen", -5)], "/amount_fen", "minimum"),
        ("budget.payment", [("amount_fen", .decimal(DecimalNumber("12345.50")!))], "/amount_fen", "type"),
        ("budget.payment", [("payee.account", nil)], "/payee/account", "required"),
        ("budget.payment", [("payee.account", "6222-0000")], "/payee/account", "pattern"),
        ("budget.payment", [("region", "4211")], "/region", "pattern"),
        ("budget.payment", [("pay_date", "2024-02-30")], "/pay_date", "format"),
        ("budget.payment", [("payer", "x")], "/payer", "additionalProperties"),
        ("budget.execution", [("function_code", "3110101")], "/function_code", "pattern"),
        ("budget.execution", [("budget_book", "general")], "/budget_book", "enum"),
        ("budget.execution", [("period_month", 13)], "/period_month", "maximum"),
        ("environment.measurement", [("interval", "hourly")], "/interval", "enum"),
        ("environment.measurement", [("period_start", "2024-06-01 08:00:00")], "/period_start", "format"),
        ("environment.measurement", [("value", "0.11")], "/value", "type"),
        ("environment.measurement", [("rtd", 0.11)], "/rtd", "additionalProperties"),
        ("environment.measurement", [("parameter_code", "011")], "/parameter_code", "pattern"),
        ("environment.measurement", [("value", nil), ("cou", nil)], "", "anyOf"),
        ("environment.assessment", [("water_class", nil)], "/water_class", "required"),
        ("environment.assessment", [("aqi", 50)], "/aqi", "false"),
        ("environment.assessment", [("water_class", "VI")], "/water_class", "enum"),
        ("case", [("case_number", "2024鄂11民初123号")], "/case_number", "anyOf"),
        ("case", [("filed_date", nil)], "/filed_date", "required"),
        ("organization", [("uscc", "9131011066600721IT")], "/uscc", "pattern"),
        ("suggestion", [("deputies", [])], "/deputies", "minItems"),
        ("livelihood.project", [("progress_pct", 120)], "/progress_pct", "maximum"),
        ("alert", [("severity", "high")], "/severity", "enum"),
        ("supervision.item", [("status", "done")], "/status", "enum"),
    ]

    @Test(arguments: brokenInstances.indices)
    func brokenInstanceFails(case index: Int) throws {
        let (entity, edits, pointer, keyword) = Self.brokenInstances[index]
        var instance = try Self.example(entity)
        for (path, value) in edits { Self.edit(&instance, path, value) }
        let schema = try Self.loadSet().schema(CommonSchema.uri(for: entity)!)
        let errors = schema.validate(instance)
        #expect(!schema.isValid(instance))
        #expect(errors.map { "\($0.instanceLocation) \($0.keyword)" } == ["\(pointer) \(keyword)"], "\(entity): \(errors)")
    }

    @Test func errorDescriptionsReadWell() throws {
        var payment = try Self.example("budget.payment")
        payment["amount_fen"] = -5
        Self.edit(&payment, "payee.account", nil)
        let schema = try Self.loadSet().schema(CommonSchema.uri(for: "budget.payment")!)
        let errors = schema.validate(payment)
        #expect(errors.map(\.description) == [
            "/amount_fen: minimum: expected >= 0, got -5",
            "/payee/account: required: expected property \"account\" to be present, got nothing",
        ])
        #expect(errors[0].schemaLocation == "https://huiliu.dev/schema/v1/budget.payment.json#/properties/amount_fen/minimum")
        #expect(errors[1].schemaLocation == "https://huiliu.dev/schema/v1/budget.payment.json#/properties/payee/required")
    }

    /// Sets (or with `nil` removes) the member at a dotted path.
    static func edit(_ value: inout Value, _ path: String, _ newValue: Value?) {
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 1 {
            value[parts[0]] = newValue
        } else {
            var child = value[parts[0]] ?? [:]
            edit(&child, parts.dropFirst().joined(separator: "."), newValue)
            value[parts[0]] = child
        }
    }

    @Test func eventTypesMapToSchemaURIs() {
        #expect(CommonSchema.uri(for: "budget.payment.v1") == "https://huiliu.dev/schema/v1/budget.payment.json")
        #expect(CommonSchema.uri(for: "case") == "https://huiliu.dev/schema/v1/case.json")
        #expect(CommonSchema.uri(for: "budget.payment.v2") == nil)
        #expect(CommonSchema.uri(for: "common") == nil)
    }
}
