import ArgumentParser
import Foundation
import HuiliuCore
import HuiliuEngine
import HuiliuKit
import HuiliuStore

extension Huiliu {
    /// `huiliu dead-letters list|show|replay`.
    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters",
            abstract: "Inspect and re-deliver records that failed a step.",
            discussion: """
                Every record that fails is kept with its pipeline, run, step, reason (JSON pointer and rule) \
                and raw payload. After fixing a mapping or schema, `replay` runs the stored records through \
                the pipeline's current steps and sinks.

                Examples:
                  huiliu dead-letters list --pipeline budget-payments
                  huiliu dead-letters show 17
                  huiliu dead-letters replay --pipeline budget-payments
                  huiliu dead-letters discard 17 18     # the input was fixed and read again
                """,
            subcommands: [List.self, Show.self, Replay.self, Discard.self, Reopen.self])
    }
}

extension Huiliu.DeadLetters {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, newest first.")

        @OptionGroup var options: GlobalOptions

        @Option(help: "Only this pipeline's.")
        var pipeline: String?

        @Option(help: "pending, replayed, aborted (of runs aborted by errors.max_failure_ratio, whose records are read again), discarded, superseded (a later run delivered the record as it is now) or all.")
        var status = "pending"

        @Option(help: "How many to show.")
        var limit = 50

        @Flag(help: "Print JSON lines instead of a table (without payloads, as the admin API; `show ID` has them).")
        var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1, not \(limit)") }
            // A misspelt status would list nothing and look like "none".
            let statuses = DeadLetter.statusFilters
            guard statuses.contains(status) else {
                throw ValidationError("--status is one of \(statuses.joined(separator: ", ")); got '\(status)'"
                                      + (nearestName(to: status, in: statuses).map { "; did you mean '\($0)'?" } ?? ""))
            }
        }

        func run() async throws {
            let gateway = try options.gateway()
            let store = try gateway.openStateStoreOrExit()
            // A pipeline file given by its path (as `replay` takes it) lists its pipeline's letters.
            var pipeline = self.pipeline
            if let path = pipeline, path.hasSuffix(".yaml") || path.hasSuffix(".yml"), FileManager.default.fileExists(atPath: path) {
                pipeline = try PipelineLookup(gateway: gateway, registry: try builtInRegistry(gateway)).load(path).name
            }
            let letters = try await store.deadLetters(pipeline: pipeline, status: status == "all" ? nil : status, limit: limit, payloads: false)
            // Letters may outlive their pipeline; a name that has neither is a mistake to say.
            if let pipeline, letters.isEmpty, try await store.deadLetters(pipeline: pipeline, status: nil, limit: 1).isEmpty {
                _ = try PipelineLookup(gateway: gateway, registry: try builtInRegistry(gateway)).load(pipeline)
            }
            if json {
                // As the admin API lists them: the payloads, often personal data, through `show`.
                for letter in letters { print(letter.jsonValue(payload: false).jsonText) }
                return
            }
            guard !letters.isEmpty else {
                print("no \(status == "all" ? "" : status + " ")dead letters" + (pipeline.map { " for \($0)" } ?? ""))
                return
            }
            // With every status listed, say which each is.
            let statusColumn = status == "all"
            var rows = [["ID", "PIPELINE"] + (statusColumn ? ["STATUS"] : []) + ["STEP", "ORIGIN", "POINTER", "RULE", "REASON"]]
            for letter in letters {
                rows.append([String(letter.id), letter.pipeline] + (statusColumn ? [letter.status] : [])
                            + [letter.step, letter.origin, letter.pointer ?? "", letter.rule ?? "", String(letter.reason.prefix(80))])
            }
            print(table(rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dead letter with its raw payload.")

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The dead letter's id.")
        var id: Int

        func run() async throws {
            let store = try options.gateway().openStateStoreOrExit()
            guard let letter = try await store.deadLetter(id: id) else {
                printError("no dead letter \(id)")
                throw ExitCode(2)
            }
            print(letter.jsonValue(payload: true).prettyJSONText)
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make superseded or discarded dead letters pending again, to be replayed after all.",
            discussion: """
                A letter is superseded when a later run delivered its record (matched by the type and key it had at \
                the source); if that match was wrong, or a letter was discarded by mistake, reopen it and replay it. \
                Exit status 1 when some id was neither superseded nor discarded (left as it was).
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The ids of the letters.")
        var ids: [Int]

        func validate() throws {
            guard !ids.isEmpty else { throw ValidationError("give the ids of the letters to reopen (dead-letters list --status superseded shows them)") }
        }

        func run() async throws {
            try await changeStatus(of: ids, store: try options.gateway().openStateStoreOrExit(), done: "reopened",
                                   otherwise: "neither superseded nor discarded") { try await $0.reopenDeadLetters(ids: $1) }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mark pending dead letters discarded: kept, payload and all, but never replayed.",
            discussion: """
                For a letter that needs no replay: a row the source could not read, fixed in the input and read \
                again, or a record that is not wanted. `list --status discarded` shows them. Exit status 1 when \
                some id was not a pending letter (left as it was).
                """)

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The ids of the letters.")
        var ids: [Int]

        func validate() throws {
            guard !ids.isEmpty else { throw ValidationError("give the ids of the letters to discard (dead-letters list shows them)") }
        }

        func run() async throws {
            try await changeStatus(of: ids, store: try options.gateway().openStateStoreOrExit(), done: "discarded",
                                   otherwise: "not pending") { try await $0.discardDeadLetters(ids: $1) }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-run dead letters through the pipeline's current steps and sinks.",
            discussion: """
                Without ids, replays every pending letter of the pipeline. Letters of input the source rejected \
                (malformed lines) cannot be replayed: they are listed, and the input must be fixed and read again \
                (then `discard` them). \
                Exit status: 0 when every replayable letter was delivered; 1 when some still fail (they stay pending, \
                and the replay's run record, which succeeded, counts them as failed records) or the run failed; \
                2 when the replay could not start (unknown pipeline or letter, unreadable store).
                """)

        @OptionGroup var options: GlobalOptions

        @Option(help: "The pipeline whose letters to replay.")
        var pipeline: String

        @Argument(help: "Dead letter ids (default: all pending for the pipeline).")
        var ids: [Int] = []

        func run() async throws {
            let outcome: DeadLetterReplayer.Outcome
            do {
                let gateway = try options.gateway()
                let registry = try builtInRegistry(gateway)
                let definition = try PipelineLookup(gateway: gateway, registry: registry).load(pipeline)
                let store = try gateway.openStateStoreOrExit()
                // Nothing to replay is said, and leaves no "replay" run in the history each time;
                // nor do letters of the source's alone (malformed input), which cannot be replayed.
                if ids.isEmpty {
                    let pending = try await store.deadLetters(pipeline: definition.name, status: "pending", limit: 100_000, payloads: false)
                    if pending.isEmpty {
                        print("no pending dead letters for \(definition.name)")
                        return
                    }
                    if pending.allSatisfy({ $0.step == "source" }) {
                        let ids = pending.map { String($0.id) }.joined(separator: " ")
                        print("""
                            no dead letters to replay for \(definition.name)
                              \(pending.count == 1 ? "letter" : "letters") \(ids): rejected by the source (malformed input), \
                            which cannot be replayed: fix the input and run the pipeline again (a file source reads a file changed \
                            before its checkpoint again from the start), then `huiliu dead-letters discard \(ids)`
                            """)
                        return
                    }
                }
                let runner = PipelineRunner(definition: definition, registry: registry, store: store, gateway: gateway,
                                            logger: options.logger(), services: try gatewayServices(gateway))
                outcome = try await DeadLetterReplayer(runner: runner).replay(ids: ids)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
            // Of those it set out to deliver: a run that failed (a sink down) delivered none and
            // judged none still failing, and "0 of 0" read as nothing to do.
            print("replayed \(outcome.delivered.count) of \(max(outcome.attempted, outcome.delivered.count + outcome.stillFailing.count)) dead letters (run \(outcome.run.id))")
            for (id, reason) in outcome.stillFailing { print("  still failing: \(id): \(reason)") }
            if !outcome.passedOnByNoStep.isEmpty {
                let ids = outcome.passedOnByNoStep.map(String.init).joined(separator: " ")
                print("  passed on by no step (a filter, dedupe or rule left \(outcome.passedOnByNoStep.count == 1 ? "it" : "them") out), so nothing was delivered for: \(ids)")
            }
            if !outcome.sourceRejects.isEmpty {
                let ids = outcome.sourceRejects.map(String.init).joined(separator: " ")
                print("""
                      \(outcome.sourceRejects.count == 1 ? "letter" : "letters") \(ids): rejected by the source (malformed input), \
                    which cannot be replayed: fix the input and run the pipeline again (a file source reads a file changed \
                    before its checkpoint again from the start), then `huiliu dead-letters discard \(ids)`
                    """)
            }
            if let error = outcome.run.error { print("  error: \(error)") }
            if outcome.run.status != .succeeded || !outcome.stillFailing.isEmpty { throw ExitCode(1) }
        }
    }
}

/// Changes the status of the letters `ids` with `change`, which returns those it changed; says
/// which were `done`, and why each other one was left (`otherwise`, or no such letter), exiting 1 then.
private func changeStatus(of ids: [Int], store: any StateStore, done: String, otherwise: String,
                          _ change: (any StateStore, [Int]) async throws -> [Int]) async throws {
    let changed = try await change(store, ids)
    if !changed.isEmpty { print("\(done) \(changed.map(String.init).joined(separator: ", "))") }
    var unchanged = false
    for id in ids where !changed.contains(id) {
        unchanged = true
        if let letter = try await store.deadLetter(id: id) {
            printError("dead letter \(id) is \(letter.status), \(otherwise): left as it is")
        } else {
            printError("no dead letter \(id)")
        }
    }
    if unchanged { throw ExitCode(1) }
}
