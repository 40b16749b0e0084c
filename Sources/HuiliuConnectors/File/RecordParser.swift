import HuiliuCore

/// One file format's way of cutting a byte window into records.
protocol RecordParser {
    /// Parses the next record from `window`, filling it as needed. Returns `nil` at the end
    /// of input. Malformed input the parser can step over comes back as `.rejected`;
    /// input it cannot recover from throws.
    mutating func next(_ window: ByteWindow) throws -> ParsedItem?
    /// The line the next record starts on (1-based).
    var line: Int { get }
    /// Extra state to save in the checkpoint (a CSV header's column names …).
    var checkpointState: Value { get }
    /// Something to warn of once the file is read (a records path that led nowhere).
    var notice: String? { get }
}

extension RecordParser {
    var notice: String? { nil }
}

/// What a parser found.
enum ParsedItem {
    case record(Value, line: Int)
    case rejected(reason: String, raw: String, line: Int)
}

extension ParsedItem {
    /// The line the item starts on.
    var line: Int {
        switch self {
        case .record(_, let line), .rejected(_, _, let line): line
        }
    }
}
