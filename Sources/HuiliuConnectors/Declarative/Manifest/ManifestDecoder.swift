import Foundation
import HuiliuCore
import HuiliuExpression
import HuiliuKit

/// Turns a manifest's located nodes into a ``ConnectorManifest``, collecting every problem.
/// Structure (keys, types, required fields) is checked first with ``ManifestSchema``; the
/// decoder then compiles templates and expressions and checks what depends on `type`.
struct ManifestDecoder {
    let functions: FunctionRegistry
    let directory: String
    let file: String
    var problems: [ConfigError] = []

    init(functions: FunctionRegistry, directory: String, file: String) {
        self.functions = functions
        self.directory = directory
        self.file = file
    }

    mutating func decode(_ node: ConfigNode) -> ConnectorManifest? {
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(environment: [:]),
                                        baseDirectory: directory)
        let parsed = validator.readFields(node, fields: ManifestSchema.fields, owner: "connector manifest")
        problems += validator.problems
        // Decoding goes on after structural problems, so one lint run reports templates,
        // expressions and mappings too; the decoder reads every node defensively.
        guard let name = parsed["name"]?.stringValue ?? node["name"]?.scalarText else { return nil }
        let folder = (directory as NSString).lastPathComponent
        if name != folder {
            problems.append(ConfigError(.invalidValue, at: textStart(node["name"]),
                                        "'name' must be the connector's folder name '\(folder)', got '\(name)'"))
        }
        if !name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) {
            problems.append(ConfigError(.invalidValue, at: textStart(node["name"]),
                                        "'name' uses only lower-case letters, digits, '-' and '_'; got '\(name)'"))
        }
        let fields = decodeSpec(node["spec"])
        checkConfigReferences(node, declared: Set(fields.map(\.name)).union(Self.reservedFields))
        var streams: [ManifestStream] = []
        var declaredStreams: [String] = []
        if case .mapping(let pairs, _)? = node["streams"] {
            declaredStreams = pairs.map(\.key)
            for pair in pairs {
                let merged = Self.merge(defaults: node["defaults"], into: pair.value)
                if let stream = decodeStream(pair.key, merged, at: pair.keyLocation) { streams.append(stream) }
            }
        }
        if streams.isEmpty && problems.isEmpty {
            problems.append(ConfigError(.missingField, at: node["streams"]?.location ?? node.location, "a connector needs at least one stream"))
        }
        let check = node["check"]?["stream"]
        // Against the names written, not the streams decoded: a stream with a problem of its own
        // is reported there, not again as missing.
        if let check, let wanted = check.scalarText, !declaredStreams.contains(wanted) {
            problems.append(ConfigError(.invalidValue, at: textStart(check), "check.stream names no stream: '\(wanted)'",
                                        suggestion: nearestName(to: wanted, in: declaredStreams)))
        }
        let statusName = parsed["status"]?.stringValue ?? "beta"
        return ConnectorManifest(
            name: name, title: parsed["title"]?.stringValue, summary: parsed["summary"]?.stringValue ?? "",
            details: (parsed["details"]?.stringValue ?? "").trimmingSpaces,
            status: statusName == "stable" ? .stable : statusName == "experimental" ? .experimental : .beta,
            directory: directory, file: file, fields: fields, streams: streams,
            checkStream: check?.scalarText ?? streams.first?.name ?? "")
    }

    // MARK: spec

    /// Reports every `config.<name>` in a template or expression whose field `spec` does not
    /// declare: it would render as nothing (`Bearer ` with no token) rather than fail.
    mutating func checkConfigReferences(_ node: ConfigNode, declared: Set<String>, key: String? = nil) {
        switch node {
        case .scalar(let text, _, _):
            guard !["description", "summary", "details", "title"].contains(key ?? "") else { return }
            if text.contains("config.") {
                for match in text.matches(of: /(^|[^A-Za-z0-9_.$])config\.([A-Za-z0-9_]+)/) {
                    reportUnknown("config", match.output.2, in: text, node, known: declared, as: "a field of this connector's spec")
                }
            }
            checkPageReferences(text, node)
        case .mapping(let pairs, _):
            for pair in pairs where !(key == nil && pair.key == "spec") {
                checkConfigReferences(pair.value, declared: declared, key: pair.key)
            }
        case .sequence(let items, _):
            for item in items { checkConfigReferences(item, declared: declared, key: key) }
        }
    }

    /// What `page` holds in a template: the names ``PageState/context(size:)`` gives.
    static let pageVariables = Set(PageState(index: 0, number: 1, offset: 0, token: nil, url: nil).context(size: nil).objectValue!.keys)

    /// Reports every `page.<name>` inside a template's `{{ … }}` that the page state does not
    /// have: it renders as nothing, so the request silently loses its page parameter.
    mutating func checkPageReferences(_ text: String, _ node: ConfigNode) {
        guard text.contains("{{"), text.contains("page.") else { return }
        for hole in text.matches(of: /\{\{(.*?)\}\}/) {
            for match in hole.output.1.matches(of: /(^|[^A-Za-z0-9_.$])page\.([A-Za-z0-9_]+)/) {
                reportUnknown("page", match.output.2, in: text, node, known: Self.pageVariables, as: "a page variable")
            }
        }
    }

    /// Reports `prefix.name` (the name at `name` in `text`) unless `known` has it: at its place,
    /// with the known names and the nearest of them.
    mutating func reportUnknown(_ prefix: String, _ name: Substring, in text: String, _ node: ConfigNode, known: Set<String>, as what: String) {
        guard !known.contains(String(name)) else { return }
        let offset = text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: name.startIndex) - prefix.count - 1
        problem(node, "\(prefix).\(name) is not \(what) (\(known.sorted().joined(separator: ", ")))",
                offset: offset, suggestion: nearestName(to: String(name), in: known).map { prefix + "." + $0 })
    }

    static let reservedFields: Set<String> = ["stream", "mapping"]

    mutating func decodeSpec(_ node: ConfigNode?) -> [FieldSpec] {
        guard case .mapping(let pairs, _)? = node else { return [] }
        var fields: [FieldSpec] = []
        for pair in pairs {
            let name = pair.key
            if Self.reservedFields.contains(name) {
                problems.append(ConfigError(.invalidValue, at: pair.keyLocation, "'\(name)' is set by Huiliu for every manifest connector; choose another field name"))
                continue
            }
            if !name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) {
                problems.append(ConfigError(.invalidValue, at: pair.keyLocation, "field names use lower-case letters, digits and '_'; got '\(name)'"))
            }
            let node = pair.value
            let items = Self.scalarType(text(node["items"]) ?? "string")
            var type: FieldType
            switch text(node["type"]) ?? "string" {
            case "list": type = .list(items)
            case "map": type = .map(items)
            case let other: type = Self.scalarType(other)
            }
            if case .sequence(let options, _)? = node["options"] {
                type = .oneOf(options.compactMap(\.scalarText))
            }
            var range: ClosedRange<Double>?
            let minimum = number(node["minimum"]), maximum = number(node["maximum"])
            if minimum != nil || maximum != nil {
                let low = minimum ?? -Double.greatestFiniteMagnitude, high = maximum ?? Double.greatestFiniteMagnitude
                if low <= high { range = low...high } else {
                    problems.append(ConfigError(.invalidValue, at: node["minimum"]!.location, "'minimum' is larger than 'maximum'"))
                }
            }
            var field = FieldSpec(name, type, text(node["description"]) ?? "", default: node["default"]?.plainValue,
                                  example: node["example"]?.plainValue, optional: bool(node["optional"]) ?? false,
                                  advanced: bool(node["advanced"]) ?? false, range: range)
            // A default must itself be a valid value of the field.
            if let defaultNode = node["default"] {
                if type == .secret {
                    problems.append(ConfigError(.invalidValue, at: defaultNode.location, "a secret field cannot have a default"))
                } else {
                    var check = ConfigValidator(registry: ConnectorRegistry(), resolver: ReferenceResolver(environment: [:]), baseDirectory: directory)
                    let value = check.readValue(defaultNode, type: type, field: field)
                    problems += check.problems.map { var p = $0; p.message = "default: " + p.message; return p }
                    if let value { field.defaultValue = value }
                }
            }
            fields.append(field)
        }
        return fields
    }

    static func scalarType(_ name: String) -> FieldType {
        switch name {
        case "integer": return .integer
        case "number": return .number
        case "boolean": return .boolean
        case "duration": return .duration
        case "secret": return .secret
        case "path": return .path
        case "url": return .url
        case "any": return .any
        default: return .string
        }
    }

    // MARK: defaults

    /// Sections of a stream that merge key by key with `defaults`; the rest are replaced whole.
    static let deepSections: Set<String> = ["request", "response"]
    /// Mappings inside those sections that also merge key by key.
    static let deepMembers: Set<String> = ["query", "headers", "tls", "xml"]

    /// A stream's node with `defaults` underneath it.
    static func merge(defaults: ConfigNode?, into stream: ConfigNode) -> ConfigNode {
        guard let defaults else { return stream }
        return merge(defaults, stream, deep: deepSections)
    }

    private static func merge(_ base: ConfigNode, _ over: ConfigNode, deep: Set<String>) -> ConfigNode {
        guard case .mapping(let basePairs, _) = base, case .mapping(let overPairs, let at) = over else { return over }
        var pairs: [(key: String, keyLocation: SourceLocation, value: ConfigNode)] = []
        for pair in basePairs {
            if let own = overPairs.first(where: { $0.key == pair.key }) {
                let value = deep.contains(pair.key) ? merge(pair.value, own.value, deep: deepMembers) : own.value
                pairs.append((own.key, own.keyLocation, value))
            } else {
                pairs.append(pair)
            }
        }
        for pair in overPairs where !basePairs.contains(where: { $0.key == pair.key }) { pairs.append(pair) }
        return .mapping(pairs, at: at)
    }

    // MARK: located scalars

    func text(_ node: ConfigNode?) -> String? {
        guard case .scalar(let text, _, _)? = node, !(node?.isNull ?? true) else { return nil }
        return text
    }

    func int(_ node: ConfigNode?) -> Int? { text(node).flatMap { Int($0) } }

    func number(_ node: ConfigNode?) -> Double? { text(node).flatMap { Double($0) } }

    func bool(_ node: ConfigNode?) -> Bool? { text(node).map { $0.lowercased() == "true" } }

    func duration(_ node: ConfigNode?) -> Duration? {
        guard let text = text(node) else { return nil }
        if let seconds = Double(text) { return .milliseconds(Int64(seconds * 1000)) }
        return Duration(configText: text)
    }

    /// Where a scalar's text begins (after the quote of a quoted scalar).
    func textStart(_ node: ConfigNode?) -> SourceLocation {
        guard let node else { return SourceLocation(file: file, line: 1, column: 1) }
        if case .scalar(_, false, let at) = node { return SourceLocation(file: at.file, line: at.line, column: at.column + 1) }
        return node.location
    }

    mutating func problem(_ node: ConfigNode?, _ message: String, offset: Int = 0, suggestion: String? = nil) {
        var at = textStart(node)
        if case .scalar(let text, _, _)? = node { at = at.locating(offset: offset, in: text) } else { at.column += offset }
        problems.append(ConfigError(.invalidValue, at: at, message, suggestion: suggestion))
    }

    /// Compiles a template, reporting a problem at the faulty column.
    mutating func template(_ node: ConfigNode?, readsResponse: Bool = false) -> Template? {
        guard let text = text(node) else { return nil }
        do {
            let template = try Template(text, functions: functions)
            checkRoots(template, text, node, roots: readsResponse ? Self.responseRoots : Self.templateRoots)
            return template
        } catch {
            problem(node, "invalid template: \(error.message)", offset: error.offset, suggestion: functionSuggestion(error.message))
            return nil
        }
    }

    /// What a template's holes can read: ``DeclarativeSource``'s context, with `page`.
    static let templateRoots: Set<String> = ["config", "stream", "partition", "slice", "page", "now"]
    /// What an error rule's message can read besides: the response.
    static let responseRoots = templateRoots.union(["status", "headers", "body"])

    /// Where `name` first appears in `text`, in scalars (0 if it does not).
    static func offset(of name: String, in text: String) -> Int {
        text.range(of: name).map { text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: $0.lowerBound) } ?? 0
    }

    /// Reports a hole reading a name the context does not have (`{{ pages.size }}`): it renders
    /// as nothing, and the request silently loses the parameter.
    mutating func checkRoots(_ template: Template, _ text: String, _ node: ConfigNode?, roots: Set<String>) {
        for case .hole(let expression) in template.parts {
            for name in expression.rootFields where !roots.contains(name) {
                let offset = Self.offset(of: name, in: text)
                problem(node, "'\(name)' is nothing this template can read (\(roots.sorted().joined(separator: ", ")))",
                        offset: offset, suggestion: nearestName(to: name, in: roots))
                return
            }
        }
    }

    /// Compiles a bare expression, reporting a problem at the faulty column; one that
    /// `readsResponse` (`{status, headers, body}`) is also checked for capitalized header names.
    mutating func expression(_ node: ConfigNode?, readsResponse: Bool = false) -> JMESPathExpression? {
        guard let text = text(node) else { return nil }
        do {
            let expression = try JMESPathExpression(text, functions: functions)
            if readsResponse, let name = expression.rootPaths.first(where: { $0.count > 1 && $0[0] == "headers" && $0[1] != $0[1].lowercased() })?[1] {
                // Response headers are keyed by their lower-case names (HTTP/2 sends no other),
                // so `headers."X-Next-Cursor"` is always null: paging would end after page 1.
                let offset = Self.offset(of: name, in: text)
                problem(node, "header names are lower case in 'headers': '\(name)' is never there", offset: offset,
                        suggestion: "headers.\"\(name.lowercased())\"")
            }
            return expression
        } catch {
            problem(node, "invalid expression: \(error.message)", offset: max(0, error.offset), suggestion: functionSuggestion(error.message))
            return nil
        }
    }

    private func functionSuggestion(_ message: String) -> String? {
        guard message.contains("function"), let name = message.split(separator: "'").dropFirst().first else { return nil }
        return nearestName(to: String(name.prefix { $0 != "(" }), in: functions.functions.map(\.name)).map { $0 + "()" }
    }

    /// A mapping's entries as templates, in order.
    mutating func templates(_ node: ConfigNode?) -> [(String, Template)] {
        guard case .mapping(let pairs, _)? = node else { return [] }
        return pairs.compactMap { pair in template(pair.value).map { (pair.key, $0) } }
    }

    /// A YAML structure whose strings are templates.
    mutating func valueTemplate(_ node: ConfigNode) -> ValueTemplate? {
        switch node {
        case .scalar(let text, let plain, _):
            if text.contains("{{") { return template(node).map(ValueTemplate.template) }
            return .constant(plain ? ConfigNode.coerce(plainScalar: text) : .string(text))
        case .sequence(let items, _):
            var values: [ValueTemplate] = []
            for item in items { if let value = valueTemplate(item) { values.append(value) } }
            return .array(values)
        case .mapping(let pairs, _):
            var members: [(String, ValueTemplate)] = []
            for pair in pairs { if let value = valueTemplate(pair.value) { members.append((pair.key, value)) } }
            return .object(members)
        }
    }
}
