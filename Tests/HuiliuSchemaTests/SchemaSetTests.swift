import HuiliuCore
import HuiliuSchema
import Testing

/// Documents referring to each other by `$id`, anchors and pointers; compile-time errors.
struct SchemaSetTests {
    static let common: Value = try! JSONReader.parse(#"""
        {"$id": "https://example.org/s/common.json",
         "$defs": {
           "money_fen": {"type": "integer"},
           "code": {"$anchor": "code", "type": "string", "pattern": "^[0-9]{6}$"}}}
        """#)
    static let payment: Value = try! JSONReader.parse(#"""
        {"$id": "https://example.org/s/payment.json", "type": "object",
         "properties": {
           "amount_fen": {"$ref": "common.json#/$defs/money_fen", "minimum": 0},
           "region": {"$ref": "common.json#code"},
           "payee": {"$ref": "#/$defs/payee"}},
         "$defs": {"payee": {"type": "object", "required": ["account"]}}}
        """#)

    @Test func referencesResolveAcrossDocuments() throws {
        var set = SchemaSet()
        try set.add(Self.common)
        let uri = try set.add(Self.payment)
        #expect(uri == "https://example.org/s/payment.json")
        let schema = try set.schema(uri)
        #expect(schema.isValid(["amount_fen": 100, "region": "421100", "payee": ["account": "1"]]))
        let errors = schema.validate(["amount_fen": 1.5, "region": "4211", "payee": [:]])
        #expect(errors.map(\.description) == [
            "/amount_fen: type: expected integer, got 1.5",
            "/region: pattern: expected a string matching ^[0-9]{6}$, got \"4211\"",
            "/payee/account: required: expected property \"account\" to be present, got nothing",
        ])
        #expect(errors[0].schemaLocation == "https://example.org/s/common.json#/$defs/money_fen/type")
        #expect(errors[1].schemaLocation == "https://example.org/s/common.json#/$defs/code/pattern")
    }

    @Test func subschemasCanBeCompiledByFragment() throws {
        var set = SchemaSet()
        try set.add(Self.common)
        let code = try set.schema("https://example.org/s/common.json#/$defs/code")
        #expect(code.isValid("421100"))
        #expect(try set.schema("https://example.org/s/common.json#code").isValid("421100"))
    }

    @Test func aMissingDocumentIsACompileError() throws {
        var set = SchemaSet()
        let uri = try set.add(Self.payment)
        #expect { try set.schema(uri) } throws: { ($0 as? SchemaError)?.code == .unresolvedReference }
        #expect { try set.schema("https://example.org/none.json") } throws: { ($0 as? SchemaError)?.code == .unknownSchema }
    }

    @Test func duplicateIdentifiersAreRefused() throws {
        var set = SchemaSet()
        try set.add(Self.common)
        #expect { try set.add(Self.common) } throws: { ($0 as? SchemaError)?.code == .duplicateIdentifier }
        #expect(set.documentURIs == ["https://example.org/s/common.json"])  // a failed add changes nothing
    }

    @Test func badKeywordsAreCompileErrors() throws {
        let cases = [
            (#"{"minimum": "5"}"#, SchemaError.Code.invalidKeyword),
            (#"{"type": "text"}"#, .invalidKeyword),
            (#"{"required": "a"}"#, .invalidKeyword),
            (#"{"pattern": "(a"}"#, .unsupportedPattern),
            (#"{"unevaluatedProperties": false}"#, .unsupportedKeyword),
            (##"{"$ref": "#/$defs/missing"}"##, .unresolvedReference),
        ]
        for (text, code) in cases {
            #expect(throws: SchemaError.self) { try Schema(JSONReader.parse(text)) }
            do {
                _ = try Schema(JSONReader.parse(text))
            } catch let error as SchemaError {
                #expect(error.code == code, "\(text): \(error)")
            }
        }
        #expect { try SchemaSet().schema("x") } throws: { _ in true }
        var set = SchemaSet()
        #expect { try set.add(json: "{") } throws: { ($0 as? SchemaError)?.code == .invalidJSON }
    }

    @Test func draft7RefOverridesSiblingsAndItemsIsATuple() throws {
        let schema = try Schema(JSONReader.parse(#"""
            {"$schema": "http://json-schema.org/draft-07/schema#",
             "definitions": {"s": {"type": "string"}},
             "properties": {
               "a": {"$ref": "#/definitions/s", "maxLength": 1},
               "t": {"items": [{"type": "integer"}], "additionalItems": false},
               "d": {"dependencies": {"x": ["y"]}}}}
            """#))
        #expect(schema.isValid(["a": "long is fine: maxLength is ignored next to $ref"]))
        #expect(schema.isValid(["t": [1]]))
        #expect(schema.validate(["t": [1, 2]]).map(\.keyword) == ["additionalItems"])
        #expect(schema.validate(["d": ["x": 1]]).map(\.instanceLocation) == ["/d/y"])
    }

    @Test func referenceLoopsThatConsumeNothingFailCleanly() throws {
        for text in [##"{"$ref": "#"}"##, ##"{"allOf": [{"$ref": "#"}]}"##] {
            let schema = try Schema(JSONReader.parse(text))
            #expect(!schema.isValid(1))
            #expect(schema.validate(1).map(\.keyword) == ["$ref"])
        }
        // A recursive schema that does consume input is fine at any sensible depth.
        let tree = try Schema(JSONReader.parse(##"{"type": "array", "items": {"$ref": "#"}}"##))
        var nested: Value = []
        for _ in 0..<200 { nested = [nested] }
        #expect(tree.isValid(nested))
    }

    @Test func formatCanBeAnAnnotation() throws {
        let document = try JSONReader.parse(#"{"format": "date"}"#)
        #expect(!(try Schema(document).isValid("2024-02-30")))
        #expect(try Schema(document, options: SchemaOptions(assertsFormat: false)).isValid("2024-02-30"))
    }
}
