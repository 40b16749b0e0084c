import CLibXML2
import Glibc
import HuiliuCore

/// Reads the rows of one sheet of an XLSX workbook (Office Open XML) as records: the first
/// non-empty row is the header, later rows become objects keyed by it. Shared strings,
/// inline strings, numbers (to Excel's 15 significant digits), booleans and formula results
/// are read; cells a row lacks, and error cells, are `null`. A number whose cell is styled
/// as a date or time is read as Excel shows it: `2024-03-05`, `2024-03-05T08:30:00` or
/// `08:30:00` (see ``XLSXDateStyle``).
enum XLSXReader {
    /// The rows of the sheet called `sheet`, or of the first sheet.
    static func rows(_ bytes: [UInt8], sheet: String?, file: String) throws -> [(line: Int, value: Value)] {
        let zip: ZipArchive
        do {
            zip = try ZipArchive(bytes)
        } catch {
            throw ZipError("\(file): \(error); not an XLSX workbook")
        }
        // A part that cannot be read names the workbook too.
        func part(_ name: String) throws -> [UInt8]? {
            do { return try zip.data(name) } catch { throw ZipError("\(file): \(error)") }
        }
        guard let workbook = try part("xl/workbook.xml") else { throw ZipError("\(file): no xl/workbook.xml; not an XLSX workbook") }
        var sheets: [(name: String, id: String)] = []
        var date1904 = false
        try withDocument(workbook, file) { root in
            for node in descendants(root, named: "sheet") {
                sheets.append((attribute(node, "name") ?? "", attribute(node, "id") ?? ""))
            }
            // A workbook from old Mac Excel counts days from 1904-01-01.
            date1904 = descendants(root, named: "workbookPr").contains { ["1", "true"].contains(attribute($0, "date1904") ?? "") }
        }
        guard let chosen = sheet.map({ name in sheets.first { $0.name == name } }) ?? sheets.first else {
            throw ZipError("\(file): no sheet '\(sheet ?? "")'; the workbook has \(sheets.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        var target = "worksheets/sheet1.xml"
        if let rels = try part("xl/_rels/workbook.xml.rels") {
            try withDocument(rels, file) { root in
                for node in descendants(root, named: "Relationship") where attribute(node, "Id") == chosen.id {
                    target = attribute(node, "Target") ?? target
                }
            }
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard let sheetData = try part(path) else { throw ZipError("\(file): sheet '\(chosen.name)' (\(path)) is missing") }
        var shared: [String] = []
        if let strings = try part("xl/sharedStrings.xml") {
            try withDocument(strings, file) { root in
                for item in children(root, named: "si") { shared.append(text(item)) }
            }
        }
        // Styles that cannot be read leave numbers as numbers rather than the workbook unread.
        let styles = (try? part("xl/styles.xml").map { try dateStyles($0, file) }) ?? []
        var header: [String]?
        var rows: [(Int, Value)] = []
        // The sheet is read as a stream of XML events, not as a document tree: a tree of a large
        // sheet took gigabytes (2.7 GB for 300,000 rows).
        try scanRows(sheetData, file, shared: shared, styles: styles, date1904: date1904) { number, cells in
                if cells.values.allSatisfy({ $0.isNull || $0 == "" }) { return }
                guard let names = header else {
                    let width = (cells.keys.max() ?? -1) + 1
                    // An empty cell styled as a header is no name: column_N.
                    let resolved = HeaderNames.resolve((0..<width).map { index in
                        cells[index].flatMap { $0.isNull ? nil : textOf($0) }?.trimmingSpaces ?? ""
                    })
                    if let (name, first, second) = resolved.repeated {
                        throw ZipError("\(file): row \(number), the header, has duplicate column '\(name)' (columns \(first) and \(second))")
                    }
                    header = resolved.names
                    return
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
                for (index, name) in names.enumerated() { object[name] = cells[index] ?? .null }
                rows.append((number, .object(object)))
        }
        return rows
    }

    /// Calls `body` with each row of a sheet's XML (its number and cells by column), reading the
    /// XML as a stream of events.
    private static func scanRows(_ bytes: [UInt8], _ file: String, shared: [String], styles: [XLSXDateStyle?], date1904: Bool,
                                 _ body: (Int, [Int: Value]) throws -> Void) throws {
        let flags = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_HUGE.rawValue)
        try bytes.withUnsafeBufferPointer { buffer in
            let reader = buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                xmlReaderForMemory($0, Int32(buffer.count), "sheet.xml", nil, flags)
            }
            guard let reader else { throw ZipError("\(file): the sheet is not valid XML") }
            defer { xmlFreeTextReader(reader) }
            func attribute(_ name: String) -> String? {
                guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
                defer { free(value) }  // libxml2 allocates with malloc (xmlFree is free)
                return String(cString: value)
            }
            var rowNumber = 0, rowsSeen = 0
            var cells: [Int: Value] = [:]
            var next = 0
            var column = 0, type = "n", style = 0
            var raw: String?, inline = ""
            var inValue = false, inInline = false, inPhonetic = false, inText = false
            while true {
                let status = xmlTextReaderRead(reader)
                if status == 0 { break }
                guard status == 1 else { throw ZipError("\(file): the sheet is not valid XML") }
                let kind = xmlTextReaderNodeType(reader)
                let name = xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? ""
                switch kind {
                case 1:  // element start
                    let empty = xmlTextReaderIsEmptyElement(reader) == 1
                    switch name {
                    case "row":
                        rowsSeen += 1
                        rowNumber = attribute("r").flatMap { Int($0) } ?? rowsSeen
                        cells = [:]
                        next = 0
                        if empty { try body(rowNumber, cells) }
                    case "c":
                        column = attribute("r").flatMap(columnIndex) ?? next
                        type = attribute("t") ?? "n"
                        style = attribute("s").flatMap { Int($0) } ?? 0
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
                case 3, 4, 13, 14:  // text, CDATA, whitespace (a run of spaces is cell text too)
                    guard let text = xmlTextReaderConstValue(reader).map({ String(cString: $0) }) else { break }
                    // An inline string's text is in its `t` elements: not the indentation between them.
                    if inValue { raw! += text } else if inInline && inText && !inPhonetic { inline += text }
                case 15:  // element end
                    switch name {
                    case "v": inValue = false
                    case "is": inInline = false
                    case "t": inText = false
                    case "rPh": inPhonetic = false
                    case "c":
                        cells[column] = cellValue(type: type, raw: raw, inline: inline, shared: shared,
                                                  date: styles.indices.contains(style) ? styles[style] : nil, date1904: date1904)
                        next = column + 1
                    case "row": try body(rowNumber, cells)
                    default: break
                    }
                default: break
                }
            }
        }
    }

    private static func textOf(_ value: Value) -> String {
        value.stringValue ?? value.jsonText
    }

    private static func cellValue(type: String, raw: String?, inline: String, shared: [String],
                                  date: XLSXDateStyle?, date1904: Bool) -> Value {
        if type == "inlineStr" { return .string(unescaped(inline)) }
        guard let raw else { return .null }
        switch type {
        case "s": return Int(raw).flatMap { shared.indices.contains($0) ? .string(shared[$0]) : nil } ?? .null
        case "b": return .bool(raw == "1")
        // A date cell (ISO 8601 text) styled as a date alone reads as its date, like a serial would.
        case "d" where date == .date && raw.utf8.count >= 10: return .string(String(raw.prefix(10)))
        case "str", "d": return .string(raw)
        // An error cell (#DIV/0!, #N/A) holds no value.
        case "e": return .null
        default:
            if raw.isEmpty { return .null }
            // A serial that is no date of the workbook (1900-02-29) stays the number it is.
            if let date, let serial = Double(raw), let text = date.text(ofSerial: serial, date1904: date1904) { return .string(text) }
            if let i = Int(raw) { return .integer(i) }
            if let d = DecimalNumber(raw) { return .decimal(excelPrecision(d)) }
            // A number JSON cannot write (1e400) keeps its text.
            return Double(raw).flatMap { $0.isFinite ? Value.double($0) : nil } ?? .string(raw)
        }
    }

    /// The date style of each cell format (`cellXfs`, which cells' `s` attribute indexes) of
    /// `xl/styles.xml`; `nil` for the formats that show numbers.
    private static func dateStyles(_ bytes: [UInt8], _ file: String) throws -> [XLSXDateStyle?] {
        var styles: [XLSXDateStyle?] = []
        try withDocument(bytes, file) { root in
            var codes: [Int: String] = [:]
            // The cells' formats only: conditional formats (dxfs) have numFmt elements of their own.
            for list in descendants(root, named: "numFmts") {
                for format in children(list, named: "numFmt") {
                    if let id = attribute(format, "numFmtId").flatMap({ Int($0) }) { codes[id] = attribute(format, "formatCode") }
                }
            }
            // Only the cell formats: cellStyleXfs holds xf elements of named styles, which cells do not index.
            for list in descendants(root, named: "cellXfs") {
                for xf in children(list, named: "xf") {
                    let id = attribute(xf, "numFmtId").flatMap { Int($0) } ?? 0
                    styles.append(XLSXDateStyle.of(formatID: id, code: codes[id]))
                }
            }
        }
        return styles
    }

    /// `value` to the 15 significant digits Excel keeps and shows: a sum stored as
    /// 1234.5599999999999 is the 1234.56 on the screen (and `to_fen` takes it).
    static func excelPrecision(_ value: DecimalNumber) -> DecimalNumber {
        var significand = value.significand, exponent = value.exponent
        var digits = 0
        var magnitude = significand.magnitude
        while magnitude > 0 { magnitude /= 10; digits += 1 }
        if digits > 15 {
            var divisor = 1
            for _ in 0..<(digits - 15) { divisor *= 10 }
            let (quotient, remainder) = significand.quotientAndRemainder(dividingBy: divisor)
            let twice = 2 * remainder.magnitude
            var rounded = quotient
            if twice > UInt(divisor) || (twice == UInt(divisor) && quotient % 2 != 0) { rounded += significand < 0 ? -1 : 1 }
            significand = rounded
            exponent += digits - 15
        }
        return DecimalNumber(significand: significand, exponent: exponent).trimmingFractionZeros
    }

    /// `AB12` → 27.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            index = index * 26 + Int(scalar.value - 64)
            letters += 1
        }
        return letters > 0 ? index - 1 : nil
    }

    // MARK: libxml2 helpers

    private static func withDocument(_ bytes: [UInt8], _ file: String, _ body: (xmlNodePtr) throws -> Void) throws {
        let flags = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_HUGE.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                xmlReadMemory($0, Int32(buffer.count), "part.xml", nil, flags)
            }
        }
        guard let document, let root = xmlDocGetRootElement(document) else { throw ZipError("\(file): a workbook part is not valid XML") }
        defer { xmlFreeDoc(document) }
        try body(root)
    }

    private static func children(_ node: xmlNodePtr, named name: String) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE, String(cString: current.pointee.name) == name { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    private static func descendants(_ node: xmlNodePtr, named name: String) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE {
                if String(cString: current.pointee.name) == name { result.append(current) } else { result += descendants(current, named: name) }
            }
            child = current.pointee.next
        }
        return result
    }

    /// The concatenated text of every `t` element below `node` (rich text runs), or its own text.
    /// A string item's text: its `t` elements', directly or in rich-text runs (`r`), with
    /// ECMA-376's escapes decoded. Phonetic runs (`rPh`) and the indentation of a
    /// pretty-printed part between elements are not cell text.
    private static func text(_ node: xmlNodePtr) -> String {
        unescaped(rawText(node, inT: false))
    }

    private static func rawText(_ node: xmlNodePtr, inT: Bool) -> String {
        var out = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if inT, let content = current.pointee.content { out += String(cString: content) }
            case XML_ELEMENT_NODE:
                let name = String(cString: current.pointee.name)
                if name == "t" { out += rawText(current, inT: true) } else if name == "r" { out += rawText(current, inT: false) }
            default: break
            }
            child = current.pointee.next
        }
        return out
    }

    /// ECMA-376's escapes of characters XML cannot hold, as Excel writes them (§22.4.2.4):
    /// `_x000D_` for a carriage return, `_x005F_` for an underscore that would start one.
    static func unescaped(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
               let code = UInt32(String(String.UnicodeScalarView(scalars[(i + 2)..<(i + 6)])), radix: 16),
               scalars[(i + 2)..<(i + 6)].allSatisfy({ $0.properties.isASCIIHexDigit }), let scalar = Unicode.Scalar(code) {
                out.append(scalar)
                i += 7
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    /// An attribute by local name (any namespace).
    private static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        var attribute = node.pointee.properties
        while let current = attribute {
            if String(cString: current.pointee.name) == name {
                return current.pointee.children.flatMap { $0.pointee.content }.map { String(cString: $0) } ?? ""
            }
            attribute = current.pointee.next
        }
        return nil
    }
}
