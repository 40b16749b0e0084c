/// Parses FTP `LIST` and SFTP directory output: Unix `ls -l` lines and Windows/IIS DOS lines.
public enum DirectoryListing {
    /// The entries of `text`, without `.` and `..`; lines in neither format are skipped.
    /// - Parameters:
    ///   - text: the listing as the server sent it.
    ///   - now: seconds since 1970, to infer the year of `Mon DD HH:MM` dates (the most recent
    ///     such date not more than two days ahead).
    public static func parse(_ text: String, now: Int64) -> [RemoteFileEntry] {
        parse(Array(text.utf8), now: now)
    }

    /// The entries of a listing as the server sent it, line by line in UTF-8 or, for a line that
    /// is not, GB18030: such an entry keeps its name's bytes (``RemoteFileEntry/nameBytes``),
    /// as does one in neither, named with replacement characters.
    public static func parse(_ bytes: [UInt8], now: Int64) -> [RemoteFileEntry] {
        var entries = parseLines(bytes, now: now)
        // Names read from other bytes may come out the same (年报.csv in UTF-8 and in GBK, two
        // names of stray bytes): each such one is named by its bytes, percent-encoded, so state
        // kept by name tells the files apart.
        var counts: [String: Int] = [:]
        for entry in entries { counts[entry.name, default: 0] += 1 }
        for index in entries.indices where entries[index].nameBytes != nil && counts[entries[index].name, default: 0] > 1 {
            entries[index].name = entries[index].urlPathComponent
        }
        return entries
    }

    private static func parseLines(_ bytes: [UInt8], now: Int64) -> [RemoteFileEntry] {
        bytes.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }).compactMap { raw -> RemoteFileEntry? in
            let (text, reading) = ListingEncoding.decode(raw)
            let line = Substring(text)
            guard var entry = parseUnix(line, now: now) ?? parseDOS(line),
                  entry.name != ".", entry.name != "..", !entry.name.isEmpty else { return nil }
            switch reading {
            case .utf8:
                break
            case .gb18030:
                guard let bytes = ListingEncoding.gb18030(entry.name) else { return nil }
                entry.nameBytes = bytes
            case .latin1:
                // Bytes in no known encoding: the file is still fetched by them, and named
                // with replacement characters where they are not UTF-8.
                let bytes = entry.name.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
                entry.nameBytes = bytes
                entry.name = String(decoding: bytes, as: UTF8.self)
                entry.linkTarget = entry.linkTarget.map { String(decoding: $0.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }, as: UTF8.self) }
            }
            return entry
        }
    }

    /// `-rw-r--r--    1 0        0            6 Nov 29 02:15 a.txt`
    static func parseUnix(_ line: Substring, now: Int64) -> RemoteFileEntry? {
        let tokens = words(line)
        guard tokens.count >= 6, let type = tokens[0].text.first, "-dlbcps".contains(type) else { return nil }
        for m in 2..<(tokens.count - 2) {
            guard let month = CivilDate.month(abbreviation: tokens[m].text), let day = Int(tokens[m + 1].text),
                  (1...31).contains(day), let size = Int64(tokens[m - 1].text), m + 3 <= tokens.count
            else { continue }
            let when = tokens[m + 2].text
            var modified: Int64
            var precision = RemoteFileEntry.Precision.minute
            if let year = Int(when), when.count == 4 {
                modified = CivilDate.days(year: year, month: month, day: day) * 86_400
                precision = .day
            } else {
                let clock = when.split(separator: ":")
                guard clock.count == 2, let h = Int(clock[0]), let mm = Int(clock[1]) else { continue }
                let thisYear = CivilDate.date(days: now / 86_400).year
                modified = CivilDate.days(year: thisYear, month: month, day: day) * 86_400 + Int64(h * 3600 + mm * 60)
                if modified > now + 2 * 86_400 {
                    modified = CivilDate.days(year: thisYear - 1, month: month, day: day) * 86_400 + Int64(h * 3600 + mm * 60)
                }
            }
            // The name is everything after the single space that follows the date.
            var rest = line[tokens[m + 2].range.upperBound...]
            if rest.first == " " { rest = rest.dropFirst() }
            guard !rest.isEmpty else { return nil }
            var name = String(rest)
            var target: String?
            let kind: RemoteFileEntry.Kind
            switch type {
            case "-": kind = .file
            case "d": kind = .directory
            case "l":
                kind = .symbolicLink
                if let arrow = rest.firstRange(of: " -> ") {
                    name = String(rest[..<arrow.lowerBound])
                    target = String(rest[arrow.upperBound...])
                }
            default: kind = .other
            }
            return RemoteFileEntry(name: name, kind: kind, size: kind == .directory ? nil : size, modified: modified,
                                   modifiedPrecision: precision, permissions: String(tokens[0].text), linkTarget: target)
        }
        return nil
    }

    /// `11-29-23  02:13PM       <DIR>          reports` or `11-29-2023  02:13PM   1234 a.csv`
    static func parseDOS(_ line: Substring) -> RemoteFileEntry? {
        let tokens = words(line)
        guard tokens.count >= 4 else { return nil }
        let date = tokens[0].text.split(separator: "-")
        guard date.count == 3, let month = Int(date[0]), let day = Int(date[1]), var year = Int(date[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        if date[2].count == 2 { year += year < 70 ? 2000 : 1900 }
        var time = tokens[1].text
        let pm = time.hasSuffix("PM"), am = time.hasSuffix("AM")
        if pm || am { time = time.dropLast(2) }
        let clock = time.split(separator: ":")
        guard clock.count == 2, var hour = Int(clock[0]), let minute = Int(clock[1]) else { return nil }
        if pm && hour < 12 { hour += 12 }
        if am && hour == 12 { hour = 0 }
        let modified = CivilDate.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60)
        var rest = line[tokens[2].range.upperBound...]
        while rest.first == " " { rest = rest.dropFirst() }
        guard !rest.isEmpty else { return nil }
        if tokens[2].text == "<DIR>" {
            return RemoteFileEntry(name: String(rest), kind: .directory, modified: modified, modifiedPrecision: .minute)
        }
        guard let size = Int64(tokens[2].text) else { return nil }
        return RemoteFileEntry(name: String(rest), kind: .file, size: size, modified: modified, modifiedPrecision: .minute)
    }

    private static func words(_ line: Substring) -> [(text: Substring, range: Range<Substring.Index>)] {
        var result: [(Substring, Range<Substring.Index>)] = []
        var index = line.startIndex
        while index < line.endIndex {
            while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
            let start = index
            while index < line.endIndex, line[index] != " " && line[index] != "\t" { index = line.index(after: index) }
            if start < index { result.append((line[start..<index], start..<index)) }
        }
        return result
    }
}
