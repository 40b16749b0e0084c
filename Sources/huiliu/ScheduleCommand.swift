import ArgumentParser
import Foundation
import HuiliuSchedule

extension Huiliu {
    /// `huiliu schedule next EXPRESSION`.
    struct ScheduleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schedule", abstract: "Check a schedule before using it.", subcommands: [Next.self])

        struct Next: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the next fire times of a cron expression or @every interval (RFC 3339, one per line).",
                discussion: """
                    Cron expressions have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds \
                    first); ranges, steps, lists, month and weekday names, L, W, # and the macros @hourly @daily \
                    @weekly @monthly @yearly are understood, and `@every 15m` (periods on a fixed grid from midnight \
                    on the zone's standard clock, as the daemon fires a new pipeline). An invalid expression is shown with \
                    a caret under the fault (exit status 2).

                    Examples:
                      huiliu schedule next "0 2 * * *"
                      huiliu schedule next "*/15 9-17 * * MON-FRI" --count 10 --zone Asia/Shanghai
                      huiliu schedule next "0 0 L * *" --from 2026-02-01T00:00:00+08:00
                    """)

            @Argument(help: "The expression (quote it).")
            var expression: String

            @Option(help: "Start after this time (RFC 3339, or a wall time in the zone). Default: now.")
            var from: String?

            @Option(help: "How many fire times.")
            var count = 5

            @Option(help: "IANA time zone. Default: Asia/Shanghai.")
            var zone: String?

            func run() async throws {
                do {
                    for line in try ScheduleNext.fireTimes(expression, from: from, count: count, zone: zone, now: Date()) {
                        print(line)
                    }
                } catch {
                    printError(error.description)
                    throw ExitCode(2)
                }
            }
        }
    }
}
