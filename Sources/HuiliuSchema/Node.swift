import HuiliuCore
import HuiliuRegex

/// One compiled subschema: its keywords sorted by the instance type they apply to, so
/// validating a string never looks at object keywords. Subschemas are indices into the
/// program's node array, which is how `$ref` cycles are represented.
final class Node: Sendable {
    /// Where the subschema lives: base URI and JSON pointer (`…/budget.payment.json#/properties/payee`).
    let location: String
    /// The `type` keyword; `nil` when absent.
    let types: TypeSet?
    /// Keywords for any instance type: `const`, `enum`, `$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`.
    let general: [GeneralCheck]
    let string: [StringCheck]
    let number: [NumberCheck]
    let array: [ArrayCheck]
    let object: [ObjectCheck]
    /// The subschema is `false`: nothing is valid.
    let rejectsAll: Bool
    /// The subschema says `"x-pii": true`: failures below it do not quote the value.
    let personal: Bool
    /// The subschema or one it applies (properties, items, `$ref`, `anyOf` …) says `"x-pii": true`:
    /// its own failures do not quote the value either, which may hold the personal data.
    let containsPersonal: Bool

    init(location: String, types: TypeSet?, general: [GeneralCheck], string: [StringCheck], number: [NumberCheck],
         array: [ArrayCheck], object: [ObjectCheck], rejectsAll: Bool, personal: Bool = false, containsPersonal: Bool = false) {
        self.location = location
        self.types = types
        self.general = general
        self.string = string
        self.number = number
        self.array = array
        self.object = object
        self.rejectsAll = rejectsAll
        self.personal = personal
        self.containsPersonal = containsPersonal || personal
    }

    /// True for `true` and `{}`: every instance is valid. A subschema marked `x-pii` is kept even
    /// so: it says where personal data is.
    var acceptsAll: Bool {
        !rejectsAll && !personal && types == nil && general.isEmpty && string.isEmpty && number.isEmpty && array.isEmpty
            && object.isEmpty
    }
}

/// The JSON types of the `type` keyword.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array),
        ("number", .number), ("string", .string), ("integer", .integer),
    ]

    var description: String {
        let parts = Self.names.filter { contains($0.1) }.map(\.0)
        return parts.count == 1 ? parts[0] : "one of " + parts.joined(separator: ", ")
    }
}

enum GeneralCheck: Sendable {
    case constant(Value)
    case enumeration([Value], ValueIndex?)
    case ref(Int)
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
}

enum StringCheck: Sendable {
    case minLength(Int)
    case maxLength(Int)
    case pattern(Pattern)
    case format(Format, String)
}

enum NumberCheck: Sendable {
    case minimum(Value)
    case exclusiveMinimum(Value)
    case maximum(Value)
    case exclusiveMaximum(Value)
    case multipleOf(DecimalNumber)
}

enum ArrayCheck: Sendable {
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    /// `prefixItems` + `items` (or draft-07 tuple `items` + `additionalItems`); `restKeyword`
    /// names the keyword that governs items after the prefix.
    case items(prefix: [Int], rest: Int?, restRejectsAll: Bool, restKeyword: String)
    case contains(Int, minimum: Int, maximum: Int?)
}

enum ObjectCheck: Sendable {
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case members(MemberRules)
    case propertyNames(Int)
    case dependentRequired([(String, [String])])
    case dependentSchemas([(String, Int)])
}
