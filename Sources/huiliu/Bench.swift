import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuExpression
import HuiliuHJ212
import HuiliuTransport
import HuiliuEngine
import HuiliuKit
import HuiliuStore
import Logging

extension Huiliu {
    /// `huiliu bench`: the built-in benchmarks.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure throughput: JSON reading and writing, and whole pipelines.",
            discussion: """
                Build in release mode for meaningful figures (`swift build -c release`, or `make bench`).
                `json` times Huiliu's JSON reader and writer against Foundation's JSONSerialization on the same \
                generated budget-payment lines, on one core. `pipeline` writes N such records to a temporary \
                JSON Lines file and runs file → jsonl through the real runner, reporting records/s, MB/s and \
                the process's peak resident memory. `mapping` adds a map step of 12 expressions into \
                budget.payment.v1 and validation against its schema. `jmespath` evaluates the compliance \
                suite's benchmark cases. `connector` pulls N budget-network payments in pages of --page-size \
                from lighttpd on loopback through a manifest connector, maps each into budget.payment.v1 and writes \
                jsonl through the real runner, then measures the transport alone against curl. `hj212` runs the HJ 212 listener on loopback against 1,000 \
                emulated devices and reports frames/s and acknowledgement latency, and the codec alone. `ingest` \
                has --clients clients push N records in pushes of --page-size to the push endpoint on loopback, each \
                answered once committed.

                Examples:
                  huiliu bench json --records 200000
                  huiliu bench pipeline --records 5000000
                  huiliu bench mapping --records 1000000
                  huiliu bench connector --records 1000000
                  huiliu bench hj212 --frames-per-second 15000
                  huiliu bench ingest --records 200000 --page-size 100 --clients 16
                """)

        enum Suite: String, ExpressibleByArgument, CaseIterable {
            case json, pipeline, mapping, jmespath, hj212, transport, connector, ingest, all
        }

        @Argument(help: "Which benchmark; all runs every one.")
        var suite: Suite = .all

        @Option(help: "Records to generate.")
        var records = 1_000_000

        @Option(help: "Records per batch in the pipeline benchmark.")
        var batchSize = 1000

        @Option(help: "Batches the pipeline, mapping and connector benchmarks transform at once (default: the pipeline default, one per usable core).")
        var parallelism: Int?

        @Option(help: "Runs of the pipeline and mapping benchmarks over the same input; with more than one, the median and the best are reported too, as a shared machine's figures vary from run to run.")
        var `repeat` = 1

        @Option(help: "Clients pushing at once in the ingest benchmark.")
        var clients = 16

        @Option(help: "Records per page in the connector benchmark, and per push in the ingest benchmark.")
        var pageSize = 1000

        @Flag(inversion: .prefixedNo, help: "Flush the connector benchmark's jsonl sink to disk after every batch.")
        var fsync = true

        @Option(help: "The connector benchmark's mapping: none, or a mapping file (default: the budget network's payments-api).")
        var mapping: String?

        @Flag(help: "Keep a provenance chain in the pipeline and mapping benchmarks, to measure what its digests cost.")
        var provenance = false

        @Flag(help: "Skip the transport-versus-curl comparison the connector benchmark ends with.")
        var noTransport = false

        @Option(help: "Frames per second the hj212 benchmark's fleet offers in all; 0 (the default) sends each device's next frame as soon as the last is acknowledged, which measures the listener's maximum but makes latency mostly queueing.")
        var framesPerSecond: Double = 0

        @Option(help: "Devices in the hj212 benchmark's fleet.")
        var devices = 1000

        @Option(help: "Event loop threads of the hj212 benchmark's listener (default: one per core).")
        var listenerThreads: Int?

        @Option(help: "Event loop threads of the hj212 benchmark's device fleet.")
        var fleetThreads = 2

        @Option(help: "Directory for temporary files (default: a new one under /tmp).")
        var workDirectory: String?

        @Option(help: "The JMESPath compliance suite's benchmarks.json (default: Tests/Conformance/jmespath/ here).")
        var jmespathSuite: String?

        func validate() throws {
            guard records > 0, batchSize > 0, pageSize > 0, `repeat` > 0 else {
                throw ValidationError("--records, --batch-size, --page-size and --repeat must be at least 1")
            }
            guard devices > 0 else { throw ValidationError("--devices must be at least 1") }
            guard (parallelism ?? 1) > 0 else { throw ValidationError("--parallelism must be at least 1") }
            guard fleetThreads > 0, (listenerThreads ?? 1) > 0 else {
                throw ValidationError("--listener-threads and --fleet-threads must be at least 1")
            }
            guard framesPerSecond >= 0, framesPerSecond == 0 || Double(devices) / framesPerSecond <= 86_400 else {
                throw ValidationError("--frames-per-second must be 0 (as fast as acknowledged) or enough for every device to send at least once a day")
            }
        }

        func run() async throws {
            // Absolute: the benchmark pipelines resolve their paths against their own folder.
            let directory = workDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
                ?? NSTemporaryDirectory() + "huiliu-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
            #if DEBUG
            print("warning: this is a debug build; figures will be far below release performance\n")
            #endif
            print("allocator: \(Allocator.description)\n")
            if suite == .json || suite == .all { try JSONBenchmark(records: min(records, 500_000)).run() }
            if suite == .pipeline || suite == .all {
                try await PipelineBenchmark(records: records, batchSize: batchSize, parallelism: parallelism, directory: directory,
                                            provenance: provenance).run(times: `repeat`)
            }
            if suite == .mapping || suite == .all {
                try await PipelineBenchmark(records: records, batchSize: batchSize, parallelism: parallelism, directory: directory,
                                            steps: PipelineBenchmark.mappingSteps, provenance: provenance).run(times: `repeat`)
            }
            if suite == .hj212 || suite == .all {
                var options = HJ212Benchmark.Options()
                options.directory = directory
                options.framesPerSecond = framesPerSecond
                options.devices = devices
                options.listenerThreads = listenerThreads
                options.fleetThreads = fleetThreads
                print(try await HJ212Benchmark.run(options))
            }
            if suite == .connector || suite == .all {
                try await ConnectorBenchmark(records: records, pageSize: pageSize, directory: directory, fsync: fsync, transport: !noTransport, mapping: mapping, parallelism: parallelism).run()
            }
            if suite == .ingest || suite == .all {
                try await IngestBenchmark(records: min(records, 1_000_000), recordsPerRequest: pageSize, clients: clients,
                                          directory: directory).run()
            }
            if suite == .transport || suite == .all {
                print(try await TransportBenchmark.run(.init(pages: 3000)))
            }
            if suite == .jmespath || suite == .all {
                try JMESPathBenchmark(suite: jmespathSuite ?? FileManager.default.currentDirectoryPath + "/Tests/Conformance/jmespath/benchmarks.json").run()
            }
        }
    }
}

/// Budget-payment-like records, ≈350 bytes of JSON each with Chinese text, deterministic.
enum BenchData {
    static let agencies = ["北京市朝阳区教育委员会", "北京市朝阳区卫生健康委员会", "北京市朝阳区生态环境局", "北京市朝阳区财政局"]
    static let payees = ["北京市某某建筑工程有限公司", "中国移动通信集团北京有限公司", "北京某某科技发展有限公司", "国网北京市电力公司"]
    static let functions = [("2050201", "学前教育"), ("2100302", "乡镇卫生院"), ("2110301", "大气"), ("2010601", "行政运行")]
    static let economics = [("30201", "办公费"), ("30213", "维修（护）费"), ("31002", "办公设备购置"), ("30206", "电费")]

    static func line(_ i: Int) -> String {
        let f = functions[i % 4], e = economics[(i / 4) % 4]
        let amount = (i &* 7919) % 10_000_000
        return """
            {"payment_id":"ZF2024\(String(format: "%010d", i))","pay_date":"2024-03-\(String(format: "%02d", i % 28 + 1))","agency_code":"110105\(String(format: "%03d", i % 4))","agency_name":"\(agencies[i % 4])","payee":"\(payees[(i / 3) % 4])","account":"0200001234567\(String(format: "%06d", i % 1_000_000))","amount":"\(amount / 100).\(String(format: "%02d", amount % 100))","function_code":"\(f.0)","function_name":"\(f.1)","economic_code":"\(e.0)","economic_name":"\(e.1)","status":"已支付"}
            """
    }
}

/// Peak resident set size of this process, in MiB.
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Huiliu's JSON reader/writer against Foundation's JSONSerialization, same lines, one core.
struct JSONBenchmark {
    let records: Int

    func run() throws {
        let lines = (0..<records).map { Array(BenchData.line($0).utf8) }
        let bytes = lines.reduce(0) { $0 + $1.count }
        print("JSON — \(grouped(records)) lines, \(String(format: "%.1f", Double(bytes) / 1e6)) MB, average \(bytes / records) bytes")
        let clock = ContinuousClock()

        var checksum = 0
        var reader = JSONReader()
        var start = clock.now
        for line in lines {
            let value = try line.withUnsafeBytes { try reader.parse($0) }
            checksum &+= value.objectValue?.count ?? 0
        }
        let readTime = seconds(clock.now - start)

        var writer = JSONWriter(capacity: 1024)
        start = clock.now
        for line in lines {
            let value = try line.withUnsafeBytes { try reader.parse($0) }
            writer.removeAll()
            writer.write(value)
            checksum &+= writer.count
        }
        let roundTime = seconds(clock.now - start)

        start = clock.now
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line))
            let data = try JSONSerialization.data(withJSONObject: object)
            checksum &+= data.count
        }
        let foundationTime = seconds(clock.now - start)

        start = clock.now
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line))
            checksum &+= (object as? [String: Any])?.count ?? 0
        }
        let foundationReadTime = seconds(clock.now - start)

        func row(_ name: String, _ t: Double) -> [String] {
            [name, grouped(Int(Double(records) / t)), String(format: "%.1f", Double(bytes) / t / 1e6)]
        }
        print(table([["", "records/s", "MB/s"],
                     row("huiliu read", readTime),
                     row("Foundation read", foundationReadTime),
                     row("huiliu read+write", roundTime),
                     row("Foundation read+write", foundationTime)]))
        print(String(format: "read: huiliu is %.1f× Foundation; read+write: %.1f×", foundationReadTime / readTime, foundationTime / roundTime))
        print("(checksum \(checksum))\n")
    }
}

/// The whole file → [steps →] jsonl pipeline through the real runner.
struct PipelineBenchmark {
    let records: Int
    let batchSize: Int
    /// Batches transformed at once; `nil` for the pipeline default.
    var parallelism: Int? = nil
    let directory: String
    var steps: String? = nil
    /// Whether the pipeline keeps a provenance chain.
    var provenance = false

    /// Twelve expressions into budget.payment.v1, then validation against its schema.
    static let mappingSteps = """
        steps:
          - map:
              type: budget.payment.v1
              key: payment_id
              fields:
                payment_id: payment_id
                fiscal_year: to_number(split(pay_date, '-')[0])
                pay_date: pay_date
                region: '`"421100"`'
                unit_code: agency_code
                unit_name: agency_name
                function_code: function_code
                economic_code: economic_code
                economic_name: economic_name
                amount_fen: to_fen(amount)
                payee.name: payee
                payee.account: account
          - validate
        """

    /// Writes the input once, then runs the pipeline `times` times over it.
    func run(times: Int = 1) async throws {
        let input = directory + "/payments.jsonl"
        var bytes = 0
        do {
            _ = FileManager.default.createFile(atPath: input, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
            var chunk: [UInt8] = []
            for i in 0..<records {
                chunk.append(contentsOf: BenchData.line(i).utf8)
                chunk.append(0x0A)
                if chunk.count > 1 << 22 {
                    handle.write(Data(chunk))
                    bytes += chunk.count
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            handle.write(Data(chunk))
            bytes += chunk.count
            try handle.close()
        }
        print("pipeline file → \(steps == nil ? "" : "map → validate → ")jsonl\(provenance ? " with provenance" : "") — \(grouped(records)) records, \(String(format: "%.1f", Double(bytes) / 1e6)) MB, batch \(batchSize)")
        var rows = [["records/s", "input MB/s", "output MB", "seconds", "CPU seconds", "records/CPU-s", "peak RSS MiB"]]
        var rates: [(wall: Double, cpu: Double)] = []
        for _ in 0..<times {
            let (elapsed, cpu, outBytes) = try await once(input: input)
            rates.append((Double(records) / elapsed, Double(records) / cpu))
            // Records per CPU-second is the rate one core would sustain; it moves less with the
            // machine's other load than wall-clock throughput does.
            rows.append([grouped(Int(Double(records) / elapsed)), String(format: "%.1f", Double(bytes) / elapsed / 1e6),
                         String(format: "%.1f", Double(outBytes) / 1e6), String(format: "%.2f", elapsed),
                         String(format: "%.2f", cpu), grouped(Int(Double(records) / cpu)),
                         String(format: "%.1f", peakRSSMiB())])
        }
        print(table(rows))
        if times > 1 {
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            }
            print("over \(times) runs: records/s median \(grouped(Int(median(rates.map(\.wall))))), best \(grouped(Int(rates.map(\.wall).max()!))); "
                  + "records/CPU-s median \(grouped(Int(median(rates.map(\.cpu))))), best \(grouped(Int(rates.map(\.cpu).max()!)))")
        }
        print("")
    }

    /// One run from scratch (new state, empty output): wall seconds, CPU seconds, output bytes.
    private func once(input: String) async throws -> (Double, Double, Int) {
        let output = directory + "/out.jsonl"
        try? FileManager.default.removeItem(atPath: output)
        try? FileManager.default.removeItem(atPath: directory + "/state.db")
        let pipelineFile = directory + "/bench.yaml"
        try """
            version: 1
            name: bench
            provenance: \(provenance)
            source:
              file: { path: \(input), key: payment_id, type: budget.payment.raw.v1 }
            \(steps ?? "")
            sinks:
              - jsonl: { path: \(output) }
            batch: { size: \(batchSize)\(parallelism.map { ", parallelism: \($0)" } ?? "") }
            """.write(toFile: pipelineFile, atomically: true, encoding: .utf8)
        var registry = ConnectorRegistry()
        try BuiltInConnectors.register(into: &registry)
        var gateway = try GatewayConfig.load(path: nil, projectDirectory: directory)
        // Mapping needs the lookups and schemas of the project the command runs in.
        gateway.configDirectory = FileManager.default.currentDirectoryPath + "/config"
        if steps != nil, !FileManager.default.fileExists(atPath: gateway.configDirectory + "/schema") {
            throw RunError("the mapping benchmark needs the common schema: run it from the project directory (no \(gateway.configDirectory)/schema here)")
        }
        let loader = PipelineLoader(registry: registry, resolver: ReferenceResolver(), projectDirectory: directory)
        guard case .pipeline(let definition) = loader.load(path: pipelineFile) else { throw RunError("bench pipeline did not load") }
        let store = try SQLiteStateStore(path: directory + "/state.db")
        let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                    logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = processCPUSeconds()
        let run = try await runner.run(trigger: "bench")
        let elapsed = seconds(clock.now - start)
        let cpu = processCPUSeconds() - cpuStart
        guard run.status == .succeeded, run.recordsWritten == records else {
            if let letter = try await store.deadLetters(pipeline: "bench", status: nil, limit: 1).first {
                throw RunError("bench run: \(letter.origin): \(letter.reason)")
            }
            throw RunError("bench run \(run.status.rawValue): \(run.error ?? "wrote \(run.recordsWritten) of \(records)")")
        }
        let outBytes = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        return (elapsed, cpu, outBytes)
    }
}

/// The JMESPath compliance suite's benchmark cases: evaluations per second.
struct JMESPathBenchmark {
    let suite: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: suite) else {
            throw RunError("cannot read \(suite); pass --jmespath-suite")
        }
        let suites = try JSONReader.parse([UInt8](data))
        print("JMESPath — compliance suite benchmark cases (\(suite.split(separator: "/").suffix(3).joined(separator: "/")))")
        var rows = [["expression", "phase", "per second"]]
        for result in ExpressionBenchmark.run(suites: suites) {
            let text = result.expression.count > 60 ? String(result.expression.prefix(57)) + "..." : result.expression
            rows.append([text, result.phase.rawValue, result.error.map { "error: \($0)" } ?? grouped(Int(result.perSecond))])
        }
        print(table(rows))
        print("")
    }
}
