import Foundation
import HuiliuCore
import HTTPTypes
import Hummingbird
import Synchronization
import NIOCore

/// 监委 and 法院: SOAP 1.1 web services with HTTP basic authentication (commission) and page
/// numbers in the request body; errors are SOAP faults.
extension Simulator {
    func addSupervisionRoutes(to router: Router<BasicRequestContext>) {
        router.post("cdi/ws/SupervisionService") { request, _ in
            guard let user = Self.basicCredentials(request), user == (Credentials.supervisionUser, Credentials.supervisionPassword) else {
                return Self.fault("soap:Client", "认证失败：用户名或密码错误", status: .unauthorized)
            }
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            guard request.headers[.soapAction]?.contains("getSupervisionItems") == true,
                  body.contains("getSupervisionItems") else {
                return Self.fault("soap:Client", "未知的操作；支持 getSupervisionItems")
            }
            let page = max(1, Self.element("pageNo", in: body).flatMap(Int.init) ?? 1)
            let size = min(max(1, Self.element("pageSize", in: body).flatMap(Int.init) ?? 20), 200)
            let first = (page - 1) * size
            let items = first < configuration.supervisionItems
                ? (first..<min(configuration.supervisionItems, first + size)).map { index in
                    "<item>" + dataset.supervisionItem(index).map { "<\($0.0)>\(Self.escape($0.1))</\($0.0)>" }.joined() + "</item>"
                }.joined() : ""
            return simulatorXML(Self.envelope("""
                <ns2:getSupervisionItemsResponse xmlns:ns2="urn:hgcdi:supervision"><return>\
                <total>\(configuration.supervisionItems)</total><pageNo>\(page)</pageNo><items>\(items)</items>\
                </return></ns2:getSupervisionItemsResponse>
                """))
        }
    }

    func addCourtRoutes(to router: Router<BasicRequestContext>) {
        router.post("court/ws/CaseExchange") { request, _ in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            guard body.contains("getCases") else { return Self.fault("soap:Client", "未知的操作；支持 getCases") }
            let page = max(1, Self.element("pageNo", in: body).flatMap(Int.init) ?? 1)
            let size = min(max(1, Self.element("pageSize", in: body).flatMap(Int.init) ?? 50), 500)
            let first = (page - 1) * size
            let cases = first < configuration.courtCases
                ? (first..<min(configuration.courtCases, first + size)).map { index -> String in
                    let item = dataset.courtCase(index)
                    let attributes = item.attributes.map { " \($0.0)=\"\(Self.escape($0.1))\"" }.joined()
                    return "<ns1:Case\(attributes)>" + item.elements.map { "<ns1:\($0.0)>\(Self.escape($0.1))</ns1:\($0.0)>" }.joined() + "</ns1:Case>"
                }.joined() : ""
            return simulatorXML(Self.envelope("""
                <ns1:getCasesResponse xmlns:ns1="http://court.hg.gov.cn/exchange"><ns1:Total>\(configuration.courtCases)</ns1:Total>\
                <ns1:Cases>\(cases)</ns1:Cases></ns1:getCasesResponse>
                """))
        }
    }

    static func envelope(_ body: String) -> String {
        #"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#
            + body + "</soap:Body></soap:Envelope>"
    }

    static func fault(_ code: String, _ message: String, status: HTTPResponse.Status = .internalServerError) -> Response {
        simulatorXML(envelope("<soap:Fault><faultcode>\(code)</faultcode><faultstring>\(escape(message))</faultstring></soap:Fault>"),
                     status: status)
    }

    /// The text of the first `<name>` element (any prefix) in a small SOAP body.
    static func element(_ name: String, in body: String) -> String? {
        guard let open = body.range(of: "(<|:)\(name)>", options: .regularExpression),
              let close = body.range(of: "</", range: open.upperBound..<body.endIndex) else { return nil }
        return String(body[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespaces)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func basicCredentials(_ request: Request) -> (String, String)? {
        guard let header = request.headers[.authorization], header.hasPrefix("Basic "),
              let data = Data(base64Encoded: String(header.dropFirst(6))) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}
