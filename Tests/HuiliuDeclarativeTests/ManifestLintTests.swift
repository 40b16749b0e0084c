import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import Testing
@testable import HuiliuTestSupport

/// Manifests are linted like pipelines: every problem at file:line:column, with suggestions.
struct ManifestLintTests {
    static let valid = """
        version: 1
        name: scenario
        summary: A scenario.
        spec:
          base_url: { type: url, description: Root URL. }
          page_size: { type: integer, description: Page size., default: 50, minimum: 1, maximum: 500 }
        streams:
          items:
            request:
              base_url: "{{ config.base_url }}"
              path: /items
              query: { page: "{{ page.number }}" }
            records: data.list
            paginate: { type: page_number, size: "{{ config.page_size }}", total: body.data.total }
        """

    @Test func aValidManifestBecomesASourceSpec() throws {
        let connector = try TestConnector.make(Self.valid)
        let spec = connector.manifest.componentSpec
        #expect(spec.name == "scenario")
        #expect(spec.kind == .source)
        #expect(spec.fields.map(\.name) == ["stream", "base_url", "page_size", "mapping"])
        #expect(spec.field("stream")?.type == .oneOf(["items"]))
        #expect(spec.field("page_size")?.range == 1...500)
        #expect(spec.markdown.contains("| `page_size` | integer | no | `50` | Page size. |"))
    }

    @Test func everyProblemIsReportedAtItsPlace() throws {
        let broken = Self.valid
            .replacingOccurrences(of: "    records: data.list", with: "    recrods: data.list")
            .replacingOccurrences(of: "query: { page: \"{{ page.number }}\" }", with: "query: { page: \"{{ page.numbr | }}\" }")
            .replacingOccurrences(of: "total: body.data.total }", with: "total: \"body.data[\" }")
            .replacingOccurrences(of: "type: page_number", with: "type: page_numbers")
        let problems = try TestConnector.problems(broken)
        #expect(problems.contains { $0.hasSuffix("connector.yaml:13:5: unknown key 'recrods' in 'items'; did you mean 'records'?") }, "\(problems)")
        #expect(problems.contains { $0.contains("connector.yaml:12:38: invalid template: the expression is incomplete") }, "\(problems)")
        #expect(problems.contains { $0.contains("connector.yaml:14:23: 'type' must be one of none, page_number") && $0.hasSuffix("did you mean 'page_number'?") },
                "\(problems)")
        #expect(problems.contains { $0.contains("connector.yaml:14:87: invalid expression:") }, "\(problems)")
    }

    /// A key given twice no longer hides the manifest's other problems: both are reported.
    @Test func aRepeatedKeyAndTheRestAreReported() throws {
        let broken = Self.valid
            .replacingOccurrences(of: "summary: A scenario.", with: "summary: A scenario.\nsummary: Again.")
            .replacingOccurrences(of: "    records: data.list", with: "    recrods: data.list")
        let problems = try TestConnector.problems(broken)
        #expect(problems.contains { $0.hasSuffix("connector.yaml:4:1: duplicate key 'summary': already given at 3:1 in this mapping; remove or rename one") },
                "\(problems)")
        #expect(problems.contains { $0.contains("unknown key 'recrods' in 'items'; did you mean 'records'?") }, "\(problems)")
    }

    /// A template naming a config field the spec does not declare would render as nothing
    /// (`Bearer ` with no token): reported where it is, with the nearest field.
    @Test func aConfigReferenceMustBeASpecField() throws {
        let broken = Self.valid.replacingOccurrences(of: "size: \"{{ config.page_size }}\"", with: "size: \"{{ config.pagesize }}\"")
        let problems = try TestConnector.problems(broken)
        #expect(problems.contains { $0.contains("connector.yaml:14:46: config.pagesize is not a field of this connector's spec (base_url, mapping, page_size, stream)")
                    && $0.hasSuffix("did you mean 'config.page_size'?") }, "\(problems)")
    }

    /// A misspelt page variable would render as nothing: the request loses its page parameter
    /// and asks for the same page again. Reported where it is; `page` elsewhere (a field of the
    /// response body) is not a template variable and is left alone.
    @Test func aPageReferenceMustBeAPageVariable() throws {
        let broken = Self.valid.replacingOccurrences(of: "query: { page: \"{{ page.number }}\" }", with: "query: { page: \"{{ page.numbr }}\" }")
        let problems = try TestConnector.problems(broken)
        #expect(problems.contains { $0.contains("connector.yaml:12:26: page.numbr is not a page variable (index, limit, number, offset, size, token)")
                    && $0.hasSuffix("did you mean 'page.number'?") }, "\(problems)")
        let bodyField = Self.valid.replacingOccurrences(of: "    records: data.list", with: "    records: page.list")
        #expect(try TestConnector.problems(bodyField).isEmpty)
    }

    /// A template hole reading something the context does not have renders as nothing: the
    /// request silently loses the parameter. Error messages may read the response too.
    @Test func aTemplateReadsOnlyItsContext() throws {
        let broken = Self.valid.replacingOccurrences(of: "query: { page: \"{{ page.number }}\" }",
                                                     with: "query: { page: \"{{ pages.number }}\", n: \"{{ join(',', [config.base_url, page.size]) }}\" }")
        let problems = try TestConnector.problems(broken)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.contains { $0.contains("connector.yaml:12:26: 'pages' is nothing this template can read (config, now, page, partition, slice, stream)")
                    && $0.hasSuffix("did you mean 'page'?") }, "\(problems)")
        let message = Self.valid.replacingOccurrences(of: "    records: data.list", with: """
                records: data.list
                errors: { rules: [{ when: "body.code != `0`", action: fail, message: "error {{ body.msg }} ({{ status }})" }] }
            """)
        #expect(try TestConnector.problems(message).isEmpty)
    }

    /// Response headers are keyed by lower-case name: `headers."X-Next-Cursor"` is always null,
    /// and paging would end after the first page without a word.
    @Test func aHeaderNameMustBeLowerCase() throws {
        let broken = Self.valid.replacingOccurrences(of: "type: page_number, size: \"{{ config.page_size }}\", total: body.data.total",
                                                     with: "type: cursor, next: 'headers.\"X-Next-Cursor\"'")
        let problems = try TestConnector.problems(broken)
        #expect(problems.contains { $0.contains("connector.yaml:14:47: header names are lower case in 'headers': 'X-Next-Cursor' is never there")
                    && $0.hasSuffix("did you mean 'headers.\"x-next-cursor\"'?") }, "\(problems)")
        let lower = broken.replacingOccurrences(of: "X-Next-Cursor", with: "x-next-cursor")
        #expect(try TestConnector.problems(lower).isEmpty)
        // A record or body field that happens to be called headers is nobody's business, nor
        // is one inside a filter, nor text in a literal.
        let body = Self.valid.replacingOccurrences(of: "    records: data.list", with: "    records: headers.Items")
        #expect(try TestConnector.problems(body).isEmpty)
        let filtered = Self.valid.replacingOccurrences(of: "total: body.data.total }",
                                                       with: "total: body.data.total, stop_when: \"body.items[?headers.Kind == 'headers.X'] | length(@) > `0`\" }")
        #expect(try TestConnector.problems(filtered).isEmpty)
    }

    /// A stream with a problem of its own is reported there, not again by a check naming it.
    @Test func aBrokenStreamIsNotAlsoMissing() throws {
        let broken = Self.valid.replacingOccurrences(of: "summary: A scenario.", with: "summary: A scenario.\ncheck: { stream: items }")
            .replacingOccurrences(of: "    records: data.list", with: "    records: \"data[\"")
        let problems = try TestConnector.problems(broken)
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.contains { $0.contains("invalid expression") }, "\(problems)")
    }

    @Test func authFieldsMustBelongToTheirType() throws {
        let problems = try TestConnector.problems(Self.valid.replacingOccurrences(of: "    records: data.list", with: """
                auth:
                  type: basic
                  username: u
                  pasword: p
                records: data.list
            """))
        #expect(problems.contains { $0.contains("'pasword' does not apply to auth type basic; did you mean 'password'?") }, "\(problems)")
        #expect(problems.contains { $0.contains("auth type basic needs 'password'") }, "\(problems)")
    }

    @Test func namesMappingsAndCanonicalStringsAreChecked() throws {
        let text = Self.valid.replacingOccurrences(of: "name: scenario", with: "name: other")
            .replacingOccurrences(of: "    records: data.list", with: """
                records: data.list
                mapping: item
                auth: { type: signature, app_key: k, secret: s, canonical: "{method}{body_hash}" }
            """)
        let problems = try TestConnector.problems(text, mappings: ["items": "version: 1\nfields: { id: id }\n"])
        #expect(problems.contains { $0.contains("'name' must be the connector's folder name 'scenario', got 'other'") })
        #expect(problems.contains { $0.contains("no mapping file mappings/item.yaml in this connector; did you mean 'items'?") })
        #expect(problems.contains { $0.contains("invalid canonical string: unknown placeholder {body_hash}") })
    }

    @Test func streamsInheritDefaults() throws {
        let connector = try TestConnector.make("""
            version: 1
            name: scenario
            summary: Defaults.
            spec:
              base_url: { type: url, description: Root URL. }
            defaults:
              request:
                base_url: "{{ config.base_url }}"
                headers: { Accept: application/json, X-Client: huiliu }
              auth: { type: bearer, token: t }
            streams:
              a:
                request:
                  path: /a
                  headers: { X-Client: override }
              b:
                request: { path: /b }
                auth: { type: none }
            """)
        #expect(connector.manifest.stream("a")?.summaryLine == "GET /a, bearer token")
        #expect(connector.manifest.stream("b")?.summaryLine == "GET /b")
    }

    @Test func theShippedManifestsLoadAndTheirReadmesAreCurrent() throws {
        let loader = ManifestLoader(functions: TestConnector.resources.functions, projectDirectory: repositoryRoot)
        let files = loader.manifestFiles()
        #expect(files.count >= 6)
        for file in files {
            guard case .manifest(let manifest) = loader.load(path: file) else {
                Issue.record("\(file) does not load")
                continue
            }
            let readme = try? String(contentsOfFile: manifest.directory + "/README.md", encoding: .utf8)
            #expect(readme == ConnectorReadme.markdown(manifest),
                    "connectors/\(manifest.name)/README.md is stale: huiliu connector spec \(manifest.name) --format readme --write")
        }
    }
}
