import Foundation
import HuiliuCore
import HuiliuExpression

/// Compiled `target.path: expression` pairs, arranged as the tree of the entity they build,
/// so each record is assembled in one pass with no path splitting at run time.
struct MappingPlan: Sendable {
    /// One member of an object being built: a value from an expression, or a nested object.
    enum Member: Sendable {
        case value(JMESPathExpression, target: String)
        case object(MappingPlan)
    }

    var members: [(key: String, member: Member)] = []

    /// Adds `expression` at a dotted target path (`payee.name`).
    mutating func add(_ path: ArraySlice<String>, _ expression: JMESPathExpression, target: String) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.append((first, .value(expression, target: target)))
            return
        }
        if let index = members.firstIndex(where: { $0.key == first }), case .object(var nested) = members[index].member {
            nested.add(path.dropFirst(), expression, target: target)
            members[index].member = .object(nested)
        } else {
            var nested = MappingPlan()
            nested.add(path.dropFirst(), expression, target: target)
            members.append((first, .object(nested)))
        }
    }

    /// Builds the entity for one input; a failing expression names its target field.
    func build(from input: Value, keepNulls: Bool) throws(MappingFailure) -> Value {
        var object = Object(minimumCapacity: members.count)
        // Members are borrowed from the buffer: iterating the array would copy each one,
        // retaining its key, expression and target for every record.
        try members.withUnsafeBufferPointer { (members) throws(MappingFailure) in
            for index in members.indices {
                switch members[index].member {
                case .value(let expression, let target):
                    let value: Value
                    do throws(ExpressionError) {
                        value = try expression.evaluate(input)
                    } catch {
                        throw MappingFailure(target: target, expression: expression.text, error: error)
                    }
                    if keepNulls || !value.isNull { object.appendUnchecked(key: members[index].key, value: value) }
                case .object(let nested):
                    let value = try nested.build(from: input, keepNulls: keepNulls)
                    if keepNulls || !(value.objectValue?.isEmpty ?? false) { object.appendUnchecked(key: members[index].key, value: value) }
                }
            }
        }
        return .object(object)
    }
}

/// An expression that failed on a record.
struct MappingFailure: Error {
    /// The dotted target path (`payee.name`).
    var target: String
    /// The expression's text.
    var expression: String
    /// What went wrong.
    var error: ExpressionError

    /// The target as a JSON pointer (`/payee/name`).
    var pointer: String {
        "/" + target.split(separator: ".", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined(separator: "/")
    }
}

/// A compiled JMESPath expression (named apart from Foundation's `Expression`).
typealias JMESPathExpression = HuiliuExpression.Expression
