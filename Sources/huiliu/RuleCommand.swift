import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuExpression
import HuiliuKit
import Logging

extension Huiliu {
    /// `huiliu rule NAME [FILE]`: the tool for writing rules, as `expr` is for mappings.
    struct RuleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rule",
            abstract: "Run a rule from config/rules/ over records and print the alerts it raises.",
            discussion: """
                Reads records of the rule's entity as JSON Lines (one object per line), or one JSON array, from FILE \
                or standard input, judges each as the rule step would, and prints each alert (alert.v1 data) as a \
                line of JSON. A line may be a CloudEvents envelope (a sink's output): those of the rule's entity are \
                judged by their data, subject and extension attributes (`extensions.region`), the others left out. Records and failures are counted on standard error; a record the rule cannot judge is \
                reported with its line. Exit status: 0 judged, 1 some records could not be judged, 2 the rule or \
                the input could not be read.

                Examples:
                  huiliu rule budget-time-progress execution.jsonl --key "join('/', [to_string(fiscal_year), unit_code])"
                  huiliu rule config/rules/my-rule.yaml < rows.jsonl
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The rule: its name in config/rules/, or a .yaml path.")
        var rule: String

        @Argument(help: "Records as JSON Lines or a JSON array (default: standard input).")
        var file: String?

        @Option(help: "Expression for each record's natural key, which alerts name as their subject (default: its line).")
        var key: String?

        func run() async throws {
            let gateway = try options.gateway(anywhere: true)
            var context = ConnectorContext(pipeline: "rule", logger: Logger(label: "rule") { _ in SwiftLogNoOpLogHandler() },
                                           projectDirectory: gateway.projectDirectory, dataDirectory: gateway.dataDirectory,
                                           configDirectory: gateway.configDirectory, services: try gatewayServices(gateway))
            context.eventSource = "/huiliu/rule"
            var config = ParsedConfig(location: SourceLocation(file: "command line", line: 1, column: 1),
                                      baseDirectory: FileManager.default.currentDirectoryPath)
            config.values = ["rule": .string(rule), "emit": "alerts"]
            let step: RuleStep
            do {
                step = try RuleStep(config: config, context: context)
            } catch {
                // The rule's name has no place in a file; errors inside the rule file keep theirs.
                printError("\(error)".replacingOccurrences(of: "command line:1:1: ", with: "error: "))
                throw ExitCode(2)
            }
            let keyExpression: HuiliuExpression.Expression?
            do {
                keyExpression = try key.map { try HuiliuExpression.Expression($0, functions: MappingResources.of(context).functions) }
            } catch let error as ExpressionError {
                printError(Expr.caret(key ?? "", error))
                throw ExitCode(2)
            }
            let name = file ?? "stdin"
            let (rows, unit) = try Self.records(file)
            var records: [Record] = []
            // Each envelope's source, whose events its alerts name (`event_id`); nil for a bare record.
            var sources: [String?] = []
            var failed = 0, otherTypes = 0
            for (position, row) in rows {
                var data = row
                var envelope: Envelope?
                if row["specversion"] != nil {
                    do {
                        envelope = try Envelope(json: row)
                    } catch {
                        printError("\(unit == "line" ? "\(name):\(position)" : "\(name): record \(position)"): not a CloudEvents envelope: \(error)")
                        failed += 1
                        continue
                    }
                    guard envelope?.type == step.entityType else {
                        otherTypes += 1
                        continue
                    }
                    guard envelope?.dataBase64 == nil else {
                        printError("\(unit == "line" ? "\(name):\(position)" : "\(name): record \(position)"): the envelope carries data_base64; a rule judges JSON data")
                        failed += 1
                        continue
                    }
                    data = envelope?.data ?? .null
                }
                // Where a record is, as the step's failures say it: `file:line`, or `file:record N` for an array.
                let place = unit == "line" ? "\(name):\(position)" : "\(name): record \(position)"
                guard data.objectValue != nil else {
                    printError("\(place): a record is a JSON object, got \(data.jsonText.prefix(40))")
                    failed += 1
                    continue
                }
                var subject = envelope?.subject ?? "\(unit) \(position)"
                if let keyExpression {
                    let key: Value
                    do {
                        key = try keyExpression.evaluate(data)
                    } catch {
                        printError("\(place): the key expression failed: \(error.message)")
                        failed += 1
                        continue
                    }
                    switch key {
                    case .string(let text) where !text.isEmpty: subject = text
                    case .integer, .decimal: subject = key.jsonText
                    default:
                        printError("\(place): the key expression gave \(key.jsonText), not a text or a number")
                        failed += 1
                        continue
                    }
                }
                var record = Record(data: data, origin: RecordOrigin(name, position: position), key: subject, type: step.entityType)
                record.extensions = envelope?.extensions ?? Object()
                // Raised at the event's time, as the step raises it at the record's.
                record.time = envelope?.time
                records.append(record)
                sources.append(envelope?.source)
            }
            if otherTypes > 0 { printError("\(otherTypes) envelope\(otherTypes == 1 ? "" : "s") of another type than \(step.entityType) left out") }
            let count = records.count + failed
            // A step per event source, as each pipeline's step names its own events.
            var steps: [String: RuleStep] = [:]
            var alerts: [Record] = []
            var index = 0
            while index < records.count {
                let source = sources[index]
                var end = index + 1
                while end < records.count, sources[end] == source { end += 1 }
                var judge = step
                if let source {
                    if steps[source] == nil {
                        var sourced = context
                        sourced.eventSource = source
                        steps[source] = try RuleStep(config: config, context: sourced)
                    }
                    judge = steps[source]!
                }
                let output = try await judge.process(Array(records[index..<end]))
                alerts += output.records
                for failure in output.failures {
                    let position = failure.record.origin.position
                    printError((unit == "line" ? "\(name):\(position)" : "\(name): record \(position)") + ": \(failure.reason)")
                }
                failed += output.failures.count
                index = end
            }
            for alert in alerts { print(alert.data.jsonText) }
            var bySeverity: [String: Int] = [:]
            for alert in alerts { bySeverity[alert.data["severity"]?.stringValue ?? "?", default: 0] += 1 }
            let severities = ["red", "orange", "yellow", "info"].compactMap { severity in bySeverity[severity].map { "\(severity) \($0)" } }
            printError("\(count) record\(count == 1 ? "" : "s"), \(alerts.count) alert\(alerts.count == 1 ? "" : "s")"
                       + (severities.isEmpty ? "" : " (\(severities.joined(separator: ", ")))") + (failed > 0 ? ", \(failed) not judged" : ""))
            if failed > 0 { throw ExitCode(1) }
        }

        /// The records of `file` (or standard input) with their positions: JSON Lines by line, or
        /// one array by record; and which of the two the positions count.
        static func records(_ file: String?) throws -> (records: [(position: Int, data: Value)], unit: String) {
            let data = try readInput(file, json: true)
            let bytes = [UInt8](data)
            let name = file ?? "stdin"
            if bytes.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "[") {
                do {
                    return ((try JSONReader.parse(bytes).arrayValue ?? []).enumerated().map { ($0.offset + 1, $0.element) }, "record")
                } catch {
                    printError("\(name): invalid JSON: \(error)")
                    throw ExitCode(2)
                }
            }
            var rows: [(Int, Value)] = []
            for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated()
            where line.contains(where: { !($0 == 0x20 || $0 == 0x0D || $0 == 0x09) }) {
                do {
                    rows.append((index + 1, try JSONReader.parse(Array(line))))
                } catch {
                    printError("\(name):\(index + 1): invalid JSON: \(error)")
                    throw ExitCode(2)
                }
            }
            return (rows, "line")
        }
    }
}
