import Foundation

/// A range of a source's cursor to read again, as given on the command line
/// (`huiliu run budget-payments --backfill 2024-01-01..2024-02-01`).
///
/// The bounds stay text: each source reads them in its own cursor's terms (a date, a
/// timestamp, an integer id). A backfill reads the range without moving the saved cursor,
/// so the next scheduled run resumes where it would have.
public struct BackfillRange: Sendable, Hashable, CustomStringConvertible {
    /// The first cursor value to read (inclusive).
    public var from: String
    /// Where reading stops (exclusive).
    public var to: String

    /// A range from `from` to `to`.
    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// Reads `FROM..TO`; `nil` when the text has no `..` or an empty bound.
    public init?(parsing text: String) {
        guard let separator = text.range(of: "..") else { return nil }
        let from = String(text[..<separator.lowerBound]).trimmingSpaces
        let to = String(text[separator.upperBound...]).trimmingSpaces
        guard !from.isEmpty, !to.isEmpty else { return nil }
        self.init(from: from, to: to)
    }

    public var description: String { "\(from)..\(to)" }

    /// True when nothing can lie in the range, as far as its bounds can be compared without
    /// knowing the cursor: two integers, or texts of one length (ISO dates and times), with
    /// `from` not before `to` (which is exclusive).
    public var isEmpty: Bool {
        if let low = Int(from), let high = Int(to) { return low >= high }
        return from.count == to.count && from >= to
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
