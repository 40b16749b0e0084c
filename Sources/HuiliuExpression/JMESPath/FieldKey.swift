import HuiliuCore
import Synchronization

/// A field name in a compiled expression, with a guess of where the last object had it.
///
/// Records of one stream share their shape, so the member found at position 7 last time is
/// almost always at position 7 again: one comparison instead of a scan of the object.
final class FieldKey: Sendable {
    let name: String
    private let hint = Atomic<Int>(0)

    init(_ name: String) {
        self.name = name
    }

    /// The member `name` of `object`, if any.
    @inline(__always)
    func lookup(in object: Object) -> Value? {
        if let value = object.value(at: hint.load(ordering: .relaxed), ifKeyIs: name) { return value }
        guard let position = object.position(of: name) else { return nil }
        hint.store(position, ordering: .relaxed)
        return object.value(at: position)
    }
}
