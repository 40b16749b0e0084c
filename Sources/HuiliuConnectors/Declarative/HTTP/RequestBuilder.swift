import Foundation
import HuiliuCore
import HuiliuExpression
import HuiliuTransport

/// Renders a stream's request templates for one page: URL (or the next URL a paginator
/// found), query, headers, body, timeouts and TLS. Authentication is added afterwards, on
/// every attempt, so a retried request gets a fresh signature.
struct RequestBuilder: Sendable {
    let definition: RequestDefinition
    /// How requests leave the gateway (its `http.proxy`).
    var proxy: Proxy = .direct
    /// The connector's secret values: one written into base_url's user info as it is is percent-encoded there.
    var secrets: [String] = []
    /// What relative TLS file paths are relative to: the project root, like every path in its files.
    var projectDirectory = FileManager.default.currentDirectoryPath

    /// The unauthenticated request for `context`; `url` replaces the templates' URL (and query)
    /// when a paginator follows a next link.
    func build(_ context: Value, url override: String? = nil) throws(ManifestRuntimeError) -> HTTPRequest {
        do {
            var url: String
            if let override {
                let base = try baseURL(context)
                url = try Self.resolve(override, against: base)
                // The paginator's link comes from the upstream's answer; authentication is added to
                // every request, so a link to another host would take the credentials there.
                guard UpstreamClient.origin(of: url) == UpstreamClient.origin(of: base) else {
                    throw ManifestRuntimeError("""
                        the next page's link leads to \(UpstreamClient.origin(of: url)), another host or scheme than base_url \
                        (\(UpstreamClient.origin(of: base))): not followed, as the request's credentials would go with it
                        """)
                }
            } else {
                url = try baseURL(context)
                if let path = definition.path, let rendered = try path.string(context, escaping: .pathSegment) {
                    if !rendered.isEmpty {
                        url = (url.hasSuffix("/") ? String(url.dropLast()) : url) + (rendered.hasPrefix("/") ? "" : "/") + rendered
                    }
                }
                var pairs: [(String, String)] = []
                for (name, template) in definition.query {
                    if let value = try template.string(context) { pairs.append((name, value)) }
                }
                if !pairs.isEmpty { url += (url.contains("?") ? "&" : "?") + FormEncoding.encode(pairs) }
            }
            var request = HTTPRequest(method: HTTPMethod(rawValue: definition.method), url: url)
            for (name, template) in definition.headers {
                if let value = try template.string(context) { request.headers.replaceOrAdd(name: name, value: value) }
            }
            try addBody(to: &request, context)
            var options = TransferOptions()
            // Redirects are followed by the upstream client, within the origin only: libcurl would
            // take the request's own headers (API keys, signatures) to whatever host it is sent on to.
            options.followRedirects = false
            options.timeout = definition.timeout
            options.connectTimeout = definition.connectTimeout
            options.httpVersion = definition.httpVersion
            options.tls = try tls(context)
            options.proxy = proxy
            request.options = options
            return request
        } catch let error as ManifestRuntimeError {
            throw error
        } catch {
            throw ManifestRuntimeError("request template: \(error)")
        }
    }

    /// The stream's `request.tls`: for its requests and for its OAuth2 token requests.
    func tls(_ context: Value) throws -> TLSOptions {
        let tls = definition.tls
        var options = TLSOptions()
        options.caBundlePath = try tls.caBundle?.string(context).map(resolved)
        options.clientCertificatePath = try tls.clientCertificate?.string(context).map(resolved)
        options.clientKeyPath = try tls.clientKey?.string(context).map(resolved)
        options.clientKeyPassword = try tls.clientKeyPassword?.string(context)
        options.verifyPeer = tls.verify
        options.verifyHost = tls.verify
        return options
    }

    /// The URL the request's relative parts are resolved against.
    func baseURL(_ context: Value) throws -> String {
        if let url = definition.url, let rendered = try url.string(context) { return URLRedactor.encodingUserinfo(rendered, secrets: secrets) }
        guard let base = try definition.baseURL?.string(context), !base.isEmpty else {
            throw ManifestRuntimeError("the request's base_url is empty; set it in the pipeline's configuration")
        }
        return URLRedactor.encodingUserinfo(base, secrets: secrets)
    }

    /// `path` relative to the project root, unless absolute or in the home directory.
    func resolved(_ path: String) -> String {
        if path.isEmpty || path.hasPrefix("/") { return path }
        return path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst() : projectDirectory + "/" + path
    }

    /// `next` made absolute against the URL that led to it, by RFC 3986 §5.2: a full URL as
    /// is, `//host/…` with the base's scheme, `/path` on the base's origin, `?query` on the
    /// base's path, anything else after the base path's directory, with `.` and `..` removed.
    static func resolve(_ next: String, against base: String) throws -> String {
        if let colon = next.firstIndex(of: ":"), next[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
           next[..<colon].first?.isLetter == true {
            return next
        }
        guard let schemeEnd = base.range(of: "://") else { throw ManifestRuntimeError("cannot resolve '\(next)' against '\(base)'") }
        if next.hasPrefix("//") { return String(base[..<schemeEnd.lowerBound]) + ":" + next }
        let afterScheme = base[schemeEnd.upperBound...]
        let hostEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let origin = String(base[..<hostEnd])
        let rest = base[hostEnd...]
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        if next.hasPrefix("#") { return origin + String(rest.prefix { $0 != "#" }) + next }
        if next.hasPrefix("?") { return origin + (path.isEmpty ? "/" : path) + next }
        let target = next.prefix { $0 != "?" && $0 != "#" }
        let suffix = next.dropFirst(target.count)
        let merged = target.hasPrefix("/") ? String(target)
            : (path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/") + target
        return origin + Self.removingDotSegments(merged) + suffix
    }

    /// RFC 3986 §5.2.4 for an absolute path: `/a/b/../c/./d` is `/a/c/d`.
    static func removingDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (i, segment) in segments.enumerated() {
            let last = i == segments.count - 1
            switch segment {
            case ".": if last { output.append("") }
            case "..":
                if !output.isEmpty { output.removeLast() }
                if last { output.append("") }
            default: output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }

    private func addBody(to request: inout HTTPRequest, _ context: Value) throws {
        func setType(_ type: String) {
            if !request.headers.contains("Content-Type") { request.headers["Content-Type"] = type }
        }
        if let soap = definition.soap {
            let envelopeNS = soap.version == "1.2" ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/"
            let header = try soap.header.map { "<soap:Header>\(try $0.string(context, escaping: .xml) ?? "")</soap:Header>" } ?? ""
            let body = try soap.body.string(context, escaping: .xml) ?? ""
            let envelope = #"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap=""# + envelopeNS + #"">"#
                + header + "<soap:Body>" + body + "</soap:Body></soap:Envelope>"
            request.body = Array(envelope.utf8)
            let action = try soap.action?.string(context)
            if soap.version == "1.2" {
                setType("application/soap+xml; charset=utf-8" + (action.map { "; action=\"\($0)\"" } ?? ""))
            } else {
                setType("text/xml; charset=utf-8")
                request.headers["SOAPAction"] = "\"\(action ?? "")\""
            }
            return
        }
        switch definition.body {
        case .json(let template)?:
            var writer = JSONWriter()
            writer.write(try template.render(context))
            request.body = writer.bytes
            setType("application/json; charset=utf-8")
        case .form(let fields)?:
            var pairs: [(String, String)] = []
            for (name, template) in fields {
                if let value = try template.string(context) { pairs.append((name, value)) }
            }
            request.body = Array(FormEncoding.encode(pairs).utf8)
            setType("application/x-www-form-urlencoded")
        case .text(let template, let contentType)?:
            request.body = Array((try template.string(context) ?? "").utf8)
            setType(contentType)
        case nil:
            break
        }
    }
}

/// A manifest connector that failed while running: a template that could not be rendered,
/// a response that could not be read, an upstream error.
public struct ManifestRuntimeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong (URLs redacted, credentials never included).
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
