import CLibXML2
import Glibc

/// A libxml2 text reader (a pull parser) over a workbook part as it inflates: neither the
/// part's XML nor a tree of it is ever held whole.
final class XMLPartReader {
    private let member: ZipArchive.MemberStream
    private let reader: xmlTextReaderPtr
    private let file: String
    private let part: String

    /// Node kinds of `xmlTextReaderNodeType`.
    static let elementStart: Int32 = 1, elementEnd: Int32 = 15
    /// Text, CDATA and whitespace: a run of spaces in a cell is its text too.
    static let textKinds: Set<Int32> = [3, 4, 13, 14]

    /// A reader of `member`; `file` and `part` name it in errors (`the sheet is not valid XML`).
    init(_ member: ZipArchive.MemberStream, file: String, part: String) throws {
        self.member = member
        self.file = file
        self.part = part
        // Without XML_PARSE_HUGE: libxml2 then refuses a text node past 10 MB (a cell holds
        // 32,767 characters) before building it, and entity bombs.
        let flags = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let read: xmlInputReadCallback = { context, buffer, length in
            guard let context, let buffer, length > 0 else { return -1 }
            let member = Unmanaged<ZipArchive.MemberStream>.fromOpaque(context).takeUnretainedValue()
            return Int32(member.read(into: buffer, count: Int(length)))
        }
        // `member` outlives the reader: this object holds both, and frees the reader first.
        guard let reader = xmlReaderForIO(read, nil, Unmanaged.passUnretained(member).toOpaque(), part, nil, flags) else {
            throw member.failure.map { ZipError("\(file): \($0)") } ?? ZipError("\(file): the \(part) is not valid XML")
        }
        self.reader = reader
        // The reader's own handler prints parser errors to standard error, outside the log's
        // format, whatever XML_PARSE_NOERROR says; the error is read back when a read fails.
        xmlTextReaderSetErrorHandler(reader, { _, _, _, _ in }, nil)
    }

    deinit { xmlFreeTextReader(reader) }

    /// Moves to the next node; `false` at the end of the part.
    func advance() throws -> Bool {
        switch xmlTextReaderRead(reader) {
        case 1:
            // No spreadsheet program writes a DTD; entities it declares would be dropped from
            // the text (a row of them would vanish), so a part with one is refused.
            if xmlTextReaderNodeType(reader) == 10 {
                throw ZipError("\(file): the \(part) declares a DTD, which no spreadsheet program writes: a damaged or crafted file")
            }
            return true
        case 0: return false
        default:
            if let failure = member.failure { throw ZipError("\(file): \(failure)") }
            // libxml2's reason and line: a file damaged in the middle reads as XML up to there.
            let reason = libxml2LastError().map { " (line \($0.line): \($0.reason))" } ?? ""
            throw ZipError("\(file): the \(part) is not valid XML\(reason): a damaged file, or one no spreadsheet program wrote")
        }
    }

    /// The current node's kind (`elementStart`, `elementEnd`, one of `textKinds` …).
    var kind: Int32 { xmlTextReaderNodeType(reader) }

    /// The current node's name without its namespace prefix.
    var name: String { xmlTextReaderConstLocalName(reader).map { String(cString: $0) } ?? "" }

    /// Whether the current element is written empty (`<c r="B2"/>`): no end node follows.
    var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }

    /// The current text node's text.
    var text: String? { xmlTextReaderConstValue(reader).map { String(cString: $0) } }

    /// An attribute of the current element.
    func attribute(_ name: String) -> String? {
        guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
        defer { free(value) }  // libxml2 allocates with malloc (xmlFree is free)
        return String(cString: value)
    }
}
