import HuiliuCore

/// Which page to request: what `page` holds in templates, and what a checkpoint saves so an
/// interrupted slice resumes at the next page.
struct PageState: Sendable, Equatable {
    /// Pages requested before this one in the slice (0 for the first).
    var index: Int
    /// The page number (`page_number` paging).
    var number: Int
    /// The offset of the first record (`offset` paging).
    var offset: Int
    /// The token from the previous response (`cursor` paging).
    var token: String?
    /// The URL from the previous response (`next_url` and `link` paging).
    var url: String?

    /// The first page of a slice.
    static func first(_ pagination: PaginationDefinition) -> PageState {
        PageState(index: 0, number: pagination.start, offset: pagination.start, token: nil, url: nil)
    }

    /// The page after this one when pages are numbered.
    func advanced(size: Int) -> PageState {
        PageState(index: index + 1, number: number + 1, offset: offset + size, token: nil, url: nil)
    }

    /// `page` in templates.
    func context(size: Int?) -> Value {
        var object: Object = ["index": .integer(index), "number": .integer(number), "offset": .integer(offset)]
        object["size"] = size.map(Value.integer) ?? .null
        object["limit"] = size.map(Value.integer) ?? .null
        object["token"] = token.map(Value.string) ?? .null
        return .object(object)
    }

    var json: Value {
        var object: Object = ["index": .integer(index), "number": .integer(number), "offset": .integer(offset)]
        if let token { object["token"] = .string(token) }
        if let url { object["url"] = .string(url) }
        return .object(object)
    }

    init(index: Int, number: Int, offset: Int, token: String?, url: String?) {
        self.index = index
        self.number = number
        self.offset = offset
        self.token = token
        self.url = url
    }

    init?(json: Value?) {
        guard let json, let index = json["index"]?.intValue, let number = json["number"]?.intValue,
              let offset = json["offset"]?.intValue else { return nil }
        self.init(index: index, number: number, offset: offset, token: json["token"]?.stringValue, url: json["url"]?.stringValue)
    }
}

/// RFC 8288 `Link` header parsing.
enum LinkHeader {
    /// The target of the first link with relation `rel` among every `Link` value.
    static func target(_ values: [String], rel: String) -> String? {
        for value in values {
            var rest = Substring(value)
            while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
                let target = String(rest[rest.index(after: open)..<close])
                let paramsEnd = rest[close...].firstIndex(of: ",").map { idx -> Substring.Index in
                    // A comma inside a quoted parameter does not end the link.
                    var quoted = false
                    var i = rest.index(after: close)
                    while i < rest.endIndex {
                        if rest[i] == "\"" { quoted.toggle() } else if rest[i] == ",", !quoted { return i }
                        i = rest.index(after: i)
                    }
                    return idx
                } ?? rest.endIndex
                let params = rest[rest.index(after: close)..<paramsEnd]
                for param in params.split(separator: ";") {
                    let parts = param.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2, parts[0].trimming(" ").lowercased() == "rel" else { continue }
                    let rels = parts[1].trimming(" ").trimming("\"").split(separator: " ")
                    if rels.contains(where: { $0.lowercased() == rel.lowercased() }) { return target }
                }
                rest = paramsEnd < rest.endIndex ? rest[rest.index(after: paramsEnd)...] : ""
            }
        }
        return nil
    }
}

extension StringProtocol {
    /// Without leading and trailing `character`s.
    func trimming(_ character: Character) -> String {
        var text = Substring(self)
        while text.first == character { text.removeFirst() }
        while text.last == character { text.removeLast() }
        return String(text)
    }
}
