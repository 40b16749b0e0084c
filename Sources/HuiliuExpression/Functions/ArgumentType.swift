public import HuiliuCore

/// The JSON types a function parameter accepts, as a set.
///
/// `array[number]` and `array[string]` are the typed arrays of the JMESPath signatures;
/// `expression` marks a parameter that takes `&expr`.
public struct ArgumentType: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// `null`.
    public static let null = ArgumentType(rawValue: 1 << 0)
    /// `true` or `false`.
    public static let boolean = ArgumentType(rawValue: 1 << 1)
    /// Any number.
    public static let number = ArgumentType(rawValue: 1 << 2)
    /// A string.
    public static let string = ArgumentType(rawValue: 1 << 3)
    /// Any array.
    public static let array = ArgumentType(rawValue: 1 << 4)
    /// An object.
    public static let object = ArgumentType(rawValue: 1 << 5)
    /// An array whose elements are all numbers.
    public static let arrayOfNumbers = ArgumentType(rawValue: 1 << 6)
    /// An array whose elements are all strings.
    public static let arrayOfStrings = ArgumentType(rawValue: 1 << 7)
    /// An expression reference, `&expr`.
    public static let expression = ArgumentType(rawValue: 1 << 8)
    /// Any JSON value.
    public static let any: ArgumentType = [.null, .boolean, .number, .string, .array, .object]

    /// True if `value` is one of the accepted types.
    public func accepts(_ value: Value) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .integer, .decimal, .double: return contains(.number)
        case .string: return contains(.string)
        case .object: return contains(.object)
        case .array(let items):
            if contains(.array) { return true }
            if contains(.arrayOfNumbers) && items.allSatisfy(\.isNumber) { return true }
            if contains(.arrayOfStrings) && items.allSatisfy({ $0.stringValue != nil }) { return true }
            return false
        }
    }

    /// `string|number|null`, in the order of the JMESPath specification.
    public var description: String {
        if self == .any { return "any" }
        var names: [String] = []
        if contains(.number) { names.append("number") }
        if contains(.string) { names.append("string") }
        if contains(.boolean) { names.append("boolean") }
        if contains(.array) { names.append("array") }
        if contains(.arrayOfNumbers) { names.append("array[number]") }
        if contains(.arrayOfStrings) { names.append("array[string]") }
        if contains(.object) { names.append("object") }
        if contains(.expression) { names.append("expression") }
        if contains(.null) { names.append("null") }
        return names.joined(separator: "|")
    }
}
