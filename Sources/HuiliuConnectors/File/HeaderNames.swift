/// The column names of a header row, as CSV and XLSX read them.
enum HeaderNames {
    /// `names` (already trimmed) with each empty one numbered (`column_3`: exports end rows with
    /// empty cells), and the first name given twice with its two column numbers: a second column
    /// of one name would overwrite the first's values, so the callers refuse the file.
    static func resolve(_ names: [String]) -> (names: [String], repeated: (name: String, first: Int, second: Int)?) {
        let named = names.enumerated().map { $1.isEmpty ? "column_\($0 + 1)" : $1 }
        var seen: [String: Int] = [:]
        for (index, name) in named.enumerated() {
            if let earlier = seen[name] { return (named, (name, earlier + 1, index + 1)) }
            seen[name] = index
        }
        return (named, nil)
    }
}
