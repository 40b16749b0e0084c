import CLibXML2
import Glibc
import HuiliuCore

/// What ``XLSXSheet`` reads besides the sheet: the workbook's list of sheets and where each
/// is, the styles that make a number a date, and a cell's value from its XML.
enum XLSXReader {
    /// The workbook's sheets (name and relationship id) and whether it counts days from 1904.
    static func sheets(_ workbook: [UInt8], _ file: String) throws -> (sheets: [(name: String, id: String)], date1904: Bool) {
        var sheets: [(name: String, id: String)] = []
        var date1904 = false
        try withDocument(workbook, file, part: "xl/workbook.xml") { root in
            for node in descendants(root, named: "sheet") {
                sheets.append((attribute(node, "name") ?? "", attribute(node, "id") ?? ""))
            }
            // A workbook from old Mac Excel counts days from 1904-01-01.
            date1904 = descendants(root, named: "workbookPr").contains { ["1", "true"].contains(attribute($0, "date1904") ?? "") }
        }
        return (sheets, date1904)
    }

    /// The part the relationship `id` of `xl/_rels/workbook.xml.rels` points to.
    static func target(of id: String, _ rels: [UInt8], _ file: String) throws -> String? {
        var target: String?
        try withDocument(rels, file, part: "xl/_rels/workbook.xml.rels") { root in
            for node in descendants(root, named: "Relationship") where attribute(node, "Id") == id {
                target = attribute(node, "Target") ?? target
            }
        }
        return target
    }

    static func cellValue(type: String, raw: String?, inline: String, shared: SharedStrings,
                                  date: XLSXDateStyle?, date1904: Bool) -> Value {
        if type == "inlineStr" { return .string(unescaped(inline)) }
        guard let raw else { return .null }
        switch type {
        case "s": return Int(raw).flatMap { shared[$0] }.map(Value.string) ?? .null
        case "b": return .bool(raw == "1")
        // A date cell (ISO 8601 text) styled as a date alone reads as its date, like a serial would.
        case "d" where date == .date && raw.utf8.count >= 10: return .string(String(raw.prefix(10)))
        case "str", "d": return .string(raw)
        // An error cell (#DIV/0!, #N/A) holds no value.
        case "e": return .null
        default:
            if raw.isEmpty { return .null }
            // Decimal digits only: Swift would read 0x10 as 16 and nan as a number.
            guard raw.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2B || $0 == 0x2D || $0 == 0x45 || $0 == 0x65 }) else {
                return .string(raw)
            }
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
    static func dateStyles(_ bytes: [UInt8], _ file: String) throws -> [XLSXDateStyle?] {
        var styles: [XLSXDateStyle?] = []
        try withDocument(bytes, file, part: "xl/styles.xml") { root in
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
    /// Past three letters (XFD), the index is past every sheet's last column, not an overflow.
    static func columnIndex(_ reference: String) -> Int? {
        var index = 0
        var letters = 0
        for scalar in reference.unicodeScalars {
            guard ("A"..."Z").contains(scalar) else { break }
            letters += 1
            if letters > 3 { return Int(Int32.max) }
            index = index * 26 + Int(scalar.value - 64)
        }
        return letters > 0 ? index - 1 : nil
    }

    // MARK: libxml2 helpers

    /// Reads a small part (the workbook, its relationships, styles) as a tree. Without
    /// XML_PARSE_HUGE: libxml2's limits refuse an entity bomb in a part a few kilobytes long.
    private static func withDocument(_ bytes: [UInt8], _ file: String, part: String, _ body: (xmlNodePtr) throws -> Void) throws {
        let flags = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                xmlReadMemory($0, Int32(buffer.count), part, nil, flags)
            }
        }
        guard let document, let root = xmlDocGetRootElement(document) else {
            let reason = libxml2LastError().map { " (line \($0.line): \($0.reason))" } ?? ""
            if let document { xmlFreeDoc(document) }
            throw ZipError("\(file): \(part) is not valid XML\(reason)")
        }
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
