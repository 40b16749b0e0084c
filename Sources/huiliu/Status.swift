import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuStore

extension Huiliu {
    /// `huiliu status`: what the daemon is doing.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what the running daemon is doing: runs in progress and each pipeline's next run.",
            discussion: """
                Reads data/daemon.json to find the daemon; the token comes from --token, HUILIU_TOKEN or admin.tokens. \
                Exits 1 when no daemon is running (an answer, for scripts: `huiliu status || huiliu serve`), 2 when \
                the daemon cannot be asked.
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "Admin API bearer token.")
        var token: String?

        @Flag(help: "Print one JSON line per pipeline (as GET /api/v1/pipelines gives them) instead of a table.")
        var json = false

        func run() async throws {
            let gateway = try options.gateway()
            guard let client = DaemonClient.find(gateway, token: token) else {
                // To standard error under --json, so a script reading standard output gets nothing, not prose.
                if json { printError("no daemon is running for this project") } else {
                    print("no daemon is running for this project (start one with: huiliu serve)")
                }
                throw ExitCode(1)
            }
            let (status, body) = try await client.ask("GET", "api/v1/pipelines")
            guard status == 200, let pipelines = body["pipelines"]?.arrayValue else {
                printError("the daemon answered \(status): \(body["error"]?.stringValue ?? body.jsonText)")
                throw ExitCode(2)
            }
            if json {
                for pipeline in pipelines { print(pipeline.jsonText) }
                return
            }
            var rows = [["PIPELINE", "SCHEDULE", "NEXT RUN", "RUNNING", "LAST RUN"]]
            for pipeline in pipelines {
                let running: Value? = pipeline["running"].flatMap { $0.isNull ? Optional<Value>.none : $0 }
                let last: Value? = pipeline["last_run"].flatMap { $0.isNull ? nil : $0 }
                let local = Self.localTime(zone: pipeline["timezone"]?.stringValue)
                rows.append([
                    pipeline["name"]?.stringValue ?? "", pipeline["schedule"]?.stringValue ?? "-",
                    // A retry due is the next run, and comes before the next fire time.
                    pipeline["retry_at"]?.stringValue.map { local($0) + " (retry)" } ?? pipeline["next_run"]?.stringValue.map(local) ?? "-",
                    running.map { "read \($0["read"]?.intValue ?? 0) since \(local($0["started_at"]?.stringValue ?? ""))" } ?? "",
                    last.map { "\($0["status"]?.stringValue ?? "") \(local($0["started_at"]?.stringValue ?? ""))" } ?? "-",
                ])
            }
            print(table(rows))
        }

        /// The API's UTC timestamps as wall times of a pipeline's schedule zone
        /// (`2026-12-01 02:00:00 +08:00`), which is how its schedule reads; as they are without one.
        static func localTime(zone: String?) -> (String) -> String {
            guard let zone = zone.flatMap(TimeZone.init(identifier:)) else { return { $0 } }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss xxx"
            return { timestamp in Timestamp.parse(timestamp).map(formatter.string(from:)) ?? timestamp }
        }
    }

    /// `huiliu reload`: apply changed pipeline files to the running daemon.
    struct Reload: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the running daemon re-read and lint the pipeline files, connector manifests and HJ 212 station registry (applied only if all are valid).")

        @OptionGroup var options: GlobalOptions

        @Option(help: "Admin API bearer token (write role).")
        var token: String?

        func run() async throws {
            let gateway = try options.gateway()
            guard let client = DaemonClient.find(gateway, token: token) else {
                printError("no daemon is running for this project")
                throw ExitCode(2)
            }
            let (status, body) = try await client.ask("POST", "api/v1/reload")
            if status == 200 {
                print("reloaded \(body["reloaded"]?.intValue ?? 0) pipeline(s)")
                return
            }
            printError(body["error"]?.stringValue ?? "the daemon answered \(status)")
            for problem in body["problems"]?.arrayValue ?? [] { printError(problem.stringValue ?? "") }
            // 1 is for files with problems; a refused token or another server's answer is no reload.
            throw ExitCode(body["problems"]?.arrayValue?.isEmpty == false ? 1 : 2)
        }
    }
}
