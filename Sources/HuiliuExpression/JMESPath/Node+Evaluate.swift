import HuiliuCore

extension Node {
    /// Evaluates the tree against `value`.
    ///
    /// Values are passed borrowed and payloads are bound, not copied: a field lookup on a
    /// large object retains its storage and reads one member.
    func evaluate(_ value: Value) throws(ExpressionError) -> Value {
        switch self {
        case .current:
            return value
        case .field(let key):
            guard case .object(let object) = value else { return .null }
            return key.lookup(in: object) ?? .null
        case .fieldPath(let path):
            return Node.follow(path, from: value)
        case .index(let i):
            guard case .array(let items) = value else { return .null }
            let position = i < 0 ? items.count + i : i
            return position >= 0 && position < items.count ? items[position] : .null
        case .slice(let start, let stop, let step):
            guard case .array(let items) = value else { return .null }
            return .array(Node.slice(items, start: start, stop: stop, step: step))
        case .subexpression(let left, let right):
            return try right.evaluate(try left.evaluate(value))
        case .projection(let left, let right):
            guard case .array(let items) = try left.evaluate(value) else { return .null }
            return .array(try right.project(items))
        case .valueProjection(let left, let right):
            guard case .object(let object) = try left.evaluate(value) else { return .null }
            var out: [Value] = []
            out.reserveCapacity(object.count)
            for (_, member) in object {
                let result = try right.evaluate(member)
                if !result.isNull { out.append(result) }
            }
            return .array(out)
        case .filterProjection(let left, let right, let condition):
            guard case .array(let items) = try left.evaluate(value) else { return .null }
            var out: [Value] = []
            for item in items where try condition.evaluate(item).isTruthy {
                let result = try right.evaluate(item)
                if !result.isNull { out.append(result) }
            }
            return .array(out)
        case .flatten(let inner):
            guard case .array(let items) = try inner.evaluate(value) else { return .null }
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for item in items {
                if case .array(let nested) = item { out.append(contentsOf: nested) } else { out.append(item) }
            }
            return .array(out)
        case .multiSelectList(let nodes):
            if value.isNull { return .null }
            var out: [Value] = []
            out.reserveCapacity(nodes.count)
            for node in nodes { out.append(try node.evaluate(value)) }
            return .array(out)
        case .multiSelectHash(let keys, let values):
            if value.isNull { return .null }
            var object = Object(minimumCapacity: keys.count)
            for i in keys.indices {
                object.appendUnchecked(key: keys[i], value: try values[i].evaluate(value))
            }
            return .object(object)
        case .literal(let literal):
            return literal
        case .pipe(let left, let right):
            return try right.evaluate(try left.evaluate(value))
        case .or(let left, let right):
            let result = try left.evaluate(value)
            return result.isTruthy ? result : try right.evaluate(value)
        case .and(let left, let right):
            let result = try left.evaluate(value)
            return result.isTruthy ? try right.evaluate(value) : result
        case .not(let inner):
            return .bool(!(try inner.evaluate(value).isTruthy))
        case .comparison(let op, let left, let right):
            return Node.compare(op, try left.evaluate(value), try right.evaluate(value))
        case .call(let call):
            return try call.evaluate(value)
        case .reference:
            // A bare `&expr` outside a function argument has no JSON value.
            return .null
        }
    }

    /// `self` over each element, dropping nulls.
    @inline(__always)
    private func project(_ items: [Value]) throws(ExpressionError) -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(items.count)
        if case .current = self {
            for item in items where !item.isNull { out.append(item) }
            return out
        }
        for item in items {
            let result = try evaluate(item)
            if !result.isNull { out.append(result) }
        }
        return out
    }

    private static func follow(_ path: [FieldKey], from value: Value) -> Value {
        guard case .object(let first) = value, var current = path[0].lookup(in: first) else { return .null }
        for key in path.dropFirst() {
            guard case .object(let object) = current, let next = key.lookup(in: object) else { return .null }
            current = next
        }
        return current
    }

    /// Python slice semantics, which JMESPath adopts.
    static func slice(_ items: [Value], start: Int?, stop: Int?, step: Int) -> [Value] {
        let count = items.count
        func clamp(_ endpoint: Int) -> Int {
            if endpoint < 0 {
                let shifted = endpoint + count
                return shifted < 0 ? (step < 0 ? -1 : 0) : shifted
            }
            if endpoint >= count { return step < 0 ? count - 1 : count }
            return endpoint
        }
        let from = start.map(clamp) ?? (step < 0 ? count - 1 : 0)
        let to = stop.map(clamp) ?? (step < 0 ? -1 : count)
        var out: [Value] = []
        if step > 0 {
            out.reserveCapacity(max(0, (to - from + step - 1) / step))
            var i = from
            while i < to { out.append(items[i]); i += step }
        } else {
            var i = from
            while i > to { out.append(items[i]); i += step }
        }
        return out
    }

    /// Equality is JSON equality; ordering is defined for two numbers or two strings
    /// and is `null` otherwise.
    static func compare(_ op: Comparator, _ left: Value, _ right: Value) -> Value {
        switch op {
        case .eq: return .bool(left == right)
        case .ne: return .bool(left != right)
        default:
            let order: Int
            if left.isNumber && right.isNumber {
                // NaN is unordered; answering false for every comparison would be a lie.
                if left.doubleValue!.isNaN || right.doubleValue!.isNaN { return .null }
                order = Value.compareNumbers(left, right)
            } else if case .string(let a) = left, case .string(let b) = right {
                order = Value.compareStrings(a, b)
            } else {
                return .null
            }
            switch op {
            case .lt: return .bool(order < 0)
            case .lte: return .bool(order <= 0)
            case .gt: return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        }
    }
}

extension FunctionCall {
    /// Evaluates the arguments, checks their types against the signature, and calls.
    func evaluate(_ value: Value) throws(ExpressionError) -> Value {
        var values = FunctionArguments(call: self)
        // By index from the buffer: iterating the array would retain every argument's node.
        try arguments.withUnsafeBufferPointer { (arguments) throws(ExpressionError) in
            for index in arguments.indices {
                // An expression reference is passed unevaluated; its slot holds null.
                if arguments[index].isReference { values.append(.null) } else { values.append(try arguments[index].evaluate(value)) }
            }
        }
        do {
            try function.checkTypes(values, arguments)
            return try function.body(values)
        } catch {
            var located = error
            if located.offset < 0 { located.offset = offset }
            throw located
        }
    }
}
