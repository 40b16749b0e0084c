import HuiliuCore

import Foundation
import Yams

/// Reads YAML files (through libyaml, via Yams) into located ``ConfigNode``s.
public enum YAMLDocument {
    /// Why a file could not be read as YAML at all.
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        /// The file could not be opened or is not text.
        case unreadable(path: String, reason: String)
        /// The text is not valid YAML.
        case syntax(ConfigError)
        /// The text is YAML with keys given twice in a mapping: where each repeats (and any
        /// syntax error after them). ``loadPastRepeats(path:displayPath:)`` reads such a file anyway.
        case duplicateKeys([ConfigError])

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
            case .syntax(let error): return error.description
            case .duplicateKeys(let errors): return errors.map(\.description).joined(separator: "\n")
            }
        }

        /// The problems to report: the syntax error, or every repeated key.
        public var problems: [ConfigError] {
            switch self {
            case .unreadable: return []
            case .syntax(let error): return [error]
            case .duplicateKeys(let errors): return errors
            }
        }
    }

    /// Loads the file at `path` (named `displayPath` in messages). An empty file is a null node.
    public static func load(path: String, displayPath: String? = nil) throws(LoadError) -> ConfigNode {
        try read(path: path, displayPath: displayPath).node
    }

    /// ``load(path:displayPath:)``, with the bytes the node was read from.
    public static func read(path: String, displayPath: String? = nil) throws(LoadError) -> (node: ConfigNode, bytes: [UInt8]) {
        let read = try readPastRepeats(path: path, displayPath: displayPath)
        guard read.repeats.isEmpty else { throw .duplicateKeys(read.repeats) }
        return (read.node, read.bytes)
    }

    /// ``load(path:displayPath:)`` of a file that may give a key twice: the document with the
    /// first of each key, and where each repeats, so the file's other problems are found in the
    /// same pass. Throws ``LoadError/duplicateKeys(_:)`` only when a syntax error follows them.
    public static func loadPastRepeats(path: String, displayPath: String? = nil) throws(LoadError) -> (node: ConfigNode, repeats: [ConfigError]) {
        let read = try readPastRepeats(path: path, displayPath: displayPath)
        return (read.node, read.repeats)
    }

    /// ``loadPastRepeats(path:displayPath:)``, with the bytes the node was read from.
    public static func readPastRepeats(path: String, displayPath: String? = nil) throws(LoadError)
        -> (node: ConfigNode, bytes: [UInt8], repeats: [ConfigError]) {
        let name = displayPath ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw .unreadable(path: name, reason: reason)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: name, reason: "not UTF-8 text")
        }
        let parsed = try parsePastRepeats(text, file: name)
        return (parsed.node, Array(data), parsed.repeats)
    }

    /// Parses YAML text, naming `file` in locations.
    public static func parse(_ text: String, file: String) throws(LoadError) -> ConfigNode {
        let parsed = try parsePastRepeats(text, file: file)
        guard parsed.repeats.isEmpty else { throw .duplicateKeys(parsed.repeats) }
        return parsed.node
    }

    /// ``parse(_:file:)`` past keys given twice (see ``loadPastRepeats(path:displayPath:)``).
    public static func parsePastRepeats(_ text: String, file: String) throws(LoadError) -> (node: ConfigNode, repeats: [ConfigError]) {
        var node: Node?
        var text = text
        var duplicates: [ConfigError] = []
        var renamed: Set<String> = []
        while true {
            do {
                node = try Yams.compose(yaml: text)
                break
            } catch let error as YamlError {
                // libyaml stops at a repeated key: renamed out of the way, the rest of the file is read
                // (and its other problems said in the same pass).
                if case .duplicatedKeysInMapping(let keys, let context) = error, let key = keys.first, duplicates.count < 100,
                   let renaming = YAMLDuplicateKey(text).renamingRepeat(of: key, firstAt: context.mark.line, column: context.mark.column,
                                                                        number: duplicates.count) {
                    // Each repeat is said on its own, so no "also repeated" note.
                    duplicates.append(syntaxError(error, file: file, text: text, notingOthers: false))
                    renamed.insert(renaming.name)
                    text = renaming.text
                    continue
                }
                let problem = syntaxError(error, file: file, text: text)
                if duplicates.isEmpty { throw .syntax(problem) }
                throw .duplicateKeys(duplicates + [problem])
            } catch {
                let problem = ConfigError(.syntax, at: SourceLocation(file: file, line: 1, column: 1), "\(error)")
                if duplicates.isEmpty { throw .syntax(problem) }
                throw .duplicateKeys(duplicates + [problem])
            }
        }
        guard let node else { return (.scalar("", isPlain: true, at: SourceLocation(file: file, line: 1, column: 1)), duplicates) }
        let converted = convert(node, file: file)
        return (duplicates.isEmpty ? converted : without(renamed, converted), duplicates)
    }

    /// `node` without the members whose keys were `renamed`: the first of each key stands.
    static func without(_ renamed: Set<String>, _ node: ConfigNode) -> ConfigNode {
        switch node {
        case .scalar: return node
        case .sequence(let items, let at): return .sequence(items.map { without(renamed, $0) }, at: at)
        case .mapping(let pairs, let at):
            return .mapping(pairs.filter { !renamed.contains($0.key) }
                .map { (key: $0.key, keyLocation: $0.keyLocation, value: without(renamed, $0.value)) }, at: at)
        }
    }

    static func location(_ mark: Mark?, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    static func convert(_ node: Node, file: String) -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string, isPlain: scalar.style == .plain, at: location(scalar.mark, file))
        case .mapping(let mapping):
            let pairs = mapping.map { pair in
                (key: pair.key.scalar?.string ?? "<complex key>",
                 keyLocation: location(pair.key.mark, file),
                 value: convert(pair.value, file: file))
            }
            return .mapping(pairs, at: location(mapping.mark, file))
        case .sequence(let sequence):
            return .sequence(sequence.map { convert($0, file: file) }, at: location(sequence.mark, file))
        case .alias(let alias):
            return .scalar("", isPlain: true, at: location(alias.mark, file))
        }
    }

    /// Whether `line` has a `${…}` reference starting a value unquoted (after `:`, `,` or `[`).
    static func hasUnquotedReference(_ line: String) -> Bool {
        var previous: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if c == "$", line[line.index(after: index)...].first == "{", let p = previous, ":,[".contains(p) { return true }
            if c != " " { previous = c }
            index = line.index(after: index)
        }
        return false
    }

    static func syntaxError(_ error: YamlError, file: String, text: String, notingOthers: Bool = true) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            // Where the scalar or collection being read began: for a quote never closed, the
            // error's own place is the end of the file, far from the cause.
            let detail = context.map { context in
                " \(context.text)" + (context.mark.line != mark.line ? " that starts at \(context.mark.line):\(context.mark.column)" : "")
            } ?? ""
            let at = location(mark, file)
            // libyaml's words for a tab ("found character that cannot start any token") do not say what to do.
            let line = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(max(0, at.line - 1)).first.map(Array.init)
            let tab = line.map { at.column >= 1 && at.column <= $0.count && $0[at.column - 1] == "\t" } ?? false
            let lineText = line.map { String(String.UnicodeScalarView($0)) } ?? ""
            // libyaml's words for the likeliest first mistakes do not say what to do either.
            var hint = tab ? "; YAML indents with spaces, never tabs" : ""
            if hint.isEmpty && (context?.text ?? "").contains("alias") && lineText.contains(": *") {
                hint = lineText.contains("schedule:")
                    ? "; a schedule starting with * must be quoted, as in schedule: \"*/15 * * * *\""
                    : "; a value starting with * must be quoted (YAML reads * as an alias)"
            } else if hint.isEmpty && (context?.text ?? "").contains("flow mapping") && Self.hasUnquotedReference(lineText) {
                hint = "; inside { } a reference must be quoted (\"${secret:…}\"): its braces end the value otherwise"
            } else if hint.isEmpty && problem.contains("cannot start any token") && lineText.contains(": @") {
                hint = "; a value starting with @ must be quoted, as in schedule: \"@every 15m\""
            }
            return ConfigError(.syntax, at: at, "invalid YAML: \(problem)\(detail)\(hint)")
        case .duplicatedKeysInMapping(let named, let context):
            // Yams names a list or mapping used as a key "<uncovertable>".
            let duplicates = named.map { $0 == "<uncovertable>" ? "(a list or mapping as a key)" : $0 }
            // libyaml's mark is where the first duplicated key (in sorted order) first appears.
            let first = location(context.mark, file)
            let others = duplicates.dropFirst().map { "'\($0)'" }
            let also = others.isEmpty || !notingOthers ? "" : " (\(others.joined(separator: ", ")) \(others.count == 1 ? "is" : "are") repeated too)"
            guard let key = duplicates.first,
                  let repeated = YAMLDuplicateKey(text).repeatOf(key, firstAt: first.line, column: first.column) else {
                return ConfigError(.syntax, at: first, "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the mapping of this key")
            }
            return ConfigError(.syntax, at: SourceLocation(file: file, line: repeated.line, column: repeated.column),
                               "duplicate key '\(key)': already given at \(first.line):\(first.column) in this mapping; remove or rename one\(also)")
        case .reader(let problem, let offset, _, _):
            return ConfigError(.syntax, at: SourceLocation(file: file, line: 1, column: 1),
                               "invalid YAML: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            return ConfigError(.syntax, at: SourceLocation(file: file, line: 1, column: 1), "invalid YAML: \(error)")
        }
    }
}
