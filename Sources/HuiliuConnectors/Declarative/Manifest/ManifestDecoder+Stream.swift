import Foundation
import HuiliuCore
import HuiliuExpression
import HuiliuKit
import HuiliuTransport

extension ManifestDecoder {
    mutating func decodeStream(_ name: String, _ node: ConfigNode, at location: SourceLocation) -> ManifestStream? {
        let before = problems.count
        // Everything independent of the stream's kind is checked first, so one lint run reports it all.
        var primaryKey: [String] = []
        switch node["primary_key"] {
        case .sequence(let items, _)?: primaryKey = items.compactMap(\.scalarText)
        case let scalar?: primaryKey = text(scalar).map { [$0] } ?? []
        case nil: break
        }
        let mapping = text(node["mapping"])
        if let mapping { checkMapping(mapping, node["mapping"]) }
        let records = expression(node["records"]), filter = expression(node["filter"])
        let incremental = node["incremental"].flatMap { decodeIncremental($0) }
        let partitions = node["partitions"]?["values"].flatMap { valueTemplate($0) }
        let kind: ManifestStream.Kind
        if let files = node["files"] {
            if node["request"] != nil {
                problems.append(ConfigError(.invalidValue, at: location, "stream '\(name)' has both 'request' and 'files'; a stream reads one or the other"))
            }
            guard let definition = decodeFiles(files) else { return nil }
            kind = .files(definition)
        } else {
            guard let request = node["request"] else {
                problems.append(ConfigError(.missingField, at: location, "stream '\(name)' needs a 'request' (or 'files'), here or in 'defaults'"))
                return nil
            }
            guard let http = decodeHTTP(request, node) else { return nil }
            kind = .http(http)
        }
        let stream = ManifestStream(name: name, description: text(node["description"]) ?? "", mapping: mapping, primaryKey: primaryKey,
                                    location: location, kind: kind, records: records, filter: filter, incremental: incremental,
                                    partitions: partitions)
        return problems.count == before ? stream : nil
    }

    mutating func checkMapping(_ name: String, _ node: ConfigNode?) {
        let folder = directory + "/mappings"
        guard !FileManager.default.fileExists(atPath: "\(folder)/\(name).yaml") else { return }
        let known = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }
            .map { String($0.dropLast(5)) }
        problem(node, "no mapping file mappings/\(name).yaml in this connector", suggestion: nearestName(to: name, in: known))
    }

    // MARK: HTTP

    mutating func decodeHTTP(_ request: ConfigNode, _ stream: ConfigNode) -> HTTPStreamDefinition? {
        guard let definition = decodeRequest(request) else { return nil }
        let errors = stream["errors"]
        var rules: [ErrorRule] = []
        if case .sequence(let items, _)? = errors?["rules"] {
            for item in items {
                var statuses: Set<Int> = []
                switch item["status"] {
                case .sequence(let codes, _)?: statuses = Set(codes.compactMap { int($0) })
                case let code?: if let status = int(code) { statuses = [status] }
                case nil: break
                }
                let when = expression(item["when"], readsResponse: true)
                if statuses.isEmpty && when == nil {
                    problems.append(ConfigError(.missingField, at: item.location, "an error rule needs 'status', 'when' or both"))
                }
                rules.append(ErrorRule(statuses: statuses, when: when, action: ErrorRule.Action(rawValue: text(item["action"]) ?? "fail") ?? .fail,
                                       message: template(item["message"], readsResponse: true)))
            }
        }
        let policy = ErrorPolicy(
            attempts: int(errors?["attempts"]) ?? 5, initialDelay: duration(errors?["initial_delay"]) ?? .milliseconds(500),
            maxDelay: duration(errors?["max_delay"]) ?? .seconds(30), multiplier: number(errors?["multiplier"]) ?? 2,
            jitter: number(errors?["jitter"]) ?? 0.2, honoursRetryAfter: bool(errors?["retry_after"]) ?? true,
            maxRetryAfter: duration(errors?["max_retry_after"]) ?? .seconds(300), rules: rules)
        var rateLimit: (Int, Duration)?
        if let limit = stream["rate_limit"], let requests = int(limit["requests"]) {
            rateLimit = (requests, duration(limit["per"]) ?? .seconds(1))
        }
        var breaker: (Int, Duration)?
        if let circuit = stream["circuit_breaker"] {
            breaker = (int(circuit["failures"]) ?? 5, duration(circuit["cool_down"]) ?? .seconds(30))
        }
        guard let auth = decodeAuth(stream["auth"]), let response = decodeResponse(stream["response"]),
              let pagination = decodePagination(stream["paginate"]) else { return nil }
        return HTTPStreamDefinition(request: definition, auth: auth, response: response, pagination: pagination, errors: policy,
                                    rateLimit: rateLimit, circuitBreaker: breaker, concurrency: int(stream["concurrency"]) ?? 2)
    }

    mutating func decodeRequest(_ node: ConfigNode) -> RequestDefinition? {
        let url = template(node["url"]), path = template(node["path"]), base = template(node["base_url"])
        if url == nil && path == nil && base == nil {
            problems.append(ConfigError(.missingField, at: node.location, "a request needs 'url', or 'base_url' and 'path'"))
            return nil
        }
        let bodies = ["json", "form", "body", "soap"].filter { node[$0] != nil }
        if bodies.count > 1 {
            problems.append(ConfigError(.invalidValue, at: node[bodies[1]]!.location,
                                        "a request has one body; found \(bodies.map { "'\($0)'" }.joined(separator: " and "))"))
        }
        var body: RequestDefinition.Body?
        if let json = node["json"] { body = valueTemplate(json).map(RequestDefinition.Body.json) }
        if node["form"] != nil { body = .form(templates(node["form"])) }
        if let text = template(node["body"]) { body = .text(text, contentType: self.text(node["content_type"]) ?? "text/plain; charset=utf-8") }
        var soap: SOAPDefinition?
        if let soapNode = node["soap"], let soapBody = template(soapNode["body"]) {
            soap = SOAPDefinition(action: template(soapNode["action"]), version: text(soapNode["version"]) ?? "1.1",
                                  header: template(soapNode["header"]), body: soapBody)
        }
        let tls = node["tls"]
        let version: HTTPVersion
        switch text(node["http_version"]) {
        case "1.1": version = .http1_1
        case "2": version = .http2PriorKnowledge
        default: version = .automatic
        }
        return RequestDefinition(
            method: text(node["method"]) ?? (soap != nil ? "POST" : "GET"), baseURL: base, path: path, url: url,
            query: templates(node["query"]), headers: templates(node["headers"]), body: body, soap: soap,
            timeout: duration(node["timeout"]) ?? .seconds(60), connectTimeout: duration(node["connect_timeout"]) ?? .seconds(10),
            httpVersion: version,
            tls: TLSDefinition(caBundle: template(tls?["ca_bundle"]), clientCertificate: template(tls?["client_certificate"]),
                               clientKey: template(tls?["client_key"]), clientKeyPassword: template(tls?["client_key_password"]),
                               verify: bool(tls?["verify"]) ?? true))
    }

    /// The fields each auth type takes, besides `type`.
    static let authFieldsByType: [String: [String]] = [
        "none": [], "api_key": ["header", "query", "value", "prefix"], "basic": ["username", "password"], "bearer": ["token"],
        "oauth2": ["token_url", "client_id", "client_secret", "scope", "credentials", "refresh_margin"],
        "signature": ["app_key", "secret", "algorithm", "canonical", "body_digest", "encoding", "timestamp", "location", "names",
                      "extra", "value_encoding", "omit_empty", "secret_placement"],
    ]

    mutating func decodeAuth(_ node: ConfigNode?) -> AuthDefinition? {
        guard let node else { return AuthDefinition.none }
        let type = text(node["type"]) ?? "none"
        if case .mapping(let pairs, _) = node, let allowed = Self.authFieldsByType[type] {
            for pair in pairs where pair.key != "type" && !allowed.contains(pair.key) {
                problems.append(ConfigError(.unknownKey, at: pair.keyLocation, "'\(pair.key)' does not apply to auth type \(type)",
                                            suggestion: nearestName(to: pair.key, in: allowed)))
            }
        }
        switch type {
        case "api_key":
            guard let value = required(node, "value", type) else { return nil }
            let query = text(node["query"])
            return .apiKey(name: query ?? text(node["header"]) ?? "X-Api-Key", inQuery: query != nil, value: value,
                           prefix: text(node["prefix"]) ?? "")
        case "basic":
            guard let user = required(node, "username", type), let password = required(node, "password", type) else { return nil }
            return .basic(username: user, password: password)
        case "bearer":
            guard let token = required(node, "token", type) else { return nil }
            return .bearer(token: token)
        case "oauth2":
            guard let url = required(node, "token_url", type), let id = required(node, "client_id", type), let secret = required(node, "client_secret", type) else { return nil }
            return .oauth2(OAuth2Definition(tokenURL: url, clientID: id, clientSecret: secret, scope: template(node["scope"]),
                                            credentialsInHeader: text(node["credentials"]) != "body",
                                            refreshMargin: duration(node["refresh_margin"]) ?? .seconds(60)))
        case "signature":
            return decodeSignature(node)
        default:
            return AuthDefinition.none
        }
    }

    private mutating func required(_ node: ConfigNode, _ key: String, _ type: String) -> Template? {
        if node[key] == nil {
            problems.append(ConfigError(.missingField, at: node.location, "auth type \(type) needs '\(key)'"))
            return nil
        }
        return template(node[key])
    }

    private mutating func decodeSignature(_ node: ConfigNode) -> AuthDefinition? {
        guard let appKey = required(node, "app_key", "signature"), let secret = required(node, "secret", "signature") else { return nil }
        let canonicalText = text(node["canonical"]) ?? "{sortedParams}"
        let template: SigningTemplate
        do {
            template = try SigningTemplate(canonicalText)
        } catch {
            problem(node["canonical"], "invalid canonical string: \(error.message)")
            return nil
        }
        var names = RequestSigner.ParameterNames()
        if let given = node["names"] {
            names = .init(appKey: text(given["app_key"]) ?? names.appKey, timestamp: text(given["timestamp"]) ?? names.timestamp,
                          nonce: text(given["nonce"]) ?? names.nonce, signature: text(given["signature"]) ?? names.signature)
        }
        var extra: [String: Template] = [:]
        for (key, value) in templates(node["extra"]) { extra[key] = value }
        let algorithm: RequestSigner.Algorithm
        switch text(node["algorithm"]) {
        case "hmac-sm3": algorithm = .hmacSM3
        case "sha256": algorithm = .sha256
        case "sm3": algorithm = .sm3
        default: algorithm = .hmacSHA256
        }
        let encoding: RequestSigner.SignatureEncoding = text(node["encoding"]) == "HEX" ? .uppercaseHex
            : text(node["encoding"]) == "base64" ? .base64 : .lowercaseHex
        let timestamp: RequestSigner.TimestampFormat = text(node["timestamp"]) == "s" ? .seconds
            : text(node["timestamp"]) == "compact" ? .compact() : .milliseconds
        return .signature(SignatureDefinition(
            appKey: appKey, secret: secret, algorithm: algorithm, template: template,
            bodyDigest: text(node["body_digest"]) == "sm3" ? .sm3 : .sha256, encoding: encoding, timestamp: timestamp,
            location: text(node["location"]) == "query" ? .query : .headers, names: names, extra: extra,
            valueEncoding: text(node["value_encoding"]) == "percent" ? .percentEncoded : .raw,
            omitsEmptyValues: bool(node["omit_empty"]) ?? false,
            secretPlacement: text(node["secret_placement"]) == "prepend" ? .prepend : .append))
    }

    mutating func decodeResponse(_ node: ConfigNode?) -> ResponseDefinition? {
        var xml = XMLOptions()
        if let options = node?["xml"] {
            xml.keepNamespaces = text(options["namespaces"]) == "keep"
            xml.attributePrefix = text(options["attribute_prefix"]) ?? "@"
            xml.textKey = text(options["text_key"]) ?? "#text"
            if case .sequence(let names, _)? = options["arrays"] { xml.arrays = Set(names.compactMap(\.scalarText)) }
        }
        let delimiterText = text(node?["delimiter"]) ?? ","
        guard delimiterText.utf8.count == 1, let delimiter = delimiterText.utf8.first else {
            problem(node?["delimiter"], "'delimiter' must be one ASCII character, got '\(delimiterText)'")
            return nil
        }
        var decrypt: DecryptDefinition?
        if let node = node?["decrypt"], let key = template(node["key"]) {
            let cbc = text(node["algorithm"]) == "sm4-cbc"
            if cbc && node["iv"] == nil {
                problems.append(ConfigError(.missingField, at: node.location, "sm4-cbc needs 'iv'"))
            }
            decrypt = DecryptDefinition(cbc: cbc, key: key, keyEncoding: text(node["key_encoding"]) ?? "hex", iv: template(node["iv"]),
                                        field: text(node["field"]).map { $0.split(separator: ".").map(String.init) },
                                        base64: text(node["encoding"]) != "hex")
        }
        return ResponseDefinition(format: ResponseDefinition.Format(rawValue: text(node?["format"]) ?? "json") ?? .json, xml: xml,
                                  delimiter: delimiter, encoding: text(node?["encoding"]) ?? "auto", decrypt: decrypt)
    }

    mutating func decodePagination(_ node: ConfigNode?) -> PaginationDefinition? {
        let type = PaginationDefinition.Kind(rawValue: text(node?["type"]) ?? "none") ?? .none
        let next = expression(node?["next"], readsResponse: true)
        if (type == .cursor || type == .nextURL) && next == nil && node?["next"] == nil {
            problems.append(ConfigError(.missingField, at: node?.location ?? SourceLocation(file: file, line: 1, column: 1),
                                        "paginate type \(type.rawValue) needs 'next', the expression giving the next \(type == .cursor ? "token" : "URL")"))
            return nil
        }
        if (type == .pageNumber || type == .offset) && node?["size"] == nil {
            problems.append(ConfigError(.missingField, at: node?.location ?? SourceLocation(file: file, line: 1, column: 1),
                                        "paginate type \(type.rawValue) needs 'size'"))
            return nil
        }
        return PaginationDefinition(type: type, start: int(node?["start"]) ?? (type == .pageNumber ? 1 : 0), size: template(node?["size"]),
                                    total: expression(node?["total"], readsResponse: true), stopWhen: expression(node?["stop_when"], readsResponse: true), next: next,
                                    rel: text(node?["rel"]) ?? "next", maxPages: int(node?["max_pages"]))
    }

    // MARK: incremental and files

    mutating func decodeIncremental(_ node: ConfigNode) -> IncrementalDefinition? {
        let kind = IncrementalDefinition.Kind(rawValue: text(node["type"]) ?? "datetime") ?? .datetime
        let format = text(node["format"]) ?? "iso8601"
        let zone = text(node["zone"]) ?? "Asia/Shanghai"
        if kind == .datetime {
            do throws(ExpressionError) { try TimeText.validate(format: format) } catch { problem(node["format"], error.message) }
            do throws(ExpressionError) { try TimeText.validate(zone: zone) } catch { problem(node["zone"], error.message) }
        }
        func amount(_ key: String) -> Int? {
            guard let value = text(node[key]) else { return nil }
            if kind == .integer {
                guard let n = Int(value), n >= 0 else { problem(node[key], "'\(key)' of an integer cursor is a whole number, got '\(value)'"); return nil }
                return n
            }
            guard let d = Duration(configText: value) else {
                problem(node[key], "'\(key)' of a datetime cursor is a duration such as 1d or 6h, got '\(value)'")
                return nil
            }
            return Int(d.components.seconds)
        }
        let step = amount("step")
        if let step, step <= 0 { problem(node["step"], "'step' must be more than zero") }
        guard let cursor = expression(node["cursor_field"]), let start = template(node["start"]) else { return nil }
        return IncrementalDefinition(kind: kind, cursorField: cursor, format: format, zone: zone, start: start, end: template(node["end"]),
                                     step: step, lookback: amount("lookback") ?? 0, filterRecords: bool(node["filter_records"]) ?? false)
    }

    mutating func decodeFiles(_ node: ConfigNode) -> FileStreamDefinition? {
        let delimiterText = text(node["delimiter"]) ?? ","
        guard let location = template(node["location"]) else { return nil }
        guard delimiterText.utf8.count == 1, let delimiter = delimiterText.utf8.first else {
            problem(node["delimiter"], "'delimiter' must be one ASCII character, got '\(delimiterText)'")
            return nil
        }
        if let pattern = text(node["pattern"]), pattern.contains("{{") {
            // Rendered as nothing, it would match no file and every run would read nothing.
            problem(node["pattern"], "'pattern' is a glob such as hourly-*.csv, not a template; put what varies in 'location'")
            return nil
        }
        return FileStreamDefinition(location: location, pattern: text(node["pattern"]) ?? "*", format: text(node["format"]) ?? "auto",
                                    encoding: text(node["encoding"]) ?? "auto", delimiter: delimiter, sheet: template(node["sheet"]),
                                    username: template(node["username"]), password: template(node["password"]),
                                    privateKey: template(node["private_key"]), hostKey: template(node["host_key"]),
                                    ftpSecurity: text(node["tls"]) ?? "none", caBundle: template(node["ca_bundle"]))
    }
}
