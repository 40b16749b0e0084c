import HuiliuCore
import HuiliuSchema
import Testing

/// What a failure says: pointer, rule, expectation, value, schema location.
struct ValidationErrorTests {
    static let schema = try! Schema(JSONReader.parse(#"""
        {"type": "object", "additionalProperties": false,
         "properties": {
           "name": {"type": "string", "minLength": 2},
           "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
           "kind": {"oneOf": [{"const": 1}, {"type": "integer"}]},
           "a/b": {"not": {"type": "null"}}}}
        """#))

    @Test func everyProblemIsReportedWithItsPointer() {
        let errors = Self.schema.validate(["name": "x", "tags": ["a", "c", "a"], "kind": 1, "a/b": nil, "extra": true])
        #expect(errors.map(\.description) == [
            "/name: minLength: expected at least 2 characters, got 1: \"x\"",
            "/tags: uniqueItems: expected unique items, got items 0 and 2 both equal to \"a\"",
            "/tags/1: enum: expected one of [\"a\",\"b\"], got \"c\"",
            "/kind: oneOf: expected a value matching exactly one of 2 schemas, got 1 (matched #0, #1)",
            "/a~1b: not: expected a value that does not match the 'not' schema, got null",
            "/extra: additionalProperties: expected only declared properties, got undeclared property \"extra\"",
        ])
        #expect(errors.allSatisfy { $0.schemaLocation.hasPrefix("#/") })
        #expect(errors[2].schemaLocation == "#/properties/tags/items/enum")
    }

    @Test func redactedDescriptionsLeaveTheValueOut() {
        let error = Self.schema.validate(["name": "x"])[0]
        #expect(error.redactedDescription == "/name: minLength: expected at least 2 characters")
        #expect(!error.redactedDescription.contains("\"x\""))
    }

    /// Values under `"x-pii": true` (an account, a person's name through a `$ref`) are never
    /// quoted: failures go into dead-letter reasons, which more people may read than the records.
    @Test func personalDataIsNotQuoted() throws {
        let schema = try Schema(JSONReader.parse(#"""
            {"$defs": {"name": {"type": "string", "maxLength": 4}},
             "properties": {
               "account": {"type": "string", "pattern": "^[0-9]{6,32}$", "x-pii": true},
               "payee": {"$ref": "#/$defs/name", "x-pii": true},
               "code": {"type": "string", "pattern": "^[0-9]+$"},
               "ids": {"type": "array", "uniqueItems": true, "x-pii": true}}}
            """#))
        let errors = schema.validate(["account": "6217 0018 1001 2345 678", "payee": "张某某（个人劳务）", "code": "x1",
                                      "ids": ["421181199001019997", "421181199001019997"]])
        #expect(errors.map(\.description) == [
            "/account: pattern: expected a string matching ^[0-9]{6,32}$, got a string of 23 characters (personal data, not shown)",
            "/payee: maxLength: expected at most 4 characters, got 9: a string of 9 characters (personal data, not shown)",
            "/code: pattern: expected a string matching ^[0-9]+$, got \"x1\"",
            "/ids: uniqueItems: expected unique items, got items 0 and 1 both equal to a string of 18 characters (personal data, not shown)",
        ])
    }

    /// Personal data is not quoted by the failures of what holds it either: a list of persons
    /// that is not a list, an `anyOf` one of whose branches is personal, unique items of phones.
    @Test func whatHoldsPersonalDataDoesNotQuoteIt() throws {
        let schema = try Schema(JSONReader.parse(#"""
            {"$defs": {"mobile": {"type": "string", "pattern": "^1[0-9]{10}$", "x-pii": true}},
             "properties": {
               "parties": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string", "x-pii": true}}}},
               "contact": {"anyOf": [{"$ref": "#/$defs/mobile"}, {"type": "null"}]},
               "phones": {"type": "array", "items": {"$ref": "#/$defs/mobile"}, "uniqueItems": true},
               "code": {"type": "string"}}}
            """#))
        let errors = schema.validate(["parties": ["role": "原告", "name": "孙八"], "contact": "13912345678x",
                                      "phones": ["13912345678", "13912345678"], "code": 7])
        #expect(errors.map(\.description) == [
            "/parties: type: expected array, got object (personal data, not shown)",
            "/contact: anyOf: expected a value matching at least one of 2 schemas, got a string of 12 characters (personal data, not shown)",
            "/phones: uniqueItems: expected unique items, got items 0 and 1 both equal to a string of 11 characters (personal data, not shown)",
            "/code: type: expected string, got 7",
        ], "\(errors.map(\.description))")
    }

    /// A value that one subschema marks personal is not quoted by the failure of another that
    /// constrains it too (a `$ref` beside local properties, another `allOf` branch).
    @Test func aSiblingSubschemaDoesNotQuotePersonalDataEither() throws {
        let schema = try Schema(JSONReader.parse(#"""
            {"$defs": {"person": {"properties": {"phone": {"type": "string", "x-pii": true}}}},
             "$ref": "#/$defs/person",
             "properties": {"phone": {"pattern": "^1[0-9]{10}$"}, "code": {"pattern": "^[0-9]+$"}}}
            """#))
        let errors = schema.validate(["phone": "13-800-138-000-SECRETPHONE", "code": "x1"])
        #expect(errors.map(\.description) == [
            "/phone: pattern: expected a string matching ^1[0-9]{10}$, got a value (personal data, not shown)",
            "/code: pattern: expected a string matching ^[0-9]+$, got \"x1\"",
        ], "\(errors.map(\.description))")
        // Also when the subschema that marks it is only reached past the error limit, or inside a
        // branch that runs silently (anyOf).
        let limited = try Schema(JSONReader.parse(#"""
            {"allOf": [{"properties": {"phone": {"pattern": "^1[0-9]{10}$"}}}, {"properties": {"phone": {"x-pii": true}}}]}
            """#))
        #expect(limited.validate(["phone": "13-800-SECRETPHONE"], maximumErrors: 1).map(\.actual) == ["a value (personal data, not shown)"])
        let silent = try Schema(JSONReader.parse(#"""
            {"properties": {"phone": {"pattern": "^1[0-9]{10}$"}}, "anyOf": [{"type": "object"}, {"properties": {"phone": {"x-pii": true}}}]}
            """#))
        #expect(silent.validate(["phone": "13-800-SECRETPHONE"]).map(\.actual) == ["a value (personal data, not shown)"])
        // What is not a value stays said: a missing member of a personal object.
        let person = try Schema(JSONReader.parse(#"{"properties": {"person": {"x-pii": true, "required": ["name"]}}}"#))
        #expect(person.validate(["person": ["id": "1"]]).map(\.description) == [#"/person/name: required: expected property "name" to be present, got nothing"#])
    }

    @Test func collectionStopsAtTheLimit() {
        let many = Value.object(Object((0..<50).map { ("extra\($0)", Value.integer($0)) }))
        #expect(Self.schema.validate(many).count == 50)
        #expect(Self.schema.validate(many, maximumErrors: 5).count == 5)
    }

    @Test func longValuesAreCut() {
        let long = String(repeating: "长", count: 200)
        let error = try! Schema(JSONReader.parse(#"{"maxLength": 3}"#)).validate(.string(long))[0]
        #expect(error.actual.count < 100)
        #expect(error.actual.hasSuffix("…"))
    }

    @Test func lengthCountsCodePoints() throws {
        let schema = try Schema(JSONReader.parse(#"{"minLength": 2, "maxLength": 2}"#))
        #expect(schema.isValid("黄冈"))
        #expect(schema.isValid("💩💩"))
        #expect(!schema.isValid("黄"))
        #expect(!schema.isValid("e\u{301}e\u{301}"))  // four code points, two characters
    }
}
