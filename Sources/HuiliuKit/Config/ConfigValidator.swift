public import HuiliuCore

/// Checks configuration nodes against specifications and reads them into values,
/// collecting every problem instead of stopping at the first.
public struct ConfigValidator: Sendable {
    /// The components that `component` fields may name.
    public var registry: ConnectorRegistry
    /// How references are expanded.
    public var resolver: ReferenceResolver
    /// The directory relative paths and `${file:…}` are resolved against.
    public var baseDirectory: String
    /// Every problem found so far.
    public private(set) var problems: [ConfigError] = []
    /// Every secret value a reference has put into configuration read so far.
    private var secretValuesUsed: [String] = []

    /// Secret-looking key names that must never hold a literal, even in free-form mappings.
    static let secretLikeNames = ["password", "passwd", "secret", "token", "api_key", "apikey", "app_key_secret",
                                  "private_key", "access_key", "credential", "authorization"]

    /// A validator resolving against `registry` and `resolver`.
    public init(registry: ConnectorRegistry, resolver: ReferenceResolver, baseDirectory: String) {
        self.registry = registry
        self.resolver = resolver
        self.baseDirectory = baseDirectory
    }

    /// Records a problem found outside the validator (by a loader or a component).
    public mutating func report(_ problem: ConfigError) {
        problems.append(problem)
    }

    /// Reads a mapping against a list of fields. `owner` names it in messages
    /// (`pipeline`, `source 'file'`).
    /// Missing fields are reported at `missingAt` (the component's key) when given, else at the mapping.
    public mutating func readFields(_ node: ConfigNode, fields: [FieldSpec], owner: String,
                                    missingAt: SourceLocation? = nil) -> ParsedConfig {
        var parsed = ParsedConfig(location: node.location, baseDirectory: baseDirectory)
        let mark = secretValuesUsed.count
        guard case .mapping(let pairs, _) = node else {
            if node.isNull {
                reportMissing(fields, owner: owner, at: missingAt ?? node.location)
            } else {
                problems.append(ConfigError(.wrongType, at: node.location, "\(owner) must be a mapping, got \(node.kindName)"))
            }
            return parsed
        }
        var seen: Set<String> = []
        for pair in pairs {
            guard let field = fields.first(where: { $0.name == pair.key }) else {
                if pair.key == "<<" {
                    problems.append(ConfigError(.unknownKey, at: pair.keyLocation,
                                                "YAML merge keys (<<) are not supported in \(owner): write the settings out, or alias a whole value (key: *anchor)"))
                    continue
                }
                problems.append(ConfigError(.unknownKey, at: pair.keyLocation, "unknown key '\(pair.key)' in \(owner)",
                                            suggestion: nearestName(to: pair.key, in: fields.map(\.name))))
                continue
            }
            if !seen.insert(pair.key).inserted {
                problems.append(ConfigError(.invalidValue, at: pair.keyLocation, "key '\(pair.key)' appears twice in \(owner)"))
                continue
            }
            if let deprecation = field.deprecation {
                problems.append(ConfigError(.deprecated, at: pair.keyLocation, "'\(pair.key)' is deprecated: \(deprecation)"))
            }
            parsed.locations[field.name] = pair.keyLocation
            read(pair.value, field: field, into: &parsed)
        }
        reportMissing(fields.filter { !seen.contains($0.name) }, owner: owner, at: missingAt ?? node.location)
        parsed.secretValues = Set(secretValuesUsed[mark...])
        return parsed
    }

    private mutating func reportMissing(_ fields: [FieldSpec], owner: String, at location: SourceLocation) {
        for field in fields where field.isRequired {
            problems.append(ConfigError(.missingField, at: location, "missing required field '\(field.name)' in \(owner)"))
        }
    }

    /// Reads one field's node into `parsed`.
    mutating func read(_ node: ConfigNode, field: FieldSpec, into parsed: inout ParsedConfig) {
        switch field.type {
        case .secret:
            if let secret = readSecret(node, field: field) {
                parsed.secrets[field.name] = secret
                parsed.values[field.name] = .string(secret.description)
            }
        case .component(let kind):
            if let component = readComponent(node, kind: kind) { parsed.components[field.name] = [component] }
        case .list(.component(let kind)):
            let items: [ConfigNode]
            switch node {
            case .sequence(let list, _): items = list
            case .mapping: items = [node]
            default:
                problems.append(ConfigError(.wrongType, at: node.location, "'\(field.name)' must be a list of \(kind)s, got \(node.kindName)"))
                return
            }
            parsed.components[field.name] = items.compactMap { readComponent($0, kind: kind) }
        default:
            if let value = readValue(node, type: field.type, field: field) { parsed.values[field.name] = value }
            if case .scalar(_, let plain, let at) = node { parsed.valueLocations[field.name] = textStart(at, plain: plain) }
            // Entries of free-form mappings (a map step's `fields`) keep their places too, so
            // errors found later in them (an expression) can point at the entry.
            if case .map = field.type, case .mapping(let pairs, _) = node {
                for pair in pairs { parsed.locations[field.name + "." + pair.key] = entryLocation(pair.value) }
            }
            // And the fields of a list's objects, as `levels.0.when`.
            if case .list(.object) = field.type, case .sequence(let items, _) = node {
                for (index, item) in items.enumerated() {
                    guard case .mapping(let pairs, _) = item else { continue }
                    for pair in pairs { parsed.locations["\(field.name).\(index).\(pair.key)"] = entryLocation(pair.value) }
                }
            }
        }
    }

    private mutating func readSecret(_ node: ConfigNode, field: FieldSpec) -> Secret? {
        guard case .scalar(let text, let plain, let at) = node else {
            problems.append(ConfigError(.wrongType, at: node.location, "'\(field.name)' must be a secret reference, got \(node.kindName)"))
            return nil
        }
        let expansion = expand(text, at: textStart(at, plain: plain))
        guard expansion.hasReferences else {
            problems.append(ConfigError(.literalSecret, at: at,
                                        "'\(field.name)' is a secret; write a reference such as ${secret:\(field.name)} or ${env:NAME}, not a literal value"))
            return nil
        }
        // A secret field filled from the environment or a file is hidden like one from the store,
        // whole and by its parts (`Bearer ${env:TOKEN}`: a message may quote the token alone).
        noteCredentials(expansion)
        return Secret(reference: expansion.references.joined(separator: "+"), value: expansion.text)
    }

    private func textStart(_ at: SourceLocation, plain: Bool) -> SourceLocation {
        plain ? at : SourceLocation(file: at.file, line: at.line, column: at.column + 1)
    }

    /// Where an entry's value starts: inside its quotes for a scalar.
    private func entryLocation(_ value: ConfigNode) -> SourceLocation {
        if case .scalar(_, let plain, let at) = value { return textStart(at, plain: plain) }
        return value.location
    }

    /// Reads a component: `kind: config` or `kind: shorthand`.
    public mutating func readComponent(_ node: ConfigNode, kind: ComponentKind) -> ComponentConfig? {
        // A bare name (`- stdout`) is the component with its defaults.
        if case .scalar(let name, true, let at) = node, !name.isEmpty {
            return readComponent(.mapping([(key: name, keyLocation: at, value: .scalar("", isPlain: true, at: at))], at: at), kind: kind)
        }
        guard case .mapping(let pairs, let at) = node else {
            problems.append(ConfigError(.wrongType, at: node.location,
                                        "a \(kind) is written as a one-key mapping 'kind: config', got \(node.kindName)"))
            return nil
        }
        guard pairs.count == 1, let pair = pairs.first else {
            let names = pairs.map(\.key).joined(separator: ", ")
            problems.append(ConfigError(.invalidValue, at: at, pairs.isEmpty
                                        ? "a \(kind) needs a kind, such as \(registry.names(of: kind).prefix(3).joined(separator: ", "))"
                                        : "a \(kind) names exactly one kind; found \(pairs.count) keys (\(names)) — indent its options under the kind"))
            return nil
        }
        guard let spec = registry.spec(named: pair.key, kind: kind) else {
            problems.append(ConfigError(.unknownComponent, at: pair.keyLocation, "unknown \(kind) kind '\(pair.key)'",
                                        suggestion: nearestName(to: pair.key, in: registry.names(of: kind))))
            return nil
        }
        let owner = "\(kind) '\(spec.name)'"
        var parsed: ParsedConfig
        if let body = spec.bodyField, let field = spec.field(body) {
            parsed = ParsedConfig(location: pair.value.location, baseDirectory: baseDirectory)
            parsed.locations[body] = pair.keyLocation
            read(pair.value, field: field, into: &parsed)
        } else if case .scalar = pair.value, !pair.value.isNull, let short = spec.shorthandField, let field = spec.field(short) {
            parsed = ParsedConfig(location: pair.value.location, baseDirectory: baseDirectory)
            parsed.locations[short] = pair.value.location
            read(pair.value, field: field, into: &parsed)
            reportMissing(spec.fields.filter { $0.name != short }, owner: owner, at: pair.keyLocation)
        } else if pair.value.isNull {
            parsed = ParsedConfig(location: pair.keyLocation, baseDirectory: baseDirectory)
            reportMissing(spec.fields, owner: owner, at: pair.keyLocation)
        } else {
            parsed = readFields(pair.value, fields: spec.fields, owner: owner, missingAt: pair.keyLocation)
        }
        parsed.location = pair.keyLocation
        return ComponentConfig(name: spec.name, spec: spec, config: parsed, location: pair.keyLocation)
    }

    /// Reads a node as a value of `type`, reporting a problem and returning `nil` if it is not one.
    public mutating func readValue(_ node: ConfigNode, type: FieldType, field: FieldSpec) -> Value? {
        let name = field.name
        switch type {
        case .object(let fields):
            let parsed = readFields(node, fields: fields, owner: "'\(name)'")
            // A nested mapping has no place of its own for secrets: their values join it.
            var values = parsed.values
            for (field, secret) in parsed.secrets { values[field] = .string(secret.value) }
            return .object(values)
        case .map(let inner):
            guard case .mapping(let pairs, _) = node else {
                return wrongType(node, name, "a mapping")
            }
            var object = Object(minimumCapacity: pairs.count)
            for pair in pairs {
                var element = field
                element.name = pair.key
                element.type = inner
                // An expression computes its value; the key names a target field, not a setting.
                if inner != .expression { checkSecretLike(key: pair.key, node: pair.value) }
                if let value = readValue(pair.value, type: inner, field: element) { object[pair.key] = value }
                // A tap's `environment: { DB_PASSWORD: ${env:…} }`: a credential as in a free-form mapping.
                if inner != .expression, Self.isCredentialLike(pair.key), case .scalar(let raw, let plain, let at) = pair.value, raw.contains("${") {
                    var again: [ConfigError] = []  // reported when the value was read
                    noteCredentials(resolver.expand(raw, at: textStart(at, plain: plain), relativeTo: baseDirectory, problems: &again))
                }
            }
            return .object(object)
        case .list(let inner):
            var element = field
            element.type = inner
            switch node {
            case .sequence(let items, _):
                var values: [Value] = []
                for item in items { if let v = readValue(item, type: inner, field: element) { values.append(v) } }
                return .array(values)
            case .scalar:
                return readValue(node, type: inner, field: element).map { .array([$0]) }
            case .mapping:
                if case .object = inner { return readValue(node, type: inner, field: element).map { .array([$0]) } }
                return wrongType(node, name, "a list")
            }
        case .any:
            return expandAll(node)
        case .secret:
            // A secret inside a list or mapping: still never a literal, but its value joins the
            // plain configuration, so such fields belong only to settings that are never printed.
            return readSecret(node, field: field).map { .string($0.value) }
        case .component:
            return expandAll(node)
        default:
            break
        }
        guard case .scalar(let raw, let plain, let at) = node else {
            return wrongType(node, name, article(type))
        }
        let expansion = expand(raw, at: textStart(at, plain: plain))
        let text = expansion.text
        // A value produced by a reference is checked as if it had been written plainly; errors
        // show the reference, never the value it gave (it may be a secret).
        let isPlain = plain || expansion.hasReferences
        let shown = expansion.hasReferences ? raw : nil
        switch type {
        case .string, .path, .expression:
            if plain && (raw.isEmpty || raw == "~" || raw == "null") { return wrongType(node, name, "a string") }
            return .string(text)
        case .url:
            guard expansion.hasReferences && text.isEmpty || isURL(text) else {
                problems.append(ConfigError(.invalidValue, at: at, "'\(name)' must be an absolute URL such as https://host/path, got '\(raw)'"))
                return nil
            }
            return .string(text)
        case .integer:
            guard isPlain, let i = Int(text) else { return wrongScalar(at, name, "an integer", raw) }
            return checkRange(.integer(i), Double(i), field, at, shown: shown)
        case .number:
            guard isPlain, let d = DecimalNumber(text) else { return wrongScalar(at, name, "a number", raw) }
            let value: Value = d.exactInt.map { .integer($0) } ?? .decimal(d)
            return checkRange(value, d.doubleValue, field, at, shown: shown)
        case .boolean:
            switch (isPlain, text.lowercased()) {
            case (true, "true"): return .bool(true)
            case (true, "false"): return .bool(false)
            default: return wrongScalar(at, name, "true or false", raw)
            }
        case .duration:
            // A bare number is seconds; a negative one is no duration, bare or not.
            if isPlain, let seconds = DecimalNumber(text), seconds.significand >= 0 { return .decimal(seconds) }
            guard Duration(configText: text) != nil else {
                return wrongScalar(at, name, "a duration such as 30s, 5m or 1h30m", raw)
            }
            return .string(text)
        case .oneOf(let options):
            guard options.contains(text) else {
                problems.append(ConfigError(.invalidValue, at: at,
                                            "'\(name)' must be one of \(options.joined(separator: ", ")); got '\(shown ?? text)'",
                                            suggestion: shown == nil ? nearestName(to: text, in: options) : nil))
                return nil
            }
            return .string(text)
        default:
            return .string(text)
        }
    }

    /// Expands the references in one scalar, remembering the secret values that went in.
    private mutating func expand(_ text: String, at base: SourceLocation) -> ReferenceResolver.Expansion {
        let expansion = resolver.expand(text, at: base, relativeTo: baseDirectory, problems: &problems)
        secretValuesUsed += expansion.secretValues
        noteUserinfo(expansion)
        return expansion
    }

    /// Expands references everywhere in a free-form node.
    ///
    /// A scalar with a reference (or a `$${` escape) in it is text, quoted or not: a secret
    /// `007` or a unit code `001` from the environment must not become the number 7 or 1, as
    /// YAML would read them written out. Fields with a declared type convert their text.
    mutating func expandAll(_ node: ConfigNode) -> Value {
        switch node {
        case .scalar(let raw, let plain, let at):
            let expansion = expand(raw, at: textStart(at, plain: plain))
            if !expansion.hasReferences && expansion.text == raw { return node.plainValue }
            return .string(expansion.text)
        case .mapping(let pairs, _):
            var object = Object(minimumCapacity: pairs.count)
            for pair in pairs {
                checkSecretLike(key: pair.key, node: pair.value)
                // A credential-named key filled from the environment or a file holds a secret
                // as surely as one from the store: a tap's stderr quoting its api_key from
                // ${env:…} showed it whole.
                if Self.isCredentialLike(pair.key), case .scalar(let raw, let plain, let at) = pair.value, raw.contains("${") {
                    let expansion = expand(raw, at: textStart(at, plain: plain))
                    noteCredentials(expansion)
                    object[pair.key] = !expansion.hasReferences && expansion.text == raw ? pair.value.plainValue : .string(expansion.text)
                    continue
                }
                object[pair.key] = expandAll(pair.value)
            }
            return .object(object)
        case .sequence(let items, _):
            return .array(items.map { expandAll($0) })
        }
    }

    /// Free-form keys named like credentials must not hold literals either.
    private mutating func checkSecretLike(key: String, node: ConfigNode) {
        // A reference or a `{{ … }}` template (connector manifests) computes the value; neither is a literal.
        guard case .scalar(let text, _, let at) = node, !text.isEmpty, !text.contains("${"), !text.contains("{{") else { return }
        guard Self.isSecretLike(key) else { return }
        problems.append(ConfigError(.literalSecret, at: at,
                                    "'\(key)' looks like a credential; write a reference such as ${secret:\(key)} instead of a literal value"))
    }

    /// A value filled into a URL's user info (`ftp://user:${env:FTPPW}@host/`), or the password of a
    /// URL filled in whole, is a credential whatever its key is called: masked wherever it shows, and
    /// known where a URL is percent-encoded for the `@` or `/` in it.
    private func noteUserinfo(_ expansion: ReferenceResolver.Expansion) {
        guard expansion.hasReferences, expansion.text.contains("://") else { return }
        func userinfo(_ url: String) -> Substring? {
            guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].lastIndex(of: "@") else { return nil }
            return url[scheme.upperBound..<at]
        }
        guard let region = userinfo(expansion.text) else { return }
        for value in expansion.filledValues + expansion.secretValues where value.count >= 3 {
            if value.contains("://"), let inner = userinfo(value) {
                if let colon = inner.firstIndex(of: ":"), inner[inner.index(after: colon)...].count >= 3 {
                    SecretStore.noteCredential(String(inner[inner.index(after: colon)...]))
                }
            } else if region.contains(value) {
                SecretStore.noteCredential(value)
            }
        }
    }

    /// Notes a credential's text and each value its references put in as secrets.
    private mutating func noteCredentials(_ expansion: ReferenceResolver.Expansion) {
        guard expansion.hasReferences else { return }
        for value in [expansion.text] + expansion.filledValues where !value.isEmpty && !expansion.secretValues.contains(value) {
            secretValuesUsed.append(value)
            SecretStore.noteCredential(value)
        }
    }

    /// Whether a key filled from the environment or a file is taken for a credential, to mask:
    /// wider than ``isSecretLike(_:)``, which lint holds to references (PGPASSWORD, MYSQL_PWD,
    /// auth_header, sig hold secrets as surely).
    static func isCredentialLike(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return isSecretLike(key) || ["pass", "pwd", "secret", "token", "credential", "apikey", "api_key", "auth", "sig", "private", "cookie"]
            .contains { lowered.contains($0) }
    }

    /// Whether a free-form key is named like a credential (``secretLikeNames``).
    static func isSecretLike(_ key: String) -> Bool {
        // Header names spell words with hyphens: X-Api-Key is x_api_key.
        let lowered = String(key.lowercased().map { $0 == "-" ? "_" : $0 })
        return secretLikeNames.contains(where: { lowered == $0 || lowered.hasSuffix("_" + $0) })
    }

    private func isURL(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        return scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
            && scheme.first!.isLetter && text[colon...].count > 1
    }

    private mutating func checkRange(_ value: Value, _ number: Double, _ field: FieldSpec, _ at: SourceLocation,
                                     shown: String? = nil) -> Value? {
        let got = shown.map { "'\($0)'" } ?? value.jsonText
        if let range = field.range, range.lowerBound == range.upperBound, number != range.lowerBound {
            problems.append(ConfigError(.invalidValue, at: at, "'\(field.name)' must be \(format(range.lowerBound)), got \(got)"))
            return nil
        }
        if let range = field.range, !range.contains(number) {
            problems.append(ConfigError(.invalidValue, at: at,
                                        "'\(field.name)' must be between \(format(range.lowerBound)) and \(format(range.upperBound)), got \(got)"))
            return nil
        }
        return value
    }

    private func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }

    private func article(_ type: FieldType) -> String {
        switch type {
        case .integer: return "an integer"
        case .oneOf(let options): return "one of \(options.joined(separator: ", "))"
        case .boolean: return "true or false"
        case .url: return "a URL"
        default: return "a \(type.name)"
        }
    }

    private mutating func wrongType(_ node: ConfigNode, _ name: String, _ expected: String) -> Value? {
        problems.append(ConfigError(.wrongType, at: node.location, "'\(name)' must be \(expected), got \(node.kindName)"))
        return nil
    }

    private mutating func wrongScalar(_ at: SourceLocation, _ name: String, _ expected: String, _ raw: String) -> Value? {
        problems.append(ConfigError(.wrongType, at: at, "'\(name)' must be \(expected), got '\(raw)'"))
        return nil
    }
}

extension ConfigValidator {
    /// Reads a settings section outside any component (a listener in `config/huiliu.yaml`):
    /// validates `node` against `fields`, then builds the settings from it.
    /// - Throws: every problem, each at its `file:line:column`.
    public static func readSection<Settings>(_ node: ConfigNode, fields: [FieldSpec], owner: String, resolver: ReferenceResolver,
                                             baseDirectory: String,
                                             as make: (ParsedConfig) throws(ConfigError) -> Settings) throws(ConfigErrors) -> Settings {
        var validator = ConfigValidator(registry: ConnectorRegistry(), resolver: resolver, baseDirectory: baseDirectory)
        let parsed = validator.readFields(node, fields: fields, owner: owner)
        guard validator.problems.isEmpty else { throw ConfigErrors(validator.problems) }
        do {
            return try make(parsed)
        } catch {
            throw ConfigErrors([error])
        }
    }
}
