import ArgumentParser

/// The `huiliu` command: one tree, one file per verb.
@main
struct Huiliu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "huiliu",
        abstract: "汇流 Huiliu — an integration gateway for people's congress supervision data.",
        discussion: """
            Exit codes: 0 success; 1 the work found problems (lint findings, a failed run); \
            2 the command could not run (bad arguments, unreadable input); 128 + the signal's number \
            for a run stopped by a signal (130 for Ctrl-C, 143 for SIGTERM).
            """,
        version: "0.1.0",
        subcommands: [Run.self, Runs.self, Serve.self, Status.self, Reload.self, Lint.self, DeadLetters.self, Expr.self, RuleCommand.self,
                      SchemaCommand.self, ScheduleCommand.self, ConnectorCommand.self, HJ212Command.self, Simulate.self, Demo.self, Bench.self,
                      Audit.self])

    /// Runs the command; bad arguments exit 2 as the help says, not ArgumentParser's 64.
    static func main() async {
        StandardStreams.fillClosedDescriptors()
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            // A result that did not reach standard output (a full disk, a closed descriptor) is
            // no success: `huiliu runs --json > report` must not leave an empty report and exit 0.
            if let reason = StandardStreams.flushOutput() {
                printError("standard output: cannot write: \(reason)")
                exit(withError: ExitCode(2))
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            printError(fullMessage(for: error))
            exit(withError: ExitCode(2))
        }
    }
}

