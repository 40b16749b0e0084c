import Foundation
import HuiliuCore
import HTTPTypes
import Hummingbird
import Synchronization

/// 检察院 and 生态环境: an API key with cursor paging by next-URL in the body
/// (procuratorate), and RuoYi-style `pageNum/pageSize` with `total/rows` (environment).
extension Simulator {
    func addProcuratorateRoutes(to router: Router<BasicRequestContext>) {
        router.get("procuratorate/api/v1/cases") { request, _ in
            guard request.headers[.apiKey] == Credentials.procuratorateAPIKey else {
                return simulatorJSON(["error": "invalid api key"], status: .forbidden)
            }
            let query = request.uri.queryParameters
            let after = query.get("after").flatMap(Int.init) ?? 0
            let limit = min(max(1, query.get("limit").flatMap(Int.init) ?? 25), 200)
            let end = min(configuration.procuratorateCases, after + limit)
            let items = after < end ? (after..<end).map(dataset.procuratorateCase) : []
            let next: Value = end < configuration.procuratorateCases
                ? .string("/procuratorate/api/v1/cases?after=\(end)&limit=\(limit)") : .null
            return simulatorJSON(["data": .array(items), "next": next])
        }
    }

    func addEnvironmentRoutes(to router: Router<BasicRequestContext>) {
        router.get("env/api/v1/water/hourly") { request, _ in
            let query = request.uri.queryParameters
            let stations = query.get("mn").map { mn in Dataset.stations.indices.filter { Dataset.stations[$0].0 == mn } }
                ?? Array(Dataset.stations.indices)
            let hours = 24 * 7
            let start = query.get("beginTime").flatMap(Self.parseLocalTime).map { max(0, ($0 - Dataset.epoch + 3599) / 3600) } ?? 0
            // Readings in [beginTime, endTime): the last is the hour before endTime, on the hour or not.
            let end = query.get("endTime").flatMap(Self.parseLocalTime).map { min(hours, max(start, ($0 - Dataset.epoch + 3599) / 3600)) } ?? hours
            let all = (start..<max(start, end)).flatMap { hour in stations.map { (hour, $0) } }
            let page = max(1, query.get("pageNum").flatMap(Int.init) ?? 1)
            let size = min(max(1, query.get("pageSize").flatMap(Int.init) ?? 50), 1000)
            let first = (page - 1) * size
            let rows = first < all.count ? all[first..<min(all.count, first + size)].map { dataset.hourlyWater(station: $0.1, hour: $0.0) } : []
            return simulatorJSON(["code": 200, "msg": "查询成功", "total": .integer(all.count), "rows": .array(rows)])
        }
    }
}
