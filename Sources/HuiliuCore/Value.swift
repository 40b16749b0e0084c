/// A dynamic, JSON-like value: what sources yield, steps transform and sinks write.
///
/// Numbers keep their kind: an `integer` stays exact, a JSON number with a fraction or an
/// exponent becomes an exact ``DecimalNumber`` (so `12.30` yuan is never a binary float),
/// and `double` is reserved for values that were computed or did not fit.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case decimal(DecimalNumber)
    case double(Double)
    case string(String)
    case array([Value])
    case object(Object)
}

extension Value {
    /// The value as a string, if it is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as an object, if it is one.
    public var objectValue: Object? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The value as an array, if it is one.
    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The value as a Boolean, if it is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as an exact integer, if it is an integer or an integral decimal that fits.
    public var intValue: Int? {
        switch self {
        case .integer(let i): return i
        case .decimal(let d): return d.exactInt
        case .double(let d):
            guard d.rounded() == d, let i = Int(exactly: d) else { return nil }
            return i
        default: return nil
        }
    }

    /// The value as a binary floating-point number, if it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .decimal(let d): return d.doubleValue
        case .double(let d): return d
        default: return nil
        }
    }

    /// True for `integer`, `decimal` and `double`.
    public var isNumber: Bool {
        switch self {
        case .integer, .decimal, .double: return true
        default: return false
        }
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type name: `null`, `boolean`, `number`, `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .decimal, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The member `key` of an object; `nil` for other values or a missing key.
    public subscript(key: String) -> Value? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            guard case .object(var o) = self else { return }
            self = .null  // release the payload so `o` is uniquely referenced
            o[key] = newValue
            self = .object(o)
        }
    }

    /// The element at `index` of an array; `nil` for other values or out of range.
    public subscript(index: Int) -> Value? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }

    /// Follows a dotted path of object keys (`payee.name`); `nil` where it leads nowhere.
    public func value(atPath path: some StringProtocol) -> Value? {
        value(atPath: path.split(separator: "." as Character, omittingEmptySubsequences: false).map { String($0) })
    }

    /// Follows a path already split into keys, for callers that look the same path up often.
    public func value(atPath keys: [String]) -> Value? {
        var current = self
        for key in keys {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Sets a value at a dotted path, creating intermediate objects as needed.
    public mutating func setValue(_ newValue: Value, atPath path: some StringProtocol) {
        let parts = path.split(separator: "." as Character, omittingEmptySubsequences: false).map { String($0) }
        setValue(newValue, at: parts[...])
    }

    private mutating func setValue(_ newValue: Value, at parts: ArraySlice<String>) {
        guard let first = parts.first else {
            self = newValue
            return
        }
        var object = objectValue ?? Object()
        self = .null
        var child = object[first] ?? .null
        object[first] = .null  // keeps the key's position while `child` is edited uniquely
        child.setValue(newValue, at: parts.dropFirst())
        object[first] = child
        self = .object(object)
    }
}

extension Value {
    /// This value with `change` applied to the member at `path` (keys, outermost first), in
    /// every item of the lists along the way; missing members and nulls are left alone: what
    /// the `mask` and `encrypt` steps do to the fields they name. Given a `pointer` (`""` for
    /// the top), `change` also gets the member's JSON pointer (`/children/0/phone`).
    public func changing<E: Error>(at path: ArraySlice<String>, pointer: String? = nil,
                                   _ change: (Value, String?) throws(E) -> Value) throws(E) -> Value {
        guard let name = path.first else { return isNull ? self : try change(self, pointer) }
        switch self {
        case .object(var object):
            guard let member = object[name] else { return self }
            object[name] = try member.changing(at: path.dropFirst(), pointer: pointer.map { $0 + "/" + name }, change)
            return .object(object)
        case .array(let items):
            var changed: [Value] = []
            changed.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                changed.append(try item.changing(at: path, pointer: pointer.map { $0 + "/\(index)" }, change))
            }
            return .array(changed)
        default:
            return self
        }
    }
}

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) {
        var object = Object()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}
