/// A JSON object whose members keep the order they were inserted in.
///
/// Records rarely have more than a few dozen fields, so members live in one array and
/// lookups scan it; that beats hashing for the sizes seen in practice and keeps parsing
/// to a single allocation per object. Large objects get a hash index on top.
public struct Object: Sendable {
    /// One key and its value.
    public typealias Member = (key: String, value: Value)

    var members: [Member]
    var index: [String: Int]?

    static let indexThreshold = 24

    /// The number of members.
    public var count: Int { members.count }

    /// True when the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The keys in insertion order.
    public var keys: [String] { members.map(\.key) }

    /// The values in insertion order.
    public var values: [Value] { members.map(\.value) }

    /// The position of `key`, if present.
    public func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.withUnsafeBufferPointer { members in
            for i in members.indices where members[i].key == key { return i }
            return nil
        }
    }

    /// The value for `key`; assigning `nil` removes the member.
    public subscript(key: String) -> Value? {
        get {
            guard let i = position(of: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    if index != nil { rebuildIndex() }
                }
            } else if let newValue {
                members.append((key, newValue))
                if index != nil {
                    index![key] = members.count - 1
                } else if members.count > Self.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// Appends a member without checking for an existing key: for parsers that check
    /// duplicates themselves.
    public mutating func appendUnchecked(key: String, value: Value) {
        members.append((key, value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    /// Removes and returns the value for `key`.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = position(of: key) else { return nil }
        let removed = members.remove(at: i).value
        if index != nil { rebuildIndex() }
        return removed
    }

    private mutating func rebuildIndex() {
        var map = [String: Int](minimumCapacity: members.count)
        for (i, member) in members.enumerated() { map[member.key] = i }
        index = map
    }
}

extension Object {
    // The initializers delegate to the memberwise one: an initializer that assigns `members`
    // compiles (in Swift 6.3) into a copy and a destroy of the object, and objects are made
    // several times per record.

    /// An empty object.
    public init() {
        self.init(members: [], index: nil)
    }

    /// An object with room for `capacity` members.
    public init(minimumCapacity capacity: Int) {
        var members: [Member] = []
        members.reserveCapacity(capacity)
        self.init(members: members, index: nil)
    }

    /// An object from members; a later duplicate key replaces the earlier value in place.
    public init(_ pairs: some Sequence<(String, Value)>) {
        self.init(members: [], index: nil)
        for (key, value) in pairs { self[key] = value }
    }

    /// Members in insertion order, assuming the caller guarantees unique keys.
    package init(uniqueMembers: [Member]) {
        self.init(members: uniqueMembers, index: nil)
        if members.count > Self.indexThreshold { rebuildIndex() }
    }
}

extension Object: Sequence {
    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }
}

extension Object: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, Value)...) {
        self.init(elements)
    }
}

extension Object {
    /// The value at `position` if the member there is `key`: the check behind cached lookups,
    /// which guess where a key is because records of one stream share their shape.
    public func value(at position: Int, ifKeyIs key: String) -> Value? {
        // Through the buffer, the member is borrowed: the array's subscript would copy the
        // whole (key, value) pair, a retain and release of the key on every lookup.
        members.withUnsafeBufferPointer { members in
            guard position < members.count, members[position].key == key else { return nil }
            return members[position].value
        }
    }

    /// The value at `position` (which must be valid).
    public func value(at position: Int) -> Value {
        members.withUnsafeBufferPointer { $0[position].value }
    }
}

extension Object {
    /// Calls `body` with the members in place. Reading `members[i].key` and `.value` from the
    /// buffer borrows them, where iterating the object copies (and retains) every pair: the
    /// way for code that visits every member of every record.
    public func withMembers<Result>(_ body: (UnsafeBufferPointer<Member>) throws -> Result) rethrows -> Result {
        try members.withUnsafeBufferPointer(body)
    }
}
