import Foundation
import HuiliuCore
import Testing

struct ExprTests {
    @Test func evaluatesAgainstStandardInputWithTheExtensionFunctions() async throws {
        let result = try await HuiliuCommand.run(["expr", "--compact", #"{fen: to_fen("金额"), county: lookup('divisions', code).name}"#],
                                           in: HuiliuCommand.root.path, stdin: Data(#"{"金额":"1,234.50","code":"421181"}"#.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #"{"fen":123450,"county":"麻城市"}"# + "\n")
    }

    @Test func findsTheProjectFromARelativeConfigPath() async throws {
        // config/huiliu.yaml, as typed, names the project the lookup tables belong to.
        let result = try await HuiliuCommand.run(["expr", "--config", "config/huiliu.yaml", "--compact", "lookup('divisions', code).name"],
                                           in: HuiliuCommand.root.path, stdin: Data(#"{"code":"421181"}"#.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == #""麻城市""# + "\n")
    }

    @Test func showsWhereAnExpressionIsWrong() async throws {
        let result = try await HuiliuCommand.run(["expr", "foo.[bar"], in: HuiliuCommand.root.path, stdin: Data("{}".utf8))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("  foo.[bar\n          ^\nerror: syntax at column 9: "))
    }

    @Test func reportsRuntimeErrors() async throws {
        let result = try await HuiliuCommand.run(["expr", "to_fen(a)"], in: HuiliuCommand.root.path, stdin: Data(#"{"a":"12.345"}"#.utf8))
        #expect(result.status == 1)
        #expect(result.stderr.contains("invalid-value"))
    }

    @Test func documentsEveryEntityOfTheCommonSchema() async throws {
        let result = try await HuiliuCommand.run(["schema", "docs"], in: HuiliuCommand.root.path)
        #expect(result.status == 0)
        for entity in ["organization", "budget.execution", "budget.payment", "environment.measurement", "environment.assessment",
                       "case", "supervision.item", "livelihood.project", "suggestion", "alert"] {
            #expect(result.stdout.contains(entity), "\(entity)")
        }
    }
}
