import Foundation
import HuiliuCore
import HuiliuExpression

/// Compiled `target.path: expression` pairs, arranged as the tree of the entity they build,
/// so each record is assembled in one pass with no path splitting at run time.
struct MappingPlan: Sendable {
    /// One member of the object being built: the value of `expression`, or, when that is
    /// `nil`, the object `nested` builds. A struct rather than an enum: the per-record loop
    /// reads the fields in place, where binding an enum's payload would copy (and retain) it.
    struct Member: Sendable {
        var key: String
        var expression: JMESPathExpression?
        var nested: MappingPlan?
        /// The dotted target path, for errors.
        var target: String
    }

    var members: [Member] = []

    /// Adds `expression` at a dotted target path (`payee.name`). Returns the target already
    /// added that sets the same field or one around it (`payee` for `payee.name`), if any:
    /// both would be written, as a JSON object with the key twice.
    @discardableResult
    mutating func add(_ path: ArraySlice<String>, _ expression: JMESPathExpression, target: String) -> String? {
        guard let first = path.first else { return nil }
        let existing = members.firstIndex { $0.key == first }
        if path.count == 1 {
            if let existing { return members[existing].target }
            members.append(Member(key: first, expression: expression, nested: nil, target: target))
            return nil
        }
        if let existing {
            guard members[existing].nested != nil else { return members[existing].target }
            return members[existing].nested!.add(path.dropFirst(), expression, target: target)
        }
        var nested = MappingPlan()
        nested.add(path.dropFirst(), expression, target: target)
        members.append(Member(key: first, expression: nil, nested: nested, target: target))
        return nil
    }

    /// Builds the entity for one input; a failing expression names its target field.
    func build(from input: Value, keepNulls: Bool) throws(MappingFailure) -> Value {
        var object = Object(minimumCapacity: members.count)
        // Members are borrowed from the buffer: iterating the array would copy each one,
        // retaining its key, expression and target for every record.
        try members.withUnsafeBufferPointer { (members) throws(MappingFailure) in
            for index in members.indices {
                if members[index].expression != nil {
                    let value: Value
                    do throws(ExpressionError) {
                        value = try members[index].expression.unsafelyUnwrapped.evaluate(input)
                    } catch {
                        throw MappingFailure(target: members[index].target, expression: members[index].expression!.text, error: error)
                    }
                    if keepNulls || !value.isNull { object.appendUnchecked(key: members[index].key, value: value) }
                } else {
                    let value = try members[index].nested.unsafelyUnwrapped.build(from: input, keepNulls: keepNulls)
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
