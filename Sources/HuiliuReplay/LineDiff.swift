/// A line diff for golden files: the longest common subsequence of lines, printed as
/// `-` (only expected) and `+` (only actual) lines with the line numbers they are at.
enum LineDiff {
    static func render(expected: [String], actual: [String], limit: Int) -> String {
        // Skip the common prefix and suffix so the table stays small for typical changes.
        var start = 0
        while start < expected.count, start < actual.count, expected[start] == actual[start] { start += 1 }
        var endE = expected.count, endA = actual.count
        while endE > start, endA > start, expected[endE - 1] == actual[endA - 1] {
            endE -= 1
            endA -= 1
        }
        let e = Array(expected[start..<endE]), a = Array(actual[start..<endA])
        var out: [String] = []
        if e.count * a.count > 4_000_000 {
            // Too large to align: report line by line.
            for i in 0..<max(e.count, a.count) where out.count < limit {
                if i < e.count { out.append("-\(start + i + 1): \(e[i])") }
                if i < a.count { out.append("+\(start + i + 1): \(a[i])") }
            }
        } else {
            var table = [[Int]](repeating: [Int](repeating: 0, count: a.count + 1), count: e.count + 1)
            for i in stride(from: e.count - 1, through: 0, by: -1) {
                for j in stride(from: a.count - 1, through: 0, by: -1) {
                    table[i][j] = e[i] == a[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
                }
            }
            var i = 0, j = 0
            while (i < e.count || j < a.count) && out.count < limit {
                if i < e.count, j < a.count, e[i] == a[j] {
                    i += 1
                    j += 1
                } else if j < a.count, i == e.count || table[i][j + 1] > table[i + 1][j] {
                    out.append("+\(start + j + 1): \(a[j])")
                    j += 1
                } else {
                    out.append("-\(start + i + 1): \(e[i])")
                    i += 1
                }
            }
        }
        let changed = e.count + a.count
        if out.count >= limit { out.append("… (\(changed) differing lines around lines \(start + 1)–\(start + max(e.count, a.count)))") }
        return out.joined(separator: "\n")
    }
}
