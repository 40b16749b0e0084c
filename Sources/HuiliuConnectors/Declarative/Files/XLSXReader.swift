import CLibXML2
import HuiliuCore

/// Reads the rows of one sheet of an XLSX workbook (Office Open XML) as records: the first
/// non-empty row is the header, later rows become objects keyed by it. Shared strings,
/// inline strings, numbers (kept exact), booleans and formula results are read; cells a row
/// lacks are `null`. Styles are not applied, so dates stay Excel serial numbers.
enum XLSXReader {
    /// The rows of the sheet called `sheet`, or of the first sheet.
    static func rows(_ bytes: [UInt8], sheet: String?, file: String) throws -> [(line: Int, value: Value)] {
        let zip = try ZipArchive(bytes)
        guard let workbook = try zip.data("xl/workbook.xml") else { throw ZipError("\(file): no xl/workbook.xml; not an XLSX workbook") }
        var sheets: [(name: String, id: String)] = []
        try withDocument(workbook, file) { root in
            for node in descendants(root, named: "sheet") {
                sheets.append((attribute(node, "name") ?? "", attribute(node, "id") ?? ""))
            }
        }
        guard let chosen = sheet.map({ name in sheets.first { $0.name == name } }) ?? sheets.first else {
            throw ZipError("\(file): no sheet '\(sheet ?? "")'; the workbook has \(sheets.map { "'\($0.name)'" }.joined(separator: ", "))")
        }
        var target = "worksheets/sheet1.xml"
        if let rels = try zip.data("xl/_rels/workbook.xml.rels") {
            try withDocument(rels, file) { root in
                for node in descendants(root, named: "Relationship") where attribute(node, "Id") == chosen.id {
                    target = attribute(node, "Target") ?? target
                }
            }
        }
        let path = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
        guard let sheetData = try zip.data(path) else { throw ZipError("\(file): sheet '\(chosen.name)' (\(path)) is missing") }
        var shared: [String] = []
        if let strings = try zip.data("xl/sharedStrings.xml") {
            try withDocument(strings, file) { root in
                for item in children(root, named: "si") { shared.append(text(item)) }
            }
        }
        var header: [String]?
        var rows: [(Int, Value)] = []
        try withDocument(sheetData, file) { root in
            for row in descendants(root, named: "row") {
                let number = Int(attribute(row, "r") ?? "") ?? rows.count + 1
                var cells: [Int: Value] = [:]
                var next = 0
                for cell in children(row, named: "c") {
                    let column = attribute(cell, "r").flatMap(columnIndex) ?? next
                    next = column + 1
                    cells[column] = cellValue(cell, shared: shared)
                }
                if cells.values.allSatisfy({ $0.isNull || $0 == "" }) { continue }
                guard let names = header else {
                    let width = (cells.keys.max() ?? -1) + 1
                    header = (0..<width).map { cells[$0].map(textOf) ?? "column_\($0 + 1)" }.map { $0.isEmpty ? "column" : $0 }
                    continue
                }
                var object = Object(minimumCapacity: names.count)
                for (index, name) in names.enumerated() { object[name] = cells[index] ?? .null }
                rows.append((number, .object(object)))
            }
        }
        return rows
    }

    private static func textOf(_ value: Value) -> String {
        value.stringValue ?? value.jsonText
    }

    private static func cellValue(_ cell: xmlNodePtr, shared: [String]) -> Value {
        let type = attribute(cell, "t") ?? "n"
        if type == "inlineStr" { return .string(children(cell, named: "is").first.map(text) ?? "") }
        guard let raw = children(cell, named: "v").first.map(text) else { return .null }
        switch type {
        case "s": return Int(raw).flatMap { shared.indices.contains($0) ? .string(shared[$0]) : nil } ?? .null
        case "b": return .bool(raw == "1")
        case "str", "e", "d": return .string(raw)
        default:
            if let i = Int(raw) { return .integer(i) }
            if let d = DecimalNumber(raw) { return .decimal(d) }
            return Double(raw).map(Value.double) ?? .string(raw)
        }
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
    private static func text(_ node: xmlNodePtr) -> String {
        var out = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { out += String(cString: content) }
            case XML_ELEMENT_NODE:
                let name = String(cString: current.pointee.name)
                if name != "rPh" { out += text(current) }  // phonetic runs are not cell text
            default: break
            }
            child = current.pointee.next
        }
        return out
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
