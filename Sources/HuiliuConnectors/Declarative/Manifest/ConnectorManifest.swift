public import HuiliuCore
public import HuiliuKit
import HuiliuTransport
import HuiliuExpression

/// A connector declared in `connectors/<name>/connector.yaml`: its configuration fields and
/// streams, read and checked by ``ManifestLoader``. It registers as a source kind named
/// after the connector, so pipelines, lint and `huiliu connector spec` treat it like a
/// built-in.
public struct ConnectorManifest: Sendable {
    /// The connector's name, which is also its folder's name and its source kind.
    public let name: String
    /// The upstream system's name, for docs.
    public let title: String?
    /// One line for listings.
    public let summary: String
    /// Longer explanation.
    public let details: String
    /// Maturity.
    public let status: ComponentStatus
    /// The connector's folder (absolute).
    public let directory: String
    /// The manifest file as shown in messages (`connectors/<name>/connector.yaml`).
    public let file: String
    /// The configuration fields the manifest declares under `spec:`.
    public let fields: [FieldSpec]
    /// The streams, in file order.
    public let streams: [ManifestStream]
    /// The stream `huiliu connector check` fetches from.
    public let checkStream: String

    /// The source's specification: `stream`, the declared fields, and `mapping`.
    public var componentSpec: ComponentSpec {
        let streamField = FieldSpec("stream", .oneOf(streams.map(\.name)), "The stream to read.",
                                    example: streams.first.map { .string($0.name) })
        let mappingField = FieldSpec("mapping", .string,
                                     "`none` to pass records on unmapped, or another mapping (`system/name` or a .yaml path); default: the stream's own.",
                                     optional: true, advanced: true)
        var text = details.isEmpty ? "" : details + "\n\n"
        text += "Streams:\n\n" + streams.map { "- `\($0.name)`: \($0.summaryLine)" }.joined(separator: "\n")
        return ComponentSpec(name: name, kind: .source, summary: summary, details: text, status: status,
                             fields: [streamField] + fields + [mappingField])
    }

    /// The stream called `name`.
    public func stream(_ name: String) -> ManifestStream? {
        streams.first { $0.name == name }
    }
}

/// One stream of a manifest: where its records come from and how they are keyed and mapped.
public struct ManifestStream: Sendable {
    /// The stream's name.
    public let name: String
    /// What it holds.
    public let description: String
    /// The mapping file name in the connector's `mappings/` folder, if any.
    public let mapping: String?
    /// Field paths of the natural key.
    public let primaryKey: [String]
    /// Where it was declared.
    public let location: SourceLocation

    let kind: Kind
    let records: JMESPathExpression?
    let filter: JMESPathExpression?
    let incremental: IncrementalDefinition?
    let partitions: ValueTemplate?

    enum Kind: Sendable {
        case http(HTTPStreamDefinition)
        case files(FileStreamDefinition)
    }

    /// True when the stream reads only what changed since the last run.
    public var isIncremental: Bool { incremental != nil }

    /// True when the stream reads files rather than HTTP responses.
    public var readsFiles: Bool {
        if case .files = kind { return true }
        return false
    }

    /// `GET /path · page_number · incremental on gxsj`, for docs.
    public var summaryLine: String {
        var parts: [String] = []
        switch kind {
        case .http(let http):
            let target = http.request.path?.text ?? http.request.url?.text ?? "/"
            parts.append("\(http.request.soap != nil ? "SOAP" : http.request.method) \(target)")
            if http.pagination.type != .none { parts.append("paged by \(http.pagination.type.rawValue)") }
            if case .signature = http.auth { parts.append("signed") } else if http.auth.name != "none" { parts.append(http.auth.name) }
        case .files(let files):
            parts.append("files `\(files.pattern)` (\(files.format))")
        }
        if let incremental { parts.append("incremental on `\(incremental.cursorField.text)`") }
        if partitions != nil { parts.append("partitioned") }
        if let mapping { parts.append("mapped by `mappings/\(mapping).yaml`") }
        return (description.isEmpty ? "" : description + " — ") + parts.joined(separator: ", ")
    }
}

/// An HTTP stream's request, auth, response, paging and error handling.
struct HTTPStreamDefinition: Sendable {
    var request: RequestDefinition
    var auth: AuthDefinition
    var response: ResponseDefinition
    var pagination: PaginationDefinition
    var errors: ErrorPolicy
    var rateLimit: (requests: Int, per: Duration)?
    var circuitBreaker: (failures: Int, coolDown: Duration)?
    var concurrency: Int
}

/// How each page's request is built.
struct RequestDefinition: Sendable {
    var method: String
    var baseURL: Template?
    var path: Template?
    var url: Template?
    var query: [(String, Template)]
    var headers: [(String, Template)]
    var body: Body?
    var soap: SOAPDefinition?
    var timeout: Duration
    var connectTimeout: Duration
    var httpVersion: HTTPVersion
    var tls: TLSDefinition

    enum Body: Sendable {
        case json(ValueTemplate)
        case form([(String, Template)])
        case text(Template, contentType: String)
    }
}

/// A SOAP request's envelope parts.
struct SOAPDefinition: Sendable {
    var action: Template?
    var version: String
    var header: Template?
    var body: Template
}

/// TLS settings whose paths are templates.
struct TLSDefinition: Sendable {
    var caBundle: Template?
    var clientCertificate: Template?
    var clientKey: Template?
    var clientKeyPassword: Template?
    var verify = true
}

/// How requests authenticate.
enum AuthDefinition: Sendable {
    case none
    case apiKey(name: String, inQuery: Bool, value: Template, prefix: String)
    case basic(username: Template, password: Template)
    case bearer(token: Template)
    case oauth2(OAuth2Definition)
    case signature(SignatureDefinition)

    var name: String {
        switch self {
        case .none: return "none"
        case .apiKey: return "API key"
        case .basic: return "basic auth"
        case .bearer: return "bearer token"
        case .oauth2: return "OAuth2 client credentials"
        case .signature: return "signed"
        }
    }
}

/// OAuth 2.0 client credentials.
struct OAuth2Definition: Sendable {
    var tokenURL: Template
    var clientID: Template
    var clientSecret: Template
    var scope: Template?
    var credentialsInHeader: Bool
    var refreshMargin: Duration
}

/// Request signing with a configurable canonical string (domain.md §7.2).
struct SignatureDefinition: Sendable {
    var appKey: Template
    var secret: Template
    var algorithm: RequestSigner.Algorithm
    var template: SigningTemplate
    var bodyDigest: Digest
    var encoding: RequestSigner.SignatureEncoding
    var timestamp: RequestSigner.TimestampFormat
    var location: RequestSigner.Location
    var names: RequestSigner.ParameterNames
    var extra: [String: Template]
    var valueEncoding: RequestSigner.ValueEncoding
    var omitsEmptyValues: Bool
    var secretPlacement: RequestSigner.SecretPlacement
}

/// How a response body becomes a value.
struct ResponseDefinition: Sendable {
    enum Format: String, Sendable { case json, xml, soap, csv, jsonl, text }
    var format: Format
    var xml: XMLOptions
    var delimiter: UInt8
    var encoding: String
    var decrypt: DecryptDefinition?
}

/// SM4 decryption of a payload.
struct DecryptDefinition: Sendable {
    var cbc: Bool
    var key: Template
    var keyEncoding: String
    var iv: Template?
    var field: [String]?
    var base64: Bool
}

/// How the next page is found.
struct PaginationDefinition: Sendable {
    enum Kind: String, Sendable { case none, pageNumber = "page_number", offset, cursor, nextURL = "next_url", link }
    var type: Kind
    var start: Int
    var size: Template?
    var total: JMESPathExpression?
    var stopWhen: JMESPathExpression?
    var next: JMESPathExpression?
    var rel: String
    var maxPages: Int?

    /// True when the next request does not depend on this response, so pages can be fetched ahead.
    var isPredictable: Bool { type == .pageNumber || type == .offset }
}

/// Retries and the meaning of statuses and bodies.
struct ErrorPolicy: Sendable {
    var attempts: Int
    var initialDelay: Duration
    var maxDelay: Duration
    var multiplier: Double
    var jitter: Double
    var honoursRetryAfter: Bool
    var maxRetryAfter: Duration
    var rules: [ErrorRule]
}

/// One rule of `errors.rules`.
struct ErrorRule: Sendable {
    enum Action: String, Sendable { case retry, ignore, fail, success }
    var statuses: Set<Int>
    var when: JMESPathExpression?
    var action: Action
    var message: Template?
}

/// An incremental cursor.
struct IncrementalDefinition: Sendable {
    enum Kind: String, Sendable { case datetime, integer }
    var kind: Kind
    var cursorField: JMESPathExpression
    var format: String
    var zone: String
    var start: Template
    var end: Template?
    var step: Int?
    var lookback: Int
    var filterRecords: Bool
}

/// A stream that reads files.
struct FileStreamDefinition: Sendable {
    var location: Template
    var pattern: String
    var format: String
    var encoding: String
    var delimiter: UInt8
    var sheet: Template?
    var username: Template?
    var password: Template?
    var privateKey: Template?
    var hostKey: Template?
    var ftpSecurity: String
    var caBundle: Template?
}
