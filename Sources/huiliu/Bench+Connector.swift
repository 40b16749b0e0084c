import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuStore
import HuiliuTransport
import Logging

/// `huiliu bench connector`: a manifest connector pulling budget-network payments in pages
/// of 1,000 from a loopback HTTP server (lighttpd serving pre-generated pages), mapping each
/// into `budget.payment` with the budget network's own mapping, and writing JSON Lines,
/// through the real pipeline runner; then, in the same run, the transport alone against the
/// `curl` tool.
struct ConnectorBenchmark {
    let records: Int
    let pageSize: Int
    let directory: String
    let fsync: Bool
    let transport: Bool
    /// `none`, a mapping file, or `nil` for the budget network's own mapping.
    let mapping: String?
    /// Batches transformed at once; `nil` for the pipeline default (one per usable core).
    var parallelism: Int? = nil

    /// Distinct page bodies; page n is served from page `n % distinct` through a symbolic link.
    static let distinctPages = 20

    func run() async throws {
        let project = directory + "/connector-bench"
        let root = project + "/www"
        try? FileManager.default.removeItem(atPath: project)
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/payments", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: project + "/connectors/bench-budget/mappings", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: project + "/config", withIntermediateDirectories: true)
        let pages = (records + pageSize - 1) / pageSize
        var pageBytes = 0
        for page in 0..<Self.distinctPages {
            let bytes = Self.page(page, size: pageSize, total: records)
            pageBytes = bytes.count
            try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/payments/body-\(page).json"))
        }
        for page in 1...pages {
            try fm.createSymbolicLink(atPath: "\(root)/payments/page-\(page).json", withDestinationPath: "body-\(page % Self.distinctPages).json")
        }
        let server = try StaticFileServer(root: root)
        defer { server.stop() }

        // The budget network's connector, minus the signature a static server cannot check.
        let cwd = FileManager.default.currentDirectoryPath
        try fm.copyItem(atPath: cwd + "/connectors/budget-network/mappings/payments-api.yaml",
                        toPath: project + "/connectors/bench-budget/mappings/payments-api.yaml")
        for folder in ["lookups", "schema"] { try fm.copyItem(atPath: cwd + "/config/" + folder, toPath: project + "/config/" + folder) }
        try """
            version: 1
            name: bench-budget
            summary: Budget-network payments from pre-generated pages (benchmark).
            spec:
              base_url: { type: url, description: Root URL. }
            streams:
              payments:
                request:
                  base_url: "{{ config.base_url }}"
                  path: "/payments/page-{{ page.number }}.json"
                  http_version: "1.1"
                records: data.list
                primary_key: zfpzh
                mapping: payments-api
                paginate:
                  type: page_number
                  size: "\(pageSize)"
                  total: body.data.total
            """.write(toFile: project + "/connectors/bench-budget/connector.yaml", atomically: true, encoding: .utf8)
        let output = project + "/out.jsonl"
        try """
            version: 1
            name: bench-connector
            source:
              bench-budget: { stream: payments, base_url: "\(server.url("").dropLast())"\(mapping.map { ", mapping: \($0)" } ?? "") }
            sinks:
              - jsonl: { path: \(output), fsync: \(fsync) }
            batch: { size: \(pageSize)\(parallelism.map { ", parallelism: \($0)" } ?? "") }
            """.write(toFile: project + "/pipeline.yaml", atomically: true, encoding: .utf8)

        let gateway = try GatewayConfig.load(path: nil, projectDirectory: project)
        let resources = try MappingResources.load(configDirectory: gateway.configDirectory)
        var registry = ConnectorRegistry()
        try BuiltInConnectors.register(into: &registry)
        let problems = ManifestConnectors.register(projectDirectory: project, functions: resources.functions, into: &registry)
        guard problems.isEmpty else { throw RunError(problems.map(\.description).joined(separator: "\n")) }
        let loader = PipelineLoader(registry: registry, resolver: ReferenceResolver(), projectDirectory: project)
        guard case .pipeline(let definition) = loader.load(path: project + "/pipeline.yaml") else { throw RunError("bench pipeline did not load") }
        var services = ServiceValues()
        services[MappingResources.self] = resources
        let store = try SQLiteStateStore(path: project + "/state.db")
        let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                    logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }, services: services)
        print("connector: \(grouped(records)) budget-network payments in \(grouped(pages)) pages of \(grouped(pageSize)) (\(pageBytes / 1024) KiB) from \(server.kind.rawValue) on loopback → map into budget.payment.v1 → jsonl (fsync \(fsync ? "on" : "off"))")
        let started = ContinuousClock.now
        let cpuBefore = processCPUSeconds()
        let run = try await runner.run(trigger: "bench")
        let cpu = processCPUSeconds() - cpuBefore
        let elapsed = seconds(ContinuousClock.now - started)
        guard run.status == .succeeded, run.recordsWritten == records else {
            throw RunError("bench run \(run.status.rawValue): \(run.error ?? "wrote \(run.recordsWritten) of \(records)")")
        }
        let outBytes = (try? fm.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        print(table([["records/s", "pages/s", "input MB/s", "output MB", "seconds", "CPU seconds", "peak RSS MiB"],
                     [grouped(Int(Double(records) / elapsed)), grouped(Int(Double(pages) / elapsed)),
                      String(format: "%.1f", Double(pageBytes) * Double(pages) / elapsed / 1e6), String(format: "%.1f", Double(outBytes) / 1e6),
                      String(format: "%.2f", elapsed), String(format: "%.2f", cpu), String(format: "%.1f", peakRSSMiB())]]))
        server.stop()
        try? fm.removeItem(atPath: project)
        print("")
        if transport {
            print(try await TransportBenchmark.run(.init(pages: 3000)))
            print("")
        }
    }

    /// One page of budget-network payments, shaped as the API answers (`data.total`, `data.list`).
    static func page(_ page: Int, size: Int, total: Int) -> [UInt8] {
        let agencies = [("421100001", "黄冈市教育局"), ("421100002", "黄冈市卫生健康委员会"), ("421100003", "黄冈市生态环境局")]
        let payees = [("91421100MA4F00120J", "黄冈市城建工程有限公司", "421001234567890123"),
                      ("", "张某某（个人劳务）", "6217001810012345678")]
        let functions = [("2050201", "学前教育"), ("2100302", "乡镇卫生院"), ("2110301", "大气")]
        let economics = [("30201", "办公费"), ("30213", "维修（护）费"), ("31002", "办公设备购置")]
        var items: [Value] = []
        items.reserveCapacity(size)
        for i in 0..<size {
            let n = page * size + i
            let agency = agencies[n % 3], payee = payees[n % 2], function = functions[n % 3], economic = economics[(n / 3) % 3]
            let fen = (n &* 7919) % 50_000_000 + 100
            let day = n % 28 + 1
            items.append([
                "zfpzh": .string("ZF2024\(String(format: "%08d", n + 1))"), "zfrq": .string(String(format: "2024-03-%02d", day)),
                "ysdwbm": .string(agency.0), "ysdwmc": .string(agency.1),
                "skrmc": .string(payee.1), "skrtyxydm": .string(payee.0), "skrzh": .string(payee.2),
                "zfje": .string("\(fen / 100).\(String(format: "%02d", fen % 100))"),
                "gnkmbm": .string(function.0), "gnkmmc": .string(function.1), "jjkmbm": .string(economic.0), "jjkmmc": .string(economic.1),
                "zjxz": "一般公共预算", "zfzt": "已支付", "gxsj": .string(String(format: "2024-03-%02d 08:%02d:00", day, n % 60)),
            ])
        }
        var writer = JSONWriter(capacity: size * 420)
        writer.write(["code": 0, "msg": "成功", "data": ["total": .integer(total), "pageSize": .integer(size), "list": .array(items)]])
        return writer.bytes
    }
}

/// User and system CPU time this process (not its children) has used, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
