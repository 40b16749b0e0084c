public import HuiliuKit
import HuiliuCore

/// The connector manifest format (`connectors/<name>/connector.yaml`), version 1, declared
/// with the same field specs as components: lint reports unknown keys (with a suggestion),
/// wrong types and missing fields at `file:line:column`, and `huiliu connector format`
/// prints this reference.
///
/// Two kinds of text compute values. Fields that are sent on the wire are **templates**:
/// literal text with `{{ expression }}` holes. Fields that read a response or a record
/// (`records`, `total`, `next`, `when`, `cursor_field`) are bare **expressions**. Both are
/// JMESPath with Huiliu's functions — the mapping language — over a context of `config`,
/// `stream`, `partition`, `slice`, `page` and `now`, plus `status`, `headers` (by lower-case
/// name: `headers."x-next-cursor"`) and `body` for response expressions.
public enum ManifestSchema {
    /// The top-level fields.
    public static let fields: [FieldSpec] = [
        FieldSpec("version", .integer, "Format version; must be 1.", default: 1, range: 1...1),
        FieldSpec("name", .string, "The connector's name: its folder's name, and the source kind pipelines write.",
                  example: "budget-network"),
        FieldSpec("title", .string, "The upstream system's name, for docs.", example: "预算联网监督", optional: true),
        FieldSpec("summary", .string, "One line for `huiliu connector list`."),
        FieldSpec("details", .string, "More explanation for the reference docs.", optional: true),
        FieldSpec("status", .oneOf(["stable", "beta", "experimental"]), "Maturity.", default: "beta"),
        FieldSpec("spec", .map(.object(specFieldFields)),
                  "The connector's configuration fields, by name; a pipeline sets them under the connector's kind.",
                  optional: true),
        FieldSpec("defaults", .object(streamFields), "Settings every stream starts from; `request` and `response` merge key by key, other sections are replaced by a stream's own.",
                  optional: true),
        FieldSpec("streams", .map(.object(streamFields)), "The streams, by name; a pipeline picks one with `stream:`."),
        FieldSpec("check", .object([
            FieldSpec("stream", .string, "The stream whose first page `huiliu connector check` fetches; default: the first."),
        ]), "What `huiliu connector check` tries.", optional: true),
    ]

    /// Fields of one configuration field under `spec:`.
    public static let specFieldFields: [FieldSpec] = [
        FieldSpec("type", .oneOf(["string", "integer", "number", "boolean", "duration", "secret", "path", "url", "list", "map", "any"]),
                  "The value's type; `secret` values must be references.", default: "string"),
        FieldSpec("description", .string, "One sentence for docs."),
        FieldSpec("default", .any, "The value when the pipeline leaves the field out; makes the field optional.", optional: true),
        FieldSpec("example", .any, "A realistic value, for docs and scaffolds.", optional: true),
        FieldSpec("optional", .boolean, "May be left out even without a default.", default: false),
        FieldSpec("advanced", .boolean, "Only shown in full docs.", default: false),
        FieldSpec("options", .list(.string), "The allowed values of a string field.", optional: true),
        FieldSpec("items", .oneOf(["string", "integer", "number", "boolean"]), "Item type of a `list` or value type of a `map`.",
                  default: "string"),
        FieldSpec("minimum", .number, "Smallest allowed number.", optional: true),
        FieldSpec("maximum", .number, "Largest allowed number.", optional: true),
    ]

    /// Fields of a stream (and of `defaults`).
    public static let streamFields: [FieldSpec] = [
        FieldSpec("description", .string, "What the stream holds.", optional: true),
        FieldSpec("request", .object(requestFields), "The HTTP request for each page.", optional: true),
        FieldSpec("files", .object(fileFields), "Read files from a folder, FTP or SFTP instead of HTTP.", optional: true),
        FieldSpec("auth", .object(authFields), "How requests prove who sends them.", optional: true),
        FieldSpec("response", .object(responseFields), "How response bodies are read.", optional: true),
        FieldSpec("records", .string, "Expression over the response body selecting the records (an array; an object is one record).",
                  example: "data.list", optional: true),
        FieldSpec("filter", .string, "Expression over a record; records for which it is false or null are skipped.", optional: true),
        FieldSpec("primary_key", .list(.string), "Field paths forming the natural key (joined with `/`), until the mapping sets one.",
                  example: "id", optional: true),
        FieldSpec("mapping", .string, "The mapping into the common schema: a file name in this connector's `mappings/` folder.",
                  example: "payments", optional: true),
        FieldSpec("paginate", .object(paginateFields), "How to get the next page.", optional: true),
        FieldSpec("incremental", .object(incrementalFields), "Read only what changed since the last run, by a cursor.", optional: true),
        FieldSpec("partitions", .object(partitionFields), "Read the stream once per partition (division, station), each with its own cursor.",
                  optional: true),
        FieldSpec("errors", .object(errorFields), "Retries and what statuses or bodies mean.", optional: true),
        FieldSpec("rate_limit", .object([
            FieldSpec("requests", .integer, "Requests allowed per period.", range: 1...1_000_000),
            FieldSpec("per", .duration, "The period.", default: "1s"),
        ]), "A request budget shared by every pipeline using this connector in the process.", optional: true),
        FieldSpec("circuit_breaker", .object([
            FieldSpec("failures", .integer, "Consecutive failed requests to a host that open the breaker.", default: 5, range: 1...1000),
            FieldSpec("cool_down", .duration, "How long an open breaker refuses requests before trying one again.", default: "30s"),
        ]), "Stop calling a host that keeps failing.", optional: true),
        FieldSpec("concurrency", .integer, "Pages in flight at once when the next page is known in advance (page numbers, offsets).",
                  default: 2, range: 1...16),
    ]

    /// Fields of `request:`.
    public static let requestFields: [FieldSpec] = [
        FieldSpec("method", .oneOf(["GET", "POST", "PUT", "PATCH", "DELETE"]), "The HTTP method.", default: "GET"),
        FieldSpec("base_url", .string, "Template of the URL that `path` is appended to.", example: "{{ config.base_url }}", optional: true),
        FieldSpec("path", .string, "Template of the path; holes are percent-encoded.", example: "/api/v1/items", optional: true),
        FieldSpec("url", .string, "Template of the whole URL, instead of `base_url` + `path`.", optional: true),
        FieldSpec("query", .map(.string), "Query parameters and their templates; a template giving null leaves the parameter out.",
                  optional: true),
        FieldSpec("headers", .map(.string), "Headers and their templates; a template giving null leaves the header out.", optional: true),
        FieldSpec("json", .any, "A JSON body: any YAML structure whose strings are templates.", optional: true),
        FieldSpec("form", .map(.string), "A form body (`application/x-www-form-urlencoded`): fields and their templates.", optional: true),
        FieldSpec("body", .string, "A text body template, sent with `content_type`.", optional: true),
        FieldSpec("content_type", .string, "Content type of `body`.", default: "text/plain; charset=utf-8"),
        FieldSpec("soap", .object(soapFields), "A SOAP request: the envelope is built around `body`.", optional: true),
        FieldSpec("timeout", .duration, "Time allowed for one request.", default: "60s"),
        FieldSpec("connect_timeout", .duration, "Time allowed to connect.", default: "10s"),
        FieldSpec("http_version", .oneOf(["auto", "1.1", "2"]), "HTTP version.", default: "auto"),
        FieldSpec("tls", .object(tlsFields), "TLS: a private CA, and a client certificate for mutual TLS.", optional: true),
    ]

    /// Fields of `request.soap:`.
    public static let soapFields: [FieldSpec] = [
        FieldSpec("action", .string, "Template of the SOAPAction.", optional: true),
        FieldSpec("version", .oneOf(["1.1", "1.2"]), "SOAP version.", default: "1.1"),
        FieldSpec("body", .string, "Template of the `Body` content; holes are XML-escaped."),
        FieldSpec("header", .string, "Template of the `Header` content.", optional: true),
    ]

    /// Fields of `request.tls:`.
    public static let tlsFields: [FieldSpec] = [
        FieldSpec("ca_bundle", .string, "Template of a PEM file of CAs to trust instead of the system's.", optional: true),
        FieldSpec("client_certificate", .string, "Template of the PEM client certificate (mutual TLS).", optional: true),
        FieldSpec("client_key", .string, "Template of the client certificate's PEM key.", optional: true),
        FieldSpec("client_key_password", .string, "Template of the key's passphrase.", optional: true),
        FieldSpec("verify", .boolean, "Verify the server's certificate and name.", default: true),
    ]

    /// Fields of `auth:`; which apply depends on `type`.
    public static let authFields: [FieldSpec] = [
        FieldSpec("type", .oneOf(["none", "api_key", "basic", "bearer", "oauth2", "signature"]), "The scheme.", default: "none"),
        FieldSpec("header", .string, "api_key: the header carrying the key.", optional: true),
        FieldSpec("query", .string, "api_key: the query parameter carrying the key (instead of a header).", optional: true),
        FieldSpec("value", .string, "api_key: template of the key.", optional: true),
        FieldSpec("prefix", .string, "api_key: text before the key, such as `ApiKey `.", optional: true),
        FieldSpec("username", .string, "basic: template of the user name.", optional: true),
        FieldSpec("password", .string, "basic: template of the password.", optional: true),
        FieldSpec("token", .string, "bearer: template of the token.", optional: true),
        FieldSpec("token_url", .string, "oauth2: template of the token endpoint.", optional: true),
        FieldSpec("client_id", .string, "oauth2: template of the client id.", optional: true),
        FieldSpec("client_secret", .string, "oauth2: template of the client secret.", optional: true),
        FieldSpec("scope", .string, "oauth2: template of the scope.", optional: true),
        FieldSpec("credentials", .oneOf(["header", "body"]), "oauth2: send the client credentials as HTTP Basic or as form fields.",
                  default: "header"),
        FieldSpec("refresh_margin", .duration, "oauth2: fetch a new token this long before the old one expires (at most half its lifetime).", default: "60s"),
        FieldSpec("app_key", .string, "signature: template of the application key.", optional: true),
        FieldSpec("secret", .string, "signature: template of the signing secret.", optional: true),
        FieldSpec("algorithm", .oneOf(["hmac-sha256", "hmac-sm3", "sha256", "sm3"]), "signature: how the canonical string is signed.",
                  default: "hmac-sha256"),
        FieldSpec("canonical", .string, "signature: the canonical string, with `{method}` `{path}` `{query}` `{sortedParams}` `{appKey}` `{timestamp}` `{nonce}` `{bodyDigest}` `{body}` `{secret}` `{header:Name}`.",
                  default: "{sortedParams}"),
        FieldSpec("body_digest", .oneOf(["sha256", "sm3"]), "signature: the digest behind `{bodyDigest}`.", default: "sha256"),
        FieldSpec("encoding", .oneOf(["hex", "HEX", "base64"]), "signature: how the signature is written.", default: "hex"),
        FieldSpec("timestamp", .oneOf(["ms", "s", "compact"]), "signature: milliseconds, seconds, or `yyyyMMddHHmmss` (+08:00).",
                  default: "ms"),
        FieldSpec("location", .oneOf(["headers", "query"]), "signature: where the parameters and signature go.", default: "headers"),
        FieldSpec("names", .object([
            FieldSpec("app_key", .string, "Name of the application key parameter; empty to leave it out.", default: "appKey"),
            FieldSpec("timestamp", .string, "Name of the timestamp parameter.", default: "timestamp"),
            FieldSpec("nonce", .string, "Name of the nonce parameter.", default: "nonce"),
            FieldSpec("signature", .string, "Name of the signature parameter.", default: "sign"),
        ]), "signature: the parameter (or header) names.", optional: true),
        FieldSpec("extra", .map(.string), "signature: fixed parameters sent and signed with the others.", optional: true),
        FieldSpec("value_encoding", .oneOf(["raw", "percent"]), "signature: parameter values in the canonical string.", default: "raw"),
        FieldSpec("omit_empty", .boolean, "signature: leave empty parameters out of the canonical string.", default: false),
        FieldSpec("secret_placement", .oneOf(["append", "prepend"]), "signature: where the secret joins the text for plain digests.",
                  default: "append"),
    ]

    /// Fields of `response:`.
    public static let responseFields: [FieldSpec] = [
        FieldSpec("format", .oneOf(["json", "xml", "soap", "csv", "jsonl", "text"]), "How the body is read.", default: "json"),
        FieldSpec("xml", .object([
            FieldSpec("namespaces", .oneOf(["strip", "keep"]), "Element names without or with their namespace prefix.", default: "strip"),
            FieldSpec("attribute_prefix", .string, "Put before attribute names.", default: "@"),
            FieldSpec("text_key", .string, "Member holding the text of an element that also has attributes or children.",
                      default: "#text"),
            FieldSpec("arrays", .list(.string), "Element names always read as arrays, even when they appear once.", optional: true),
        ]), "How XML becomes records.", optional: true),
        FieldSpec("delimiter", .string, "csv: the field separator.", default: ","),
        FieldSpec("encoding", .oneOf(["auto", "utf-8", "gb18030", "gbk"]), "The text encoding. json, csv, jsonl, text — auto: UTF-8, or GB18030 when the bytes are not UTF-8. xml, soap — auto: the Content-Type's charset, else the XML declaration's (GBK and GB2312 read as GB18030).", default: "auto"),
        FieldSpec("decrypt", .object([
            FieldSpec("algorithm", .oneOf(["sm4-ecb", "sm4-cbc"]), "The cipher.", default: "sm4-ecb"),
            FieldSpec("key", .string, "Template of the key."),
            FieldSpec("key_encoding", .oneOf(["hex", "base64", "text"]), "How the key is written.", default: "hex"),
            FieldSpec("iv", .string, "sm4-cbc: template of the IV, written as the key is.", optional: true),
            FieldSpec("field", .string, "Dotted path of the ciphertext in the JSON body; the whole body when absent.", optional: true),
            FieldSpec("encoding", .oneOf(["base64", "hex"]), "How the ciphertext is written.", default: "base64"),
        ]), "Decrypt an encrypted payload (SM4, PKCS#7) before reading records; the plaintext JSON replaces the ciphertext.",
                  optional: true),
    ]

    /// Fields of `paginate:`.
    public static let paginateFields: [FieldSpec] = [
        FieldSpec("type", .oneOf(["none", "page_number", "offset", "cursor", "next_url", "link"]),
                  "The paging style. Every style stops at a page without records.", default: "none"),
        FieldSpec("start", .integer, "page_number: the first page number (`page.number`); offset: the first offset.", optional: true),
        FieldSpec("size", .string, "page_number, offset: template of the page size (`page.size`).", optional: true),
        FieldSpec("total", .string, "Expression giving the total number of records; paging stops once they are read.", optional: true),
        FieldSpec("stop_when", .string, "Expression; paging stops after a page for which it is true.", optional: true),
        FieldSpec("next", .string, "cursor: expression giving the next page's token (`page.token`), from the body or a header (`headers.\"x-next-cursor\"`: names are lower case); next_url: the next page's URL. Paging stops when it is null or empty. A next_url or `Link` on another host or scheme than base_url fails the run: the credentials would go with it.",
                  optional: true),
        FieldSpec("rel", .string, "link: the relation to follow in the `Link` header.", default: "next"),
        FieldSpec("max_pages", .integer, "A safety limit on pages per slice; reaching it before the last page fails the run rather than skip records.", optional: true, range: 1...10_000_000),
    ]

    /// Fields of `incremental:`.
    public static let incrementalFields: [FieldSpec] = [
        FieldSpec("cursor_field", .string, "Expression over a record giving its cursor value (an update time or an increasing id)."),
        FieldSpec("type", .oneOf(["datetime", "integer"]), "What the cursor is.", default: "datetime"),
        FieldSpec("format", .string, "datetime: how the API writes times, such as `yyyy-MM-dd HH:mm:ss` or `iso8601`, `epoch_ms`.",
                  default: "iso8601"),
        FieldSpec("zone", .string, "datetime: the time zone of times without an offset.", default: "Asia/Shanghai"),
        FieldSpec("start", .string, "Template of where the first run starts (`slice.start`)."),
        FieldSpec("end", .string, "Template of where reading stops; datetime default: now.", optional: true),
        FieldSpec("step", .string, "Slice width: a duration (`30d`) for datetime, a number for integer cursors; one slice when absent.",
                  optional: true),
        FieldSpec("lookback", .string, "Re-read this much before the saved cursor (a duration, or a number), for late arrivals.",
                  optional: true),
        FieldSpec("filter_records", .boolean, "Drop records whose cursor is before the slice start (for APIs that cannot filter).",
                  default: false),
    ]

    /// Fields of `partitions:`.
    public static let partitionFields: [FieldSpec] = [
        FieldSpec("values", .any, "The partitions: a list, or a template giving one (`{{ config.divisions }}`); each is `partition` in templates."),
    ]

    /// Fields of `errors:`.
    public static let errorFields: [FieldSpec] = [
        FieldSpec("attempts", .integer, "Attempts per request, the first included.", default: 5, range: 1...100),
        FieldSpec("initial_delay", .duration, "Back-off before the second attempt.", default: "500ms"),
        FieldSpec("max_delay", .duration, "Longest back-off.", default: "30s"),
        FieldSpec("multiplier", .number, "Growth of the back-off.", default: 2, range: 1...10),
        FieldSpec("jitter", .number, "Random share (0–1) added to or taken from each back-off.", default: 0.2, range: 0...1),
        FieldSpec("retry_after", .boolean, "Wait as long as a 429 or 503 `Retry-After` asks.", default: true),
        FieldSpec("max_retry_after", .duration, "The longest `Retry-After` honoured; longer fails the request.", default: "5m"),
        FieldSpec("rules", .list(.object([
            FieldSpec("status", .list(.integer), "Statuses the rule applies to; when absent, any but 408, 429 and 5xx, which stay with the retry policy unless named.", optional: true),
            FieldSpec("when", .string, "Expression over `status`, `headers` (lower-case names: `headers.\"retry-after\"`) and `body` (a SOAP Fault is `body.fault.code` and `body.fault.message`); the rule applies when it is true.", optional: true),
            FieldSpec("action", .oneOf(["retry", "ignore", "fail", "success"]), "retry with back-off; ignore the response (no records, paging stops); fail the run; or treat as success."),
            FieldSpec("message", .string, "Template of the error message for `fail`, and for `retry` once its attempts are spent.", optional: true),
        ])), "Checked in order before the defaults (retry connection failures, timeouts, 408, 429 and 5xx; fail other non-2xx).",
                  optional: true),
    ]

    /// Fields of `files:`.
    public static let fileFields: [FieldSpec] = [
        FieldSpec("location", .string, "Template of a local folder, or an `ftp://`, `ftps://` or `sftp://` folder URL. Remote names listed in GBK (Chinese Windows servers) are read as such and fetched by their listed bytes."),
        FieldSpec("pattern", .string, "Glob of file names to read (`hourly-*.csv`).", default: "*"),
        FieldSpec("format", .oneOf(["auto", "csv", "json", "jsonl", "xlsx"]), "File format; `auto` decides by extension. An xlsx cell styled as a date or time reads as Excel shows it (`2024-03-05`, `2024-03-05T08:30:00`, `08:30:00`).", default: "auto"),
        FieldSpec("encoding", .oneOf(["auto", "utf-8", "gb18030", "gbk"]), "Text encoding of csv, json and jsonl files.", default: "auto"),
        FieldSpec("delimiter", .string, "CSV field separator.", default: ","),
        FieldSpec("sheet", .string, "xlsx: template of the sheet name; the first sheet when absent.", optional: true),
        FieldSpec("username", .string, "Template of the FTP or SFTP user.", optional: true),
        FieldSpec("password", .string, "Template of the FTP or SFTP password.", optional: true),
        FieldSpec("private_key", .string, "Template of an SFTP private key file (a path relative to the project, or absolute).", optional: true),
        FieldSpec("host_key", .string, "Template of the SFTP host key's SHA-256 fingerprint (as `ssh-keygen -l` prints it, `SHA256:` or not), a known_hosts file (a path relative to the project, or absolute), or `insecure` (tests only). Default: ~/.ssh/known_hosts, which must exist.",
                  optional: true),
        FieldSpec("tls", .oneOf(["none", "required", "if_available"]), "TLS on `ftp://` (explicit FTPS).", default: "none"),
        FieldSpec("ca_bundle", .string, "FTPS: template of a PEM file of the CA certificates to trust instead of the system's (a private CA; a path relative to the project, or absolute).",
                  optional: true),
    ]

    /// The format's reference in Markdown, generated from the field specs above.
    public static var markdown: String {
        var lines = ["# Connector manifest format (version 1)", "",
                     "A connector is a folder `connectors/<name>/` with `connector.yaml`, `mappings/*.yaml`, `fixtures/` and a generated `README.md`.",
                     "Templates are text with `{{ expression }}` holes; expressions are JMESPath with Huiliu's functions (`huiliu expr --functions`).", "",
                     "## What templates read", "",
                     "| name | holds |", "|---|---|",
                     "| `config` | the pipeline's settings for the source, by `spec` field (secrets filled in) |",
                     "| `stream.name` | the stream's name |",
                     "| `now` | the run's clock as RFC 3339 in Asia/Shanghai (`2024-03-05T10:00:00+08:00`) |",
                     "| `partition` | the partition being read (a value of `partitions.values`), else null |",
                     "| `slice.start`, `slice.end` | the incremental slice being read, written as the cursor's `format` (`end` null for an open integer slice), else null |",
                     "| `page.number`, `page.offset`, `page.size` (`page.limit`), `page.token`, `page.index` | the page being asked for: both `number` and `offset` start at `paginate.start` (1 for `page_number` paging, 0 for `offset` by default), `number` then counts pages and `offset` records; the page size, the cursor or next-page token, and the page's index from 0 |",
                     "",
                     "`records` is a path into the answer's body (`data.list`, not `body.data.list`). Other response expressions (`paginate.total`, `paginate.stop_when`, `errors.rules[].when`, …) read the same names as templates and the answer's `status`, `headers` (names in lower case) and `body`.", "",
                     "An answer is held whole to be read, up to 256 MiB: a larger one fails the run, and is the upstream's to split into pages. Files stream: CSV, JSON Lines, a sheet of a workbook (its compressed file is held, and its table of shared strings), and a JSON document whose `records` is a path of keys (`data.items`), walked to its array, the values beside the path read one at a time (a key of the path given twice, or missing beside members holding arrays, fails the read). A `records` that is any other expression (a filter, a projection) is evaluated on the whole document: keep such files to a few hundred MB.", ""]
        func section(_ title: String, _ fields: [FieldSpec]) {
            lines += ["## \(title)", "", "| field | type | default | description |", "|---|---|---|---|"]
            for field in fields {
                let type = ComponentSpec.typeDescription(field.type)
                lines.append("| `\(field.name)` | \(type) | \(field.defaultValue.map { "`\($0.jsonText)`" } ?? (field.isRequired ? "required" : "")) | \(field.description) |")
            }
            lines.append("")
            // A list of mappings (errors.rules) gets a table of its items' fields.
            for field in fields {
                if case .list(.object(let items)) = field.type { section("\(title).\(field.name)[]", items) }
            }
        }
        section("Top level", fields)
        section("spec.<field>", specFieldFields)
        section("streams.<name> (and defaults)", streamFields)
        section("request", requestFields)
        section("request.soap", soapFields)
        section("request.tls", tlsFields)
        section("auth", authFields)
        section("response", responseFields)
        section("paginate", paginateFields)
        section("incremental", incrementalFields)
        section("partitions", partitionFields)
        section("errors", errorFields)
        section("files", fileFields)
        return lines.joined(separator: "\n")
    }
}
