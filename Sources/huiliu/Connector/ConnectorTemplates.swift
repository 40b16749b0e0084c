import Foundation
import HuiliuConnectors
import HuiliuCore

/// The starting points of `huiliu connector new`: a working manifest, a mapping into the
/// common schema (`organization`), fixtures and their configuration, for a REST API, a
/// SOAP service and a folder of files.
enum ConnectorTemplate: String, CaseIterable {
    case rest, soap, file

    /// Sample organizations the fixtures hold.
    static let organizations: [(code: String, name: String, kind: String, region: String)] = [
        ("11421100MB1234567X", "黄冈市示例局", "政府部门", "421100"),
        ("12421100MB7654321Y", "黄冈市示例中心", "事业单位", "421102"),
        ("91421100MA4F00120J", "黄冈市示例有限公司", "企业", "421181"),
    ]

    func manifest(_ name: String) -> String {
        switch self {
        case .rest: return Self.restManifest.replacingOccurrences(of: "NAME", with: name)
        case .soap: return Self.soapManifest.replacingOccurrences(of: "NAME", with: name)
        case .file: return Self.fileManifest.replacingOccurrences(of: "NAME", with: name)
        }
    }

    var mapping: String {
        let code = self == .soap ? "'\"@code\"'" : "code"
        return """
            version: 1
            description: Organizations of the upstream system → organization.v1 (edit to map your system's fields)
            type: organization.v1
            key: \(code)
            fields:
              org_code: \(code)
              name: name
              kind: get(`{"政府部门":"government_department","事业单位":"public_institution","企业":"enterprise"}`, kind)
              region: region
            extensions:
              region: region

            """
    }

    /// The fixture configuration's `config:` entries.
    var fixtureConfig: [(String, Value)] {
        switch self {
        case .rest: return [("base_url", "${env:HUILIU_REPLAY_URL}"), ("api_key", "${secret:api_key}"), ("page_size", 2)]
        case .soap: return [("base_url", "${env:HUILIU_REPLAY_URL}"), ("username", "${secret:username}"), ("password", "${secret:password}"),
                            ("page_size", 2)]
        case .file: return [("location", "${env:HUILIU_FIXTURES}/files")]
        }
    }

    var volatileNames: Set<String> {
        switch self {
        case .rest: return ["authorization", "x-api-key"]
        case .soap, .file: return ["authorization"]
        }
    }

    /// Recorded exchanges of the template's stream: two pages.
    var exchanges: [FixtureExchange] {
        let all = Self.organizations
        let pages = [Array(all.prefix(2)), Array(all.dropFirst(2))]
        switch self {
        case .rest:
            return pages.enumerated().map { index, page in
                let items = page.map { org -> Value in
                    ["code": .string(org.code), "name": .string(org.name), "kind": .string(org.kind), "region": .string(org.region)]
                }
                let body: Value = ["total": .integer(all.count), "items": .array(items)]
                return FixtureExchange(stream: "organizations", method: "GET", path: "/api/v1/organizations",
                                       query: [("page", String(index + 1)), ("size", "2")], headers: [("Accept", "application/json")],
                                       body: "", status: 200, responseHeaders: [("Content-Type", "application/json")],
                                       responseBody: Array(body.jsonText.utf8))
            }
        case .soap:
            return pages.enumerated().map { index, page in
                let items = page.map { "<ns:organization code=\"\($0.code)\"><ns:name>\($0.name)</ns:name><ns:kind>\($0.kind)</ns:kind><ns:region>\($0.region)</ns:region></ns:organization>" }.joined()
                let envelope = #"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#
                    + #"<ns:getOrganizationsResponse xmlns:ns="urn:example:organizations"><ns:total>3</ns:total>"# + items
                    + "</ns:getOrganizationsResponse></soap:Body></soap:Envelope>"
                let request = #"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#
                    + #"<ns:getOrganizations xmlns:ns="urn:example:organizations"><ns:pageNo>\#(index + 1)</ns:pageNo><ns:pageSize>2</ns:pageSize></ns:getOrganizations>"#
                    + "</soap:Body></soap:Envelope>"
                return FixtureExchange(stream: "organizations", method: "POST", path: "/ws/OrganizationService", query: [],
                                       headers: [("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", "\"urn:example:organizations#getOrganizations\"")],
                                       body: request, status: 200, responseHeaders: [("Content-Type", "text/xml; charset=utf-8")],
                                       responseBody: Array(envelope.utf8))
            }
        case .file:
            return []
        }
    }

    /// Files of the file template's fixtures.
    var files: [(name: String, text: String)] {
        guard self == .file else { return [] }
        let rows = Self.organizations.map { "\($0.code),\($0.name),\($0.kind),\($0.region)" }
        return [("organizations-2024-01.csv", (["code,name,kind,region"] + rows.prefix(2)).joined(separator: "\n") + "\n"),
                ("organizations-2024-02.csv", (["code,name,kind,region"] + rows.dropFirst(2)).joined(separator: "\n") + "\n")]
    }

    static let restManifest = """
        # NAME — a REST API. Edit the requests, paging and auth to match the system; then
        # `huiliu connector check NAME --config F`, `record` and `test`.
        version: 1
        name: NAME
        summary: Organizations from NAME's REST API (API key; page-number paging).
        status: experimental
        spec:
          base_url:
            type: url
            description: Root URL of the API.
            example: https://api.example.gov.cn
          api_key:
            type: secret
            description: API key sent in X-Api-Key.
          page_size:
            type: integer
            description: Records per page.
            default: 100
            minimum: 1
            maximum: 1000
        defaults:
          request:
            base_url: "{{ config.base_url }}"
            headers:
              Accept: application/json
          auth:
            type: api_key
            header: X-Api-Key
            value: "{{ config.api_key }}"
          errors:
            attempts: 5
        streams:
          organizations:
            description: Organizations
            request:
              path: /api/v1/organizations
              query:
                page: "{{ page.number }}"
                size: "{{ page.size }}"
            records: items
            primary_key: code
            mapping: organizations
            paginate:
              type: page_number
              size: "{{ config.page_size }}"
              total: body.total

        """

    static let soapManifest = """
        # NAME — a SOAP 1.1 web service. Edit the envelope body, action and paging to match the
        # service's WSDL; then `huiliu connector check NAME --config F`, `record` and `test`.
        version: 1
        name: NAME
        summary: Organizations from NAME's SOAP service (basic auth; page numbers in the body).
        status: experimental
        spec:
          base_url:
            type: url
            description: Root URL of the web service.
            example: https://ws.example.gov.cn
          username:
            type: string
            description: Web service user.
            example: huiliu
          password:
            type: secret
            description: Web service password.
          page_size:
            type: integer
            description: Records per page.
            default: 100
            minimum: 1
            maximum: 1000
        streams:
          organizations:
            description: Organizations
            request:
              base_url: "{{ config.base_url }}"
              path: /ws/OrganizationService
              soap:
                action: urn:example:organizations#getOrganizations
                body: >-
                  <ns:getOrganizations xmlns:ns="urn:example:organizations"><ns:pageNo>{{ page.number }}</ns:pageNo><ns:pageSize>{{ page.size }}</ns:pageSize></ns:getOrganizations>
            auth:
              type: basic
              username: "{{ config.username }}"
              password: "{{ config.password }}"
            response:
              format: soap
              xml:
                arrays: [organization]
            records: getOrganizationsResponse.organization
            primary_key: "@code"
            mapping: organizations
            paginate:
              type: page_number
              size: "{{ config.page_size }}"
              total: body.getOrganizationsResponse.total

        """

    static let fileManifest = """
        # NAME — files dropped in a folder, or on an FTP or SFTP server. Edit the pattern and
        # format; then `huiliu connector check NAME --config F`, `record` and `test`.
        version: 1
        name: NAME
        summary: Organizations from CSV files NAME drops in a folder (or on FTP/SFTP).
        status: experimental
        spec:
          location:
            type: string
            description: A local folder, or an ftp://, ftps:// or sftp:// folder URL.
            example: data/inbox/NAME
          username:
            type: string
            description: FTP or SFTP user.
            optional: true
          password:
            type: secret
            description: FTP or SFTP password.
            optional: true
        streams:
          organizations:
            description: Organizations
            files:
              location: "{{ config.location }}"
              pattern: "organizations-*.csv"
              format: csv
              encoding: auto
              username: "{{ config.username }}"
              password: "{{ config.password }}"
            primary_key: code
            mapping: organizations

        """
}
