import Foundation
import HuiliuCore
import HTTPTypes
import Hummingbird
import Synchronization

/// 预算联网监督: signed REST (appKey, timestamp, nonce, HMAC-SM3 signature), page-number
/// paging, incremental by update time.
///
/// The signature is `hex(HMAC-SM3(appSecret, canonical))` over
/// `METHOD\nPATH\nsorted query k=v&…\nappKey\ntimestamp\nnonce\nhex(SM3(body))`, sent as
/// `X-App-Key`, `X-Timestamp` (milliseconds), `X-Nonce` and `X-Sign`; a timestamp more than
/// five minutes off or a nonce seen before is refused.
extension Simulator {
    func addBudgetRoutes(to router: Router<BasicRequestContext>) {
        addBudgetExecutionRoute(to: router)
        router.get("budget/api/v1/payments") { request, _ in
            if let refusal = verifySignature(request, body: []) { return refusal }
            let query = request.uri.queryParameters
            let page = max(1, query.get("pageNum").flatMap(Int.init) ?? 1)
            let size = min(max(1, query.get("pageSize").flatMap(Int.init) ?? 100), 5000)
            var range = 0..<configuration.payments
            if let start = query.get("startTime").flatMap(Self.parseLocalTime) {
                // A start after the last payment leaves an empty range, not an inverted one.
                range = min(range.upperBound, max(range.lowerBound, Self.firstPayment(updatedAtOrAfter: start)))..<range.upperBound
            }
            if let end = query.get("endTime").flatMap(Self.parseLocalTime) {
                range = range.lowerBound..<max(range.lowerBound, min(range.upperBound, Self.firstPayment(updatedAtOrAfter: end)))
            }
            let first = range.lowerBound + (page - 1) * size
            let items = first < range.upperBound ? (first..<min(range.upperBound, first + size)).map(dataset.payment) : []
            return simulatorJSON(["code": 0, "msg": "成功", "data": [
                "total": .integer(range.count), "pageNum": .integer(page), "pageSize": .integer(size), "list": .array(items),
            ]])
        }
    }

    /// 支出完成情况表: the spending completion table of a fiscal year (`nd`), every unit and
    /// functional class cumulative to each month, page by page.
    func addBudgetExecutionRoute(to router: Router<BasicRequestContext>) {
        router.get("budget/api/v1/execution") { request, _ in
            if let refusal = verifySignature(request, body: []) { return refusal }
            let query = request.uri.queryParameters
            let page = max(1, query.get("pageNum").flatMap(Int.init) ?? 1)
            let size = min(max(1, query.get("pageSize").flatMap(Int.init) ?? 100), 5000)
            // The simulated network holds 2024 only.
            let rows = query.get("nd").flatMap(Int.init) == 2024 ? Dataset.executionRows : 0
            let first = (page - 1) * size
            let items = first < rows ? (first..<min(rows, first + size)).map(dataset.execution) : []
            return simulatorJSON(["code": 0, "msg": "成功", "data": [
                "total": .integer(rows), "pageNum": .integer(page), "pageSize": .integer(size), "list": .array(items),
            ]])
        }
    }

    static func firstPayment(updatedAtOrAfter seconds: Int) -> Int {
        let step = 17 * 60
        let offset = seconds - Dataset.epoch
        return offset <= 0 ? 0 : (offset + step - 1) / step
    }

    /// `yyyy-MM-dd HH:mm:ss` in Asia/Shanghai, as seconds since the epoch.
    static func parseLocalTime(_ text: String) -> Int? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" || $0 == "T" }).compactMap { Int($0) }
        guard parts.count >= 3 else { return nil }
        let time = parts.count >= 6 ? parts[3] * 3600 + parts[4] * 60 + parts[5] : 0
        return CivilCalendar.days(year: parts[0], month: parts[1], day: parts[2]) * 86_400 + time - 8 * 3600
    }

    /// A refusal for a request whose signature, timestamp or nonce is wrong; `nil` if it is good.
    func verifySignature(_ request: Request, body: [UInt8]) -> Response? {
        func refuse(_ code: Int, _ message: String) -> Response {
            simulatorJSON(["code": .integer(code), "msg": .string(message)], status: .unauthorized)
        }
        guard let key = request.headers[.appKey], let timestamp = request.headers[.timestamp],
              let nonce = request.headers[.nonce], let sign = request.headers[.sign] else {
            return refuse(40100, "缺少签名参数 X-App-Key/X-Timestamp/X-Nonce/X-Sign")
        }
        guard key == Credentials.budgetAppKey else { return refuse(40101, "appKey 无效") }
        guard let millis = Double(timestamp), abs(Date().timeIntervalSince1970 - millis / 1000) < 300 else {
            return refuse(40102, "时间戳超出允许范围")
        }
        let replayed = state.nonces.withLock { nonces -> Bool in
            let now = Date()
            nonces = nonces.filter { now.timeIntervalSince($0.value) < 600 }
            if nonces[nonce] != nil { return true }
            nonces[nonce] = now
            return false
        }
        if replayed { return refuse(40103, "nonce 重复") }
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }.sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let canonical = [request.method.rawValue, request.uri.path, query, key, timestamp, nonce,
                         Digest.hexString(Digest.sm3.hash(body))].joined(separator: "\n")
        let expected = Digest.hexString(Digest.sm3.hmac(key: Array(Credentials.budgetAppSecret.utf8), message: Array(canonical.utf8)))
        guard expected == sign.lowercased() else { return refuse(40104, "签名错误") }
        return nil
    }
}
