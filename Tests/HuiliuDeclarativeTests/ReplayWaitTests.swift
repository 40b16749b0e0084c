import Foundation
import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuReplay
import Testing
@testable import HuiliuTestSupport

/// Replaying a recording takes no real time for the waits the recording holds.
struct ReplayWaitTests {
    /// A recorded 429 asking for four minutes is retried at once in a replay (the recording's
    /// clock stands still), and the stream's output still matches its expected file. Before, the
    /// replay slept the whole `Retry-After`; the time limit catches that.
    @Test(.timeLimit(.minutes(1))) func aRecorded429IsReplayedWithoutWaiting() async throws {
        let connector = try makeTemporaryDirectory("huiliu-replay-wait") + "/budget-network"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/connectors/budget-network", toPath: connector)
        let recording = connector + "/fixtures/http/payments.jsonl"
        let lines = try String(contentsOfFile: recording, encoding: .utf8).split(separator: "\n").map(String.init)
        guard case .object(var exchange) = try JSONReader.parse(Array(lines[0].utf8)) else {
            Issue.record("not an exchange")
            return
        }
        exchange["response"] = ["status": 429, "headers": [["Retry-After", "240"]], "body": ""]
        try ([Value.object(exchange).jsonText] + lines).joined(separator: "\n")
            .write(toFile: recording, atomically: true, encoding: .utf8)
        let manifest = try #require(ManifestConnectors.manifests(projectDirectory: repositoryRoot, functions: TestConnector.resources.functions)
            .first { $0.name == "budget-network" })
        let fixtures = try #require(try ConnectorFixtures.load(connectorDirectory: connector))
        var services = ServiceValues()
        services[MappingResources.self] = TestConnector.resources
        let result = try await ConnectorReplay(manifest: manifest, fixtures: fixtures, projectDirectory: repositoryRoot, services: services)
            .run("payments")
        #expect(result.unmatched.isEmpty)
        #expect(result.passed, "\(result.diff())")
    }
}
