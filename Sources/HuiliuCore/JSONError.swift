/// Why a JSON text was rejected, and at which byte.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero-based byte offset of the fault in the input.
    public var offset: Int
    /// What was wrong, in words.
    public var message: String
    /// True when the input ended inside a value: more bytes could make it valid.
    public var isIncomplete: Bool

    /// An error at `offset`.
    public init(offset: Int, message: String, isIncomplete: Bool = false) {
        self.offset = offset
        self.message = message
        self.isIncomplete = isIncomplete
    }

    public var description: String { "byte \(offset): \(message)" }
}
