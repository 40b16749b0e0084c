/// A workbook's shared string table, held as one UTF-8 buffer and where each item ends: an
/// item costs its bytes and four more, where a `String` each cost sixteen and more (a table of
/// 200 MB of `<si/>` took 1.4 GB).
struct SharedStrings {
    private var bytes: [UInt8] = []
    private var ends: [UInt32] = []

    /// The most items and bytes held: past them a table is damaged, or made to exhaust memory.
    static let maximumItems = 32 << 20, maximumBytes = 1 << 30

    var count: Int { ends.count }

    /// Adds `item`; `false` when the table is full.
    mutating func append(_ item: String) -> Bool {
        guard ends.count < Self.maximumItems, bytes.count + item.utf8.count <= Self.maximumBytes else { return false }
        bytes.append(contentsOf: item.utf8)
        ends.append(UInt32(bytes.count))
        return true
    }

    /// Whether the table has an item `index`.
    func contains(_ index: Int) -> Bool { index >= 0 && index < ends.count }

    /// Item `index`, `nil` past the table.
    subscript(index: Int) -> String? {
        guard contains(index) else { return nil }
        let start = index == 0 ? 0 : Int(ends[index - 1]), end = Int(ends[index])
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }
}
