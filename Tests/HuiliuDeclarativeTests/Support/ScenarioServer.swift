import Foundation
import HTTPTypes
import HuiliuCore
import HuiliuReplay
import HuiliuTransport
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A loopback HTTP server (Hummingbird, in this process) with every paging style, auth
/// scheme and failure a manifest connector must handle. Twenty-five items `{id, name}`
/// are served however they are paged; `key` query parameters keep per-test counters apart.
final class ScenarioServer: Sendable {
    static let items = 25
    static let token = "scenario-bearer-token"
    static let apiKey = "scenario-api-key"
    static let sm4Key = "0123456789abcdeffedcba9876543210"
    static let sm4IV = "000102030405060708090a0b0c0d0e0f"

    let server: LoopbackServer
    let state: State

    final class State: Sendable {
        let counters = Mutex<[String: Int]>([:])
        let tokens = Mutex<(issued: Int, valid: Set<String>)>((0, []))
        let times = Mutex<[String: [ContinuousClock.Instant]]>([:])

        /// Increments and returns the counter for `key`.
        func next(_ key: String) -> Int {
            counters.withLock { $0[key, default: 0] += 1; return $0[key]! }
        }

        func count(_ key: String) -> Int { counters.withLock { $0[key] ?? 0 } }
    }

    private init(server: LoopbackServer, state: State) {
        self.server = server
        self.state = state
    }

    var url: String { server.url }

    static let shared = Task<ScenarioServer, any Error> { try await start() }

    static func get() async throws -> ScenarioServer { try await shared.value }

    static func item(_ i: Int) -> Value { ["id": .integer(i), "name": .string("记录 \(i)")] }

    static func json(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func start() async throws -> ScenarioServer {
        let state = State()
        let router = Router()
        @Sendable func int(_ request: Request, _ name: String, _ fallback: Int) -> Int {
            request.uri.queryParameters.get(name).flatMap { Int($0) } ?? fallback
        }
        @Sendable func key(_ request: Request) -> String { request.uri.queryParameters.get("key").map { String($0) } ?? "" }

        // MARK: paging
        router.get("pages/number") { request, _ in
            let page = int(request, "page", 1), size = int(request, "size", 10)
            let first = (page - 1) * size
            let items = first < items ? (first..<min(items, first + size)).map(item) : []
            _ = state.next("number-\(key(request))")
            return json(["total": .integer(items.count > 0 || page == 1 ? Self.items : Self.items), "items": .array(items)])
        }
        // Nine items; from the second request on, item 0 has left (updated out of the slice),
        // so the others move one position up: the total says 8.
        router.get("pages/shifting") { request, _ in
            let page = int(request, "page", 1), size = int(request, "size", 3)
            let left = state.next("shifting-\(key(request))") > 1
            let all = Array((left ? 1 : 0)..<9)
            let first = (page - 1) * size
            let items = first < all.count ? all[first..<min(all.count, first + size)].map(item) : []
            return json(["total": .integer(all.count), "items": .array(items)])
        }
        // Items 0–8 in pages of 3, under a total that grows with every request (records added at the end).
        router.get("pages/growing") { request, _ in
            let n = state.next("growing-\(key(request))"), page = int(request, "page", 1)
            let items = (page - 1) * 3 < 9 ? ((page - 1) * 3..<min(9, page * 3)).map(item) : []
            return json(["total": .integer(8 + n), "items": .array(items)])
        }
        // A total that falls with every request.
        router.get("pages/churning") { request, _ in
            let n = state.next("churning-\(key(request))"), page = int(request, "page", 1)
            return json(["total": .integer(40 - n), "items": .array(((page - 1) * 3..<page * 3).map(item))])
        }
        router.get("pages/offset") { request, _ in
            let offset = int(request, "offset", 0), limit = int(request, "limit", 10)
            let items = offset < Self.items ? (offset..<min(Self.items, offset + limit)).map(item) : []
            return json(["data": ["count": .integer(Self.items), "rows": .array(items)]])
        }
        router.get("pages/cursor") { request, _ in
            let after = request.uri.queryParameters.get("cursor").flatMap { Int($0.dropFirst(2)) } ?? 0
            let end = min(Self.items, after + 7)
            let next: Value = end < Self.items ? .string("c-\(end)") : .null
            return json(["results": .array((after..<end).map(item)), "next_cursor": next])
        }
        // Always a next cursor, and empty pages once the items run out.
        router.get("pages/endless-cursor") { request, _ in
            let after = request.uri.queryParameters.get("cursor").flatMap { Int($0.dropFirst(2)) } ?? 0
            let end = min(Self.items, after + 7)
            return json(["results": .array((min(after, Self.items)..<end).map(item)), "next_cursor": .string("c-\(max(end, after + 7))")])
        }
        // Announces the total, then pages past it for as long as it is asked.
        router.get("pages/cursor-total") { request, _ in
            let after = request.uri.queryParameters.get("cursor").flatMap { Int($0.dropFirst(2)) } ?? 0
            return json(["total": .integer(Self.items), "results": .array((after..<after + 7).map(item)),
                         "next_cursor": .string("c-\(after + 7)")])
        }
        router.get("pages/header-cursor") { request, _ in
            let after = request.headers[HTTPField.Name("X-After")!].flatMap { Int($0) } ?? 0
            let end = min(Self.items, after + 10)
            var headers: HTTPFields = [:]
            if end < Self.items { headers[HTTPField.Name("X-Next-Cursor")!] = String(end) }
            return json(.array((after..<end).map(item)), headers: headers)
        }
        router.get("pages/link") { request, _ in
            let page = int(request, "page", 1), size = int(request, "per_page", 10)
            let first = (page - 1) * size
            var headers: HTTPFields = [:]
            let last = (Self.items + size - 1) / size
            // With `relative`, the links are query-only references, relative to this page.
            let path = request.uri.queryParameters.get("relative") != nil ? "" : request.uri.path
            let keep = request.uri.queryParameters.get("relative") != nil ? "&relative=1" : ""
            var links = ["<\(path)?page=\(last)&per_page=\(size)\(keep)>; rel=\"last\""]
            if first + size < Self.items { links.insert("<\(path)?page=\(page + 1)&per_page=\(size)\(keep)>; rel=\"next\"", at: 0) }
            headers[HTTPField.Name("Link")!] = links.joined(separator: ", ")
            return json(.array((first..<min(Self.items, first + size)).map(item)), headers: headers)
        }
        router.get("pages/next-url") { request, _ in
            let after = int(request, "after", 0)
            let end = min(Self.items, after + 10)
            // With `elsewhere`, the link names another origin (this server as `localhost`).
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? "80"
            let elsewhere = request.uri.queryParameters.get("elsewhere") != nil ? "http://localhost:\(port)" : ""
            // With `stuck`, every page after the first names itself as the next.
            let stuck = request.uri.queryParameters.get("stuck") != nil
            let next: Value = stuck ? .string("/pages/next-url?stuck=1&after=10")
                : end < Self.items ? .string("\(elsewhere)/pages/next-url?after=\(end)") : .null
            return json(["data": .array((after..<end).map(item)), "links": ["next": next]])
        }
        router.get("pages/flagged") { request, _ in
            // No total; the last page says so.
            let page = int(request, "page", 1)
            let first = (page - 1) * 10
            _ = state.next("flagged-page-\(page)")
            let items = first < Self.items ? (first..<min(Self.items, first + 10)).map(item) : []
            return json(["items": .array(items), "hasMore": .bool(first + 10 < Self.items)])
        }

        router.get("pages/since") { request, _ in
            // Items whose id is in [from, to), to = all when absent: an integer cursor.
            let from = int(request, "from", 0), to = min(Self.items, int(request, "to", Self.items))
            _ = state.next("since-\(from)-\(to)")
            return json(["items": .array(from < to ? (from..<to).map(item) : [])])
        }

        // Items of a partition `part`; parts named down… always answer 500.
        router.get("partitions/one-down") { request, _ in
            let part = request.uri.queryParameters.get("part").map { String($0) } ?? ""
            if part.hasPrefix("down") { return json(["error": "station decommissioned"], status: .internalServerError) }
            return json(["items": .array((0..<3).map { ["id": .string("\(part)-\($0)"), "n": .integer($0)] })])
        }

        // MARK: failures
        router.get("errors/flaky") { request, _ in
            // 503 twice, then the data.
            if state.next("flaky-\(key(request))") <= 2 { return json(["error": "busy"], status: .serviceUnavailable) }
            return json(["items": .array((0..<3).map(item))])
        }
        router.get("errors/throttled") { request, _ in
            if state.next("throttled-\(key(request))") == 1 {
                return json(["error": "slow down"], status: .tooManyRequests, headers: [.retryAfter: "1"])
            }
            return json(["items": .array((0..<3).map(item))])
        }
        router.get("errors/always") { request, _ in
            _ = state.next("always-\(key(request))")
            return json(["error": "down"], status: .internalServerError)
        }
        router.get("errors/missing") { _, _ in json(["error": "no such partition"], status: .notFound) }
        router.get("errors/unavailable") { request, _ in
            // Down for maintenance once, saying for how long.
            if state.next("unavailable-\(key(request))") == 1 {
                return json(["error": "maintenance"], status: .serviceUnavailable, headers: [.retryAfter: "1"])
            }
            return json(["items": .array((0..<3).map(item))])
        }
        router.get("errors/login-page") { _, _ in
            // What a single-sign-on gateway in front of the API answers a missing session with.
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: "<!DOCTYPE html>\n<html><head><title> 统一身份认证 </title></head><body>请登录</body></html>")))
        }
        router.get("errors/come-back-later") { request, _ in
            _ = state.next("later-\(key(request))")
            return json(["error": "quota exhausted"], status: .tooManyRequests, headers: [.retryAfter: "120"])
        }
        router.get("errors/status") { request, _ in
            // The key names the status: `409` once and then 200, or `202`/`404` every time, with items.
            let k = key(request)
            let n = state.next("status-\(k)")
            let code = Int(k.prefix(3)) ?? 200
            let status = code == 409 && n > 1 ? HTTPResponse.Status.ok : HTTPResponse.Status(code: code)
            return json(["items": .array((0..<3).map(item))], status: status)
        }
        router.get("errors/business") { request, _ in
            let n = state.next("business-\(key(request))")
            if n == 1 { return json(["code": 1001, "msg": "系统繁忙"]) }
            if request.uri.queryParameters.get("fatal") != nil { return json(["code": 4003, "msg": "无权访问该数据"]) }
            return json(["code": 0, "items": .array((0..<3).map(item))])
        }
        router.get("rate") { request, _ in
            state.times.withLock { $0[key(request), default: []].append(.now) }
            let page = int(request, "page", 1)
            return json(["items": page <= 6 ? [item(page)] : []])
        }

        // MARK: auth
        router.post("oauth/token") { request, _ in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 16))
            guard body.contains("grant_type=client_credentials"),
                  request.headers[.authorization] == "Basic " + Data("scenario-client:scenario-secret".utf8).base64EncodedString() else {
                return json(["error": "invalid_client"], status: .unauthorized)
            }
            let token = state.tokens.withLock { tokens -> String in
                tokens.issued += 1
                let token = "token-\(tokens.issued)"
                tokens.valid.insert(token)
                return token
            }
            return json(["access_token": .string(token), "token_type": "bearer", "expires_in": 3600])
        }
        router.post("oauth/revoke") { _, _ in
            state.tokens.withLock { $0.valid.removeAll() }
            return json(["revoked": true])
        }
        router.get("oauth/items") { request, _ in
            let header = request.headers[.authorization] ?? ""
            let valid = state.tokens.withLock { $0.valid.contains(String(header.dropFirst(7))) }
            guard header.hasPrefix("Bearer "), valid else { return json(["error": "invalid_token"], status: .unauthorized) }
            return json(["items": .array((0..<3).map(item))])
        }
        router.get("auth/bearer") { request, _ in
            guard request.headers[.authorization] == "Bearer \(Self.token)" else { return json(["error": "no"], status: .unauthorized) }
            return json(["items": .array((0..<2).map(item))])
        }
        router.get("auth/header-key") { request, _ in
            guard request.headers[HTTPField.Name("X-Api-Key")!] == Self.apiKey else { return json(["error": "no"], status: .forbidden) }
            return json(["items": .array((0..<2).map(item))])
        }
        router.get("auth/query-key") { request, _ in
            guard request.uri.queryParameters.get("api_key") == Self.apiKey else { return json(["error": "no"], status: .forbidden) }
            return json(["items": .array((0..<2).map(item))])
        }

        // MARK: payloads
        router.get("sm4/items") { _, _ in
            let plain = Value.array((0..<4).map(item)).jsonText
            let sm4 = try SM4(key: try Hex.decode(Self.sm4Key))
            let cipher = Base64.encode(try sm4.encrypt(Array(plain.utf8), mode: .ecb))
            return json(["code": 0, "data": ["encData": .string(cipher)]])
        }
        router.get("sm4-cbc/items") { _, _ in
            // Hex ciphertext of the whole body, chained from sm4IV.
            let plain = Value.object(["code": 0, "items": .array((0..<4).map(item))]).jsonText
            let sm4 = try SM4(key: try Hex.decode(Self.sm4Key))
            let cipher = Hex.encode(try sm4.encrypt(Array(plain.utf8), mode: .cbc(iv: try Hex.decode(Self.sm4IV))))
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: cipher)))
        }
        router.post("soap/fault") { _, _ in
            Response(status: .internalServerError, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: """
                <?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>\
                <soap:Fault><faultcode>soap:Server</faultcode><faultstring>数据库连接失败</faultstring></soap:Fault></soap:Body></soap:Envelope>
                """)))
        }
        router.post("soap/sender-fault") { request, _ in
            // SOAP 1.2: a Sender fault (a wrong parameter), with HTTP 500 as the binding has it; counted.
            _ = state.next("soap-sender-\(key(request))")
            return Response(status: .internalServerError, headers: [.contentType: "application/soap+xml"], body: .init(byteBuffer: ByteBuffer(string: """
                <?xml version="1.0"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault>\
                <env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="zh">参数错误</env:Text></env:Reason>\
                </env:Fault></env:Body></env:Envelope>
                """)))
        }
        router.post("soap/busy") { request, _ in
            // A Fault with HTTP 500 once ("busy"), then the answer.
            let busy = state.next("soap-busy-\(key(request))") == 1
            let body = busy
                ? "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>系统繁忙</faultstring></soap:Fault>"
                : "<getResponse><item><id>1</id></item><item><id>2</id></item></getResponse>"
            return Response(status: busy ? .internalServerError : .ok, headers: [.contentType: "text/xml"], body: .init(byteBuffer: ByteBuffer(string: """
                <?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>\(body)</soap:Body></soap:Envelope>
                """)))
        }
        router.get("errors/busy-body") { request, _ in
            // A 503 whose body looks like a business error once, then the data.
            if state.next("busy-body-\(key(request))") == 1 { return json(["code": 503, "msg": "服务暂不可用"], status: .serviceUnavailable) }
            return json(["code": 0, "items": .array((0..<3).map(item))])
        }
        router.get("errors/sequence") { request, _ in
            // 503, then 404, then the data.
            let n = state.next("sequence-\(key(request))")
            if n == 1 { return json(["error": "down"], status: .serviceUnavailable) }
            if n == 2 { return json(["error": "no such thing"], status: .notFound) }
            return json(["items": .array((0..<3).map(item))])
        }
        // Ignores `page`: the first page, whatever is asked (with no total, paging never ends).
        router.get("pages/ignored") { _, _ in
            json(["items": .array((0..<10).map(item))])
        }
        // An error answered with HTTP 200, the list left out.
        router.get("errors/ok-but-failed") { _, _ in
            json(["code": 500, "msg": "数据库连接失败"])
        }
        // A total that over-counts: page 1 has 3 items of "5", page 2 leaves the list out.
        router.get("pages/overcount") { request, _ in
            int(request, "page", 1) == 1 ? json(["total": 5, "items": .array((0..<3).map(item))]) : json(["total": 5])
        }
        // A count of records, and no list of them.
        router.get("pages/total-only") { _, _ in
            json(["total": 3])
        }
        // No records: the list left out, its holder there.
        router.get("pages/empty-holder") { _, _ in
            json(["code": 0, "data": ["total": 0]])
        }
        // Redirects within the origin, and to another host (localhost for 127.0.0.1).
        router.get("redirect/here") { request, _ in
            Response(status: .found, headers: [.location: "/pages/empty-holder"])
        }
        router.get("redirect/away") { request, _ in
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? "80"
            return Response(status: .found, headers: [.location: "http://localhost:\(port)/pages/empty-holder"])
        }
        // No records: a null where the list's holder would be.
        router.get("pages/null-data") { _, _ in
            json(["code": 0, "data": nil])
        }
        // JSON in GBK, as the charset says: {"items":[{"id":1,"name":"黄冈"}]}.
        router.get("gbk/items") { _, _ in
            let bytes: [UInt8] = Array(#"{"items":[{"id":1,"name":""#.utf8) + [0xBB, 0xC6, 0xB8, 0xD4] + Array(#""}]}"#.utf8)
            return Response(status: .ok, headers: [.contentType: "application/json;charset=GBK"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        // Records whose `id` is missing, null or empty among keyed ones.
        router.get("keys/partial") { _, _ in
            json(["items": [["id": 1, "name": "a"], ["name": "b"], ["id": nil, "name": "c"], ["id": "", "name": "d"], ["id": 5, "name": "e"]]])
        }
        router.get("csv/export") { request, _ in
            // Excel's CSV export starts with a UTF-8 byte-order mark; `bom` asks for one.
            let bom = request.uri.queryParameters.get("bom") != nil ? "\u{FEFF}" : ""
            return Response(status: .ok, headers: [.contentType: "text/csv"],
                            body: .init(byteBuffer: ByteBuffer(string: bom + "id,name\n1,甲\n2,\"乙, 丙\"\n")))
        }
        let server = try await LoopbackServer.start { onRunning in
            Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "scenario"),
                        onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
                        logger: Logger(label: "scenario") { _ in SwiftLogNoOpLogHandler() })
        }
        return ScenarioServer(server: server, state: state)
    }
}
