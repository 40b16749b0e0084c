import CLibXML2
import HuiliuCore

/// How XML becomes a ``Value``: elements become members, repeated elements arrays,
/// attributes members with a prefix, and text either the element's value (when it has
/// nothing else) or a `#text` member.
///
/// ```xml
/// <Case ah="（2024）鄂11民初1号"><Ay>买卖合同纠纷</Ay><Party>甲</Party><Party>乙</Party></Case>
/// ```
/// reads as `{"@ah": "（2024）鄂11民初1号", "Ay": "买卖合同纠纷", "Party": ["甲", "乙"]}`.
struct XMLOptions: Sendable, Equatable {
    /// Keep `prefix:name` as written instead of the local name. The default is `false`.
    var keepNamespaces = false
    /// Put before attribute names. The default is `@`.
    var attributePrefix = "@"
    /// The member holding an element's text when it also has attributes or children. The default is `#text`.
    var textKey = "#text"
    /// Element names (local) always read as arrays, even when they appear once. The default is none.
    var arrays: Set<String> = []
}

/// A document libxml2 could not parse, or a SOAP fault.
struct XMLReadError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A SOAP fault returned by a web service: its code and message become the error.
struct SOAPFault: Error, Sendable, CustomStringConvertible {
    var code: String
    var message: String
    var description: String { "SOAP fault \(code): \(message)" }
    /// What error rules see as `body`: `{fault: {code, message}}`.
    var value: Value { ["fault": ["code": .string(code), "message": .string(message)]] }
    /// A `Client` (SOAP 1.1, also `Client.Authentication`) or `Sender` (SOAP 1.2) fault: the
    /// request is wrong — a password, a parameter — and sending it again fails again (and may
    /// lock the account), though it comes with HTTP 500 like a busy server's.
    var blamesTheRequest: Bool {
        let local = code.split(separator: ":").last.map(String.init) ?? code
        return local.hasPrefix("Client") || local.hasPrefix("Sender")
    }
}

enum XMLValue {
    /// The encoding to read an XML body in, overriding its declaration: a stream's
    /// `encoding: gb18030|gbk|utf-8`, else the Content-Type's charset, which RFC 7303 puts
    /// before the declaration. GBK and GB2312 labels, there or in the declaration, are read as
    /// GB18030, their superset, as browsers do: a GB2312 label on text with GBK-only characters
    /// (镕, 堃) is common. `nil` leaves it to the declaration (UTF-8 without one).
    static func encoding(setting: String, contentType: String?, body: [UInt8]) -> String? {
        switch setting {
        case "gb18030", "gbk": return "GB18030"
        case "utf-8": return "UTF-8"
        default: break
        }
        func label(_ text: Substring) -> String? {
            let name = text.filter { $0 != "\"" && $0 != "'" && $0 != " " }.lowercased()
            if ["gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn"].contains(name) { return "GB18030" }
            return name.isEmpty ? nil : name.uppercased()
        }
        // A label libxml2 has no converter for is left out: the declaration may still name one it has.
        if let contentType = contentType?.lowercased(), let match = contentType.firstMatch(of: /charset=([^;]*)/),
           let name = label(match.1), let handler = xmlFindCharEncodingHandler(name) {
            xmlCharEncCloseFunc(handler)
            return name
        }
        // Only a Chinese label in the declaration needs overriding; libxml2 reads the others.
        let head = String(decoding: body.prefix(200), as: UTF8.self)
        if head.hasPrefix("<?xml"), let match = head.firstMatch(of: /encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/),
           label(match.1) == "GB18030" {
            return "GB18030"
        }
        return nil
    }

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()

    /// Parses `bytes` into the root element's name and value, in `encoding` when given (an
    /// iconv name), else in the one the XML declaration names. External entities and DTDs are
    /// never loaded, and nothing is fetched from the network.
    static func parse(_ bytes: [UInt8], options: XMLOptions, encoding: String? = nil) throws(XMLReadError) -> (name: String, value: Value) {
        _ = initialized
        let flags = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_COMPACT.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, buffer.count)) {
                xmlReadMemory($0, Int32(buffer.count), "response.xml", encoding, flags)
            }
        }
        guard let document else {
            if let error = libxml2LastError() { throw XMLReadError(message: "invalid XML at line \(error.line): \(error.reason)") }
            throw XMLReadError(message: "invalid XML")
        }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { throw XMLReadError(message: "the XML document has no root element") }
        // Declared entities are expanded into no more text than the answer itself has (and a
        // megabyte): a 100 KB entity named 20,000 times was 2 GB of text.
        var budget = max(bytes.count, 1 << 20)
        return (name(root, options), try value(of: root, options, entityBudget: &budget))
    }

    /// The content of a SOAP 1.1 or 1.2 envelope's `Body`, or the fault it carries as an error.
    static func soapBody(_ bytes: [UInt8], options: XMLOptions, encoding: String? = nil) throws -> Value {
        let (rootName, value) = try parse(bytes, options: options, encoding: encoding)
        guard localName(rootName) == "Envelope", let body = member(value, "Body") else {
            throw XMLReadError(message: "not a SOAP envelope (root element \(rootName))")
        }
        if let fault = member(body, "Fault") {
            // SOAP 1.1: faultcode/faultstring; SOAP 1.2: Code/Value and Reason/Text.
            let code = member(fault, "faultcode").flatMap(textOf) ?? member(fault, "Code").flatMap { member($0, "Value") }.flatMap(textOf)
            let reason = member(fault, "faultstring").flatMap(textOf) ?? member(fault, "Reason").flatMap { member($0, "Text") }.flatMap(textOf)
            throw SOAPFault(code: code ?? "unknown", message: reason ?? "no fault string")
        }
        return body
    }

    /// The member whose name, without a namespace prefix, is `local`.
    private static func member(_ value: Value, _ local: String) -> Value? {
        guard case .object(let object) = value else { return nil }
        if let direct = object[local] { return direct }
        for (key, member) in object where localName(key) == local { return member }
        return nil
    }

    private static func textOf(_ value: Value) -> String? {
        if let text = value.stringValue { return text }
        if let first = value.arrayValue?.first { return textOf(first) }
        return value["#text"]?.stringValue
    }

    private static func localName(_ name: String) -> String {
        name.split(separator: ":").last.map(String.init) ?? name
    }

    private static func name(_ node: xmlNodePtr, _ options: XMLOptions) -> String {
        let local = String(cString: node.pointee.name)
        if options.keepNamespaces, let ns = node.pointee.ns, let prefix = ns.pointee.prefix {
            return String(cString: prefix) + ":" + local
        }
        return local
    }

    private static func attributeName(_ attribute: xmlAttrPtr, _ options: XMLOptions) -> String {
        let local = String(cString: attribute.pointee.name)
        if options.keepNamespaces, let ns = attribute.pointee.ns, let prefix = ns.pointee.prefix {
            return String(cString: prefix) + ":" + local
        }
        return local
    }

    /// The text of an entity the document declares itself (`<!ENTITY co "法院">`), taken from
    /// `budget`; external entities are never read, and give nothing.
    private static func expansion(of reference: xmlNodePtr, in element: xmlNodePtr, budget: inout Int) throws(XMLReadError) -> String {
        try expansion(named: String(cString: reference.pointee.name), in: element.pointee.doc, budget: &budget, depth: 0)
    }

    /// The replacement text of the entity `name` declares, its own references decoded (`&amp;`,
    /// `&#x4E2D;`, another declared entity, a few levels deep) as XML 1.0 §4.4.5 includes it:
    /// libxml2 keeps the text as written.
    private static func expansion(named name: String, in document: xmlDocPtr?, budget: inout Int, depth: Int) throws(XMLReadError) -> String {
        let entity = name.withCString { xmlGetDocEntity(document, UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self)) }
        guard depth < 8, let entity,
              entity.pointee.etype == XML_INTERNAL_GENERAL_ENTITY, let content = entity.pointee.content else { return "" }
        let raw = String(cString: content)
        var text = ""
        var rest = raw[...]
        while let amp = rest.firstIndex(of: "&") {
            text += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let reference = rest[rest.index(after: amp)..<semicolon]
            switch reference {
            case "lt": text += "<"
            case "gt": text += ">"
            case "amp": text += "&"
            case "quot": text += "\""
            case "apos": text += "'"
            default:
                if reference.hasPrefix("#") {
                    let digits = reference.dropFirst()
                    let code = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                    if let code, let scalar = Unicode.Scalar(code) { text.unicodeScalars.append(scalar) }
                } else {
                    text += try expansion(named: String(reference), in: document, budget: &budget, depth: depth + 1)
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        text += rest
        budget -= text.utf8.count
        guard budget >= 0 else {
            throw XMLReadError(message: "the answer's declared entities expand to more text than the answer holds (an entity bomb?)")
        }
        return text
    }

    private static func value(of element: xmlNodePtr, _ options: XMLOptions, entityBudget: inout Int) throws(XMLReadError) -> Value {
        var attributes: [(String, Value)] = []
        var isNil = false
        var attribute = element.pointee.properties
        while let current = attribute {
            let name = attributeName(current, options)
            // Every part of the value (`x-&co;-1` is three), declared entities expanded within the
            // budget: only the first part was read, the rest of such a value dropped.
            var text = ""
            var part = current.pointee.children
            while let node = part {
                if node.pointee.type == XML_ENTITY_REF_NODE {
                    // In an attribute, white space of the replacement text is a space (XML 1.0 §3.3.3).
                    let expanded = try expansion(of: node, in: element, budget: &entityBudget)
                    text += String(String.UnicodeScalarView(expanded.unicodeScalars.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }))
                } else if let content = node.pointee.content {
                    text += String(cString: content)
                }
                part = node.pointee.next
            }
            if String(cString: current.pointee.name) == "nil", text == "true" || text == "1" { isNil = true }
            attributes.append((options.attributePrefix + name, .string(text)))
            attribute = current.pointee.next
        }
        var children: [(String, [Value])] = []
        // Where each name is among `children`: an element of 80,000 distinct children searched
        // the list for each one, minutes and past a stop.
        var positions: [String: Int] = [:]
        var text = ""
        var child = element.pointee.children
        while let node = child {
            switch node.pointee.type {
            case XML_ELEMENT_NODE:
                let childName = name(node, options)
                let childValue = try value(of: node, options, entityBudget: &entityBudget)
                if let index = positions[childName] {
                    children[index].1.append(childValue)
                } else {
                    positions[childName] = children.count
                    children.append((childName, [childValue]))
                }
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = node.pointee.content { text += String(cString: content) }
            case XML_ENTITY_REF_NODE:
                text += try expansion(of: node, in: element, budget: &entityBudget)
            default:
                break
            }
            child = node.pointee.next
        }
        if isNil && children.isEmpty { return .null }
        let blank = text.unicodeScalars.allSatisfy { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if children.isEmpty && attributes.isEmpty {
            return .string(blank ? "" : text)
        }
        var object = Object(minimumCapacity: attributes.count + children.count + 1)
        for (key, value) in attributes { object[key] = value }
        for (key, values) in children {
            let local = localName(key)
            object[key] = values.count > 1 || options.arrays.contains(local) ? .array(values) : values[0]
        }
        // Text beside child elements is mostly indentation around them: trimmed. Beside attributes
        // alone it is the element's value, kept as a leaf's is — adding an attribute upstream must
        // not change a record's value.
        if !blank { object[options.textKey] = .string(children.isEmpty ? text : text.trimmingSpaces) }
        return .object(object)
    }
}

extension String {
    /// Without leading and trailing ASCII whitespace.
    var trimmingSpaces: String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[start...end])
    }
}
