import ArgumentParser
import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuEngine
import HuiliuExpression

extension Huiliu {
    /// `huiliu expr EXPRESSION [FILE]`: the tool for writing mappings.
    struct Expr: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a mapping expression (JMESPath + Huiliu's functions) against JSON.",
            discussion: """
                Reads one JSON document from FILE, or from standard input, and prints the result as JSON. \
                The code tables of config/lookups/ are available to lookup(). An invalid expression is shown \
                with a caret under the fault. Exit status: 0 result printed, 1 the expression failed, 2 the \
                input could not be read.

                Examples:
                  echo '{"金额":"1,234.50"}' | huiliu expr 'to_fen("金额")'
                  huiliu expr "payments[?amount > \\`100\\`].id" export.json
                  huiliu expr --functions
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The expression.")
        var expression: String?

        @Argument(help: "A JSON file (default: standard input).")
        var file: String?

        @Flag(help: "Print compact JSON instead of indented.")
        var compact = false

        @Flag(help: "List every function with its signature, description and example, and exit.")
        var functions = false

        func run() async throws {
            // Expressions are worth trying anywhere; a project adds its lookup tables.
            let gateway = try options.gateway(anywhere: true)
            let resources: MappingResources
            do {
                resources = try MappingResources.load(configDirectory: gateway.configDirectory)
            } catch {
                printError("config: \(error)")
                throw ExitCode(2)
            }
            if functions {
                print(resources.functions.markdownReference(), terminator: "")
                return
            }
            guard let expression else {
                printError("an expression is required (see huiliu expr --help)")
                throw ExitCode(2)
            }
            let compiled: HuiliuExpression.Expression
            do {
                compiled = try HuiliuExpression.Expression(expression, functions: resources.functions)
            } catch {
                printError(Self.caret(expression, error))
                throw ExitCode(1)
            }
            let data = try readInput(file, json: true)
            let input: Value
            do {
                input = try JSONReader.parse([UInt8](data))
            } catch {
                printError("\(file ?? "stdin"): invalid JSON: \(error)")
                throw ExitCode(2)
            }
            do {
                let result = try compiled.evaluate(input)
                print(compact ? result.jsonText : result.prettyJSONText)
            } catch {
                printError(Self.caret(expression, error))
                throw ExitCode(1)
            }
        }

        /// The expression, a caret under the fault, and the message.
        static func caret(_ expression: String, _ error: ExpressionError) -> String {
            guard error.offset >= 0 else { return "error: \(error.kind): \(error.message)" }
            let prefix = String(expression.prefix(error.offset))
            return "  \(expression)\n  \(String(repeating: " ", count: displayWidth(prefix)))^\nerror: \(error.kind) at column \(error.offset + 1): \(error.message)"
        }
    }
}
