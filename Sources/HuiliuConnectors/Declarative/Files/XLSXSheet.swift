import HuiliuCore

/// The rows of one sheet of an XLSX workbook (Office Open XML) as records, read as the sheet
/// inflates: the first non-empty row is the header, later rows become objects keyed by it.
/// Shared strings, inline strings, numbers (to Excel's 15 significant digits), booleans and
/// formula results are read; cells a row lacks, and error cells, are `null`. A number whose
/// cell is styled as a date or time is read as Excel shows it: `2024-03-05`,
/// `2024-03-05T08:30:00` or `08:30:00` (see ``XLSXDateStyle``).
final class XLSXSheet {
    /// The sheet read.
    let name: String
    private let file: String
    private let xml: XMLPartReader
    private let shared: SharedStrings
    private let styles: [XLSXDateStyle?]
    private let date1904: Bool
    private var header: [String]?
    /// The header's columns without a name (`column_N`).
    private var unnamed: Set<Int> = []
    /// A sheet's size (ECMA-376 and Excel: A1 to XFD1048576) and a cell's, 32,767 characters
    /// (at most four bytes each): past them a file is damaged, or made to exhaust memory.
    static let maximumRows = 1_048_576, maximumColumns = 16_384, maximumCellBytes = 4 * 32_767
    /// The workbook's list of sheets, their relationships and styles: kilobytes, read whole.
    static let maximumPartBytes = 64 << 20

    /// The number of the last row read: a row without `r` is the one after it.
    private var lastRow = 0
    /// What the reader should warn of (styles that could not be read).
    private(set) var warnings: [String] = []
    /// The bytes of text in the row being read: 16,384 cells of 32,767 characters would be
    /// gigabytes.
    static let maximumRowBytes = 16 << 20

    /// The sheet called `sheet`, or the first, of the workbook `bytes`; `file` names it in errors.
    init(_ bytes: [UInt8], sheet: String?, file: String) throws {
        let zip: ZipArchive
        do {
            zip = try ZipArchive(bytes)
        } catch {
            throw ZipError("\(file): \(error); not an XLSX workbook")
        }
        // A part that cannot be read names the workbook too.
        func named<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let error as ZipError where !error.description.hasPrefix(file + ": ") {
                throw ZipError("\(file): \(error)")
            }
        }
        guard let workbook = try named({ try zip.data("xl/workbook.xml", maximumSize: Self.maximumPartBytes) }) else {
            throw ZipError("\(file): no xl/workbook.xml; not an XLSX workbook")
        }
        let (sheets, date1904) = try XLSXReader.sheets(workbook, file)
        guard let chosen = sheet.map({ name in sheets.first { $0.name == name } }) ?? sheets.first else {
            throw ZipError("\(file): no sheet '\(sheet ?? "")'; the workbook has \(sheets.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        var target = "worksheets/sheet1.xml"
        if let rels = try named({ try zip.data("xl/_rels/workbook.xml.rels", maximumSize: Self.maximumPartBytes) }) {
            target = try XLSXReader.target(of: chosen.id, rels, file) ?? target
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        try named { try zip.verify(path) }
        guard let member = try named({ try zip.stream(path) }) else {
            throw ZipError("\(file): sheet '\(chosen.name)' (\(path)) is missing")
        }
        // The table is held while the sheet is read, up to a gigabyte of text.
        shared = try named {
            try zip.stream("xl/sharedStrings.xml", maximumSize: ZipArchive.maximumMemberSize).map { try Self.sharedStrings($0, file) } ?? SharedStrings()
        }
        // Styles that cannot be read leave numbers as numbers rather than the workbook unread,
        // with a warning: date columns read as serial numbers.
        do {
            styles = try zip.data("xl/styles.xml", maximumSize: Self.maximumPartBytes).map { try XLSXReader.dateStyles($0, file) } ?? []
        } catch {
            styles = []
            warnings.append("\(error); dates in the sheet read as Excel's serial numbers")
        }
        xml = try XMLPartReader(member, file: file, part: "sheet")
        name = chosen.name
        self.file = file
        self.date1904 = date1904
    }

    /// The next record and its row number, `nil` after the last.
    func next() throws -> (line: Int, value: Value)? {
        while let (number, cells) = try nextRow() {
            if cells.values.allSatisfy({ $0.isNull || $0 == "" }) { continue }
            guard let names = header else {
                let width = (cells.keys.max() ?? -1) + 1
                // An empty cell styled as a header is no name: column_N.
                let written = (0..<width).map { index in
                    cells[index].flatMap { $0.isNull ? nil : ($0.stringValue ?? $0.jsonText) }?.trimmingSpaces ?? ""
                }
                let resolved = HeaderNames.resolve(written)
                if let (name, first, second) = resolved.repeated {
                    throw ZipError("\(file): row \(number), the header, has duplicate column '\(name)' (columns \(first) and \(second))")
                }
                header = resolved.names
                unnamed = Set(written.indices.filter { written[$0].isEmpty })
                continue
            }
            if let beyond = cells.first(where: { $0.key >= names.count && !$0.value.isNull && $0.value != "" }) {
                // A title row above the header (说明：…) makes a one-column "header": say so,
                // rather than drop every other column of every row.
                throw ZipError("""
                    \(file): row \(number) has a value in column \(beyond.key + 1), beyond the header's \(names.count) \
                    (the first non-empty row, \(names.map { "'\($0)'" }.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : "")): \
                    is that row a title above the real header?
                    """)
            }
            var object = Object(minimumCapacity: names.count)
            // A column without a name in the header is in a record only where it holds a value:
            // a header cell at XFD1 gave every record 16,384 members, nearly all null.
            for (index, name) in names.enumerated() where cells[index] != nil || !unnamed.contains(index) {
                object[name] = cells[index] ?? .null
            }
            return (number, .object(object))
        }
        return nil
    }

    /// The next node of the sheet's XML. A fault in it names the last row begun: libxml2 reads
    /// ahead, so it is there or after it.
    private func advance() throws -> Bool {
        do {
            return try xml.advance()
        } catch let error as ZipError where lastRow > 0 {
            throw ZipError("\(error.description), at or after row \(lastRow)")
        }
    }

    /// The next row of the sheet's XML: its number and its cells by column.
    private func nextRow() throws -> (Int, [Int: Value])? {
        var rowNumber = 0
        var cells: [Int: Value] = [:]
        var next = 0
        var column = 0, type = "n", style = 0
        var raw: String?, inline = ""
        var inValue = false, inInline = false, inPhonetic = false, inText = false
        var rowBytes = 0
        while try advance() {
            switch xml.kind {
            case XMLPartReader.elementStart:
                let empty = xml.isEmptyElement
                switch xml.name {
                case "row":
                    let written = xml.attribute("r")
                    rowNumber = written.map { Int($0) ?? -1 } ?? lastRow + 1
                    // Digits past Int64 are a row outside the sheet, as below; anything else is no number.
                    guard rowNumber != -1 || written.map({ Int($0) != nil || (!$0.isEmpty && $0.utf8.allSatisfy { (0x30...0x39).contains($0) }) }) ?? true else {
                        throw ZipError("\(file): a row's number, r=\"\(written ?? "")\", is not a whole number: a damaged file")
                    }
                    guard (1...Self.maximumRows).contains(rowNumber) else {
                        throw ZipError("\(file): row \(written ?? String(rowNumber)) is outside rows 1 to \(Self.maximumRows), those a sheet has: a damaged file")
                    }
                    lastRow = rowNumber
                    rowBytes = 0
                    cells = [:]
                    next = 0
                    if empty { return (rowNumber, cells) }
                case "c":
                    column = xml.attribute("r").flatMap(XLSXReader.columnIndex) ?? next
                    guard column < Self.maximumColumns else {
                        throw ZipError("\(file): row \(rowNumber) has a cell past column XFD, the last a sheet has: a damaged file")
                    }
                    type = xml.attribute("t") ?? "n"
                    style = xml.attribute("s").flatMap { Int($0) } ?? 0
                    raw = nil
                    inline = ""
                    if empty {
                        cells[column] = .null
                        next = column + 1
                    }
                case "v": if !empty { inValue = true; raw = raw ?? "" }
                case "is": if !empty { inInline = true }
                case "t": if !empty { inText = true }
                case "rPh": if !empty { inPhonetic = true }  // phonetic runs are not cell text
                default: break
                }
            case let kind where XMLPartReader.textKinds.contains(kind):
                guard let text = xml.text else { break }
                // An inline string's text is in its `t` elements: not the indentation between them.
                if inValue { raw! += text } else if inInline && inText && !inPhonetic { inline += text }
                rowBytes += text.utf8.count
                if (raw?.utf8.count ?? 0) + inline.utf8.count > Self.maximumCellBytes {
                    throw ZipError("\(file): row \(rowNumber) has a cell longer than a spreadsheet cell can be (32,767 characters): a damaged file")
                }
                if rowBytes > Self.maximumRowBytes {
                    throw ZipError("\(file): row \(rowNumber) holds more than \(Self.maximumRowBytes >> 20) MiB of text: a damaged file")
                }
            case XMLPartReader.elementEnd:
                switch xml.name {
                case "v": inValue = false
                case "is": inInline = false
                case "t": inText = false
                case "rPh": inPhonetic = false
                case "c":
                    // A string the table does not have: the table was cut short, or the sheet damaged.
                    if type == "s", let raw, !raw.isEmpty, Int(raw).map({ !shared.contains($0) }) ?? true {
                        throw ZipError("\(file): row \(rowNumber) has a cell that refers to shared string '\(raw)', but the workbook has \(shared.count): a damaged file")
                    }
                    cells[column] = XLSXReader.cellValue(type: type, raw: raw, inline: inline, shared: shared,
                                                         date: styles.indices.contains(style) ? styles[style] : nil, date1904: date1904)
                    next = column + 1
                case "row": return (rowNumber, cells)
                default: break
                }
            default: break
            }
        }
        return nil
    }

    /// The shared string table: each item's text, from its `t` elements directly or in
    /// rich-text runs, with ECMA-376's escapes decoded. Phonetic runs (`rPh`) and the
    /// indentation of a pretty-printed part between elements are not text.
    private static func sharedStrings(_ member: ZipArchive.MemberStream, _ file: String) throws -> SharedStrings {
        let xml = try XMLPartReader(member, file: file, part: "shared string table")
        var strings = SharedStrings()
        func append(_ item: String) throws {
            guard strings.append(item) else {
                throw ZipError("\(file): the shared string table holds more than \(SharedStrings.maximumItems) items or \(SharedStrings.maximumBytes >> 20) MiB: a damaged file, or save the sheet as CSV")
            }
        }
        var current = "", inText = false, inPhonetic = false
        while try xml.advance() {
            switch xml.kind {
            case XMLPartReader.elementStart:
                switch xml.name {
                case "si":
                    current = ""
                    if xml.isEmptyElement { try append("") }
                case "t": inText = !xml.isEmptyElement
                case "rPh": inPhonetic = !xml.isEmptyElement
                default: break
                }
            case let kind where XMLPartReader.textKinds.contains(kind):
                if inText && !inPhonetic, let text = xml.text {
                    current += text
                    if current.utf8.count > maximumCellBytes {
                        throw ZipError("\(file): the shared string table has an item longer than a spreadsheet cell can be (32,767 characters): a damaged file")
                    }
                }
            case XMLPartReader.elementEnd:
                switch xml.name {
                case "si": try append(XLSXReader.unescaped(current))
                case "t": inText = false
                case "rPh": inPhonetic = false
                default: break
                }
            default: break
            }
        }
        return strings
    }
}
