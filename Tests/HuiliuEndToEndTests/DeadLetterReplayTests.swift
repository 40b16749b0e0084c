import Foundation
import HuiliuCore
import Testing

/// A pipeline with a deliberately broken record produces one dead letter with a precise
/// reason; after the mapping is fixed, replay delivers it.
struct DeadLetterReplayTests {
    @Test func replayAfterFixingTheMappingDeliversTheRecord() async throws {
        let project = try temporaryProject("replay")
        for folder in ["schema", "lookups"] {
            try FileManager.default.createSymbolicLink(atPath: project + "/config/" + folder,
                                                       withDestinationPath: HuiliuCommand.root.appendingPathComponent("config/" + folder).path)
        }
        try """
            id,date,amount,payee,account
            ZF1,2024-03-05,100.00,黄冈市城建工程有限公司,421001234567890123
            ZF2,2024年3月6日,200.50,黄冈智汇科技发展有限公司,1801014010000456789
            ZF3,2024-03-07,300,国网湖北省电力有限公司黄冈供电公司,570201040000123456

            """.write(toFile: project + "/data/payments.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: project + "/connectors/treasury/mappings", withIntermediateDirectories: true)
        let mapping = """
            type: budget.payment.v1
            key: id
            fields:
              payment_id: id
              fiscal_year: '`2024`'
              pay_date: to_date(date, 'yyyy-MM-dd')
              region: '`"421100"`'
              unit_code: '`"421100001"`'
              function_code: '`"2050201"`'
              economic_code: '`"30201"`'
              amount_fen: to_fen(amount)
              payee.name: payee
              payee.account: account
            """
        try mapping.write(toFile: project + "/connectors/treasury/mappings/payments.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: payments
            source: { file: { path: data/payments.csv } }
            steps: [ map: treasury/payments, validate ]
            sinks: [ jsonl: data/out.jsonl ]
            """.write(toFile: project + "/pipelines/payments.yaml", atomically: true, encoding: .utf8)

        let run = try await HuiliuCommand.run(["run", "payments"], in: project)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("read 3, written 2, failed 1"))

        let list = try await HuiliuCommand.run(["dead-letters", "list", "--json"], in: project)
        let letters = list.stdout.split(separator: "\n").compactMap { try? JSONReader.parse(String($0)) }
        #expect(letters.count == 1)
        let letter = try #require(letters.first)
        #expect(letter["origin"] == "data/payments.csv:3")
        #expect(letter["step"] == "steps[0] map")
        #expect(letter["pointer"] == "/pay_date")
        #expect(letter["reason"]?.stringValue?.hasPrefix("pay_date = to_date(date, 'yyyy-MM-dd'): ") == true)
        #expect(letter["payload"] == nil, "lists leave payloads out, as the admin API does")
        let shown = try await HuiliuCommand.run(["dead-letters", "show", "\(letter["id"]?.intValue ?? 0)"], in: project)
        #expect(try JSONReader.parse(shown.stdout)["payload"]?["date"] == "2024年3月6日")

        // Replaying with the broken mapping fails again and keeps the letter.
        let early = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(early.status == 1)
        #expect(early.stdout.contains("replayed 0 of 1"))

        // Half fixed: the date reads now, but the amount no longer does; the letter says what fails now.
        try mapping.replacingOccurrences(of: "to_date(date, 'yyyy-MM-dd')", with: "to_date(date)")
            .replacingOccurrences(of: "to_fen(amount)", with: "to_fen(payee)")
            .write(toFile: project + "/connectors/treasury/mappings/payments.yaml", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project).status == 1)
        let relisted = try await HuiliuCommand.run(["dead-letters", "list", "--json"], in: project)
        let refreshed = try JSONReader.parse(String(relisted.stdout.split(separator: "\n").first ?? ""))
        #expect(refreshed["pointer"] == "/amount_fen")
        #expect(refreshed["reason"]?.stringValue?.hasPrefix("amount_fen = to_fen(payee): ") == true)

        // Fix the mapping: accept any date format the upstream uses.
        try mapping.replacingOccurrences(of: "to_date(date, 'yyyy-MM-dd')", with: "to_date(date)")
            .write(toFile: project + "/connectors/treasury/mappings/payments.yaml", atomically: true, encoding: .utf8)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.hasPrefix("replayed 1 of 1 dead letters"))

        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let subjects = try lines.map { try JSONReader.parse(String($0))["subject"]?.stringValue ?? "" }
        #expect(subjects.sorted() == ["ZF1", "ZF2", "ZF3"])
        let delivered = try JSONReader.parse(String(lines.last!))
        #expect(delivered["data"]?["pay_date"] == "2024-03-06")
        let pending = try await HuiliuCommand.run(["dead-letters", "list"], in: project)
        #expect(pending.stdout == "no pending dead letters\n")
        // Nothing left to replay is said, and no "replay" run joins the history for it.
        let runsBefore = try await HuiliuCommand.run(["runs", "--json"], in: project).stdout
        let nothing = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(nothing.status == 0 && nothing.stdout == "no pending dead letters for payments\n", "\(nothing.stdout)\(nothing.stderr)")
        #expect(try await HuiliuCommand.run(["runs", "--json"], in: project).stdout == runsBefore)
    }

    /// A letter the fixed pipeline's filter now leaves out is marked replayed, and the replay
    /// says nothing was delivered for it: "replayed 1 of 1" alone read as delivered.
    @Test func aLetterAFilterLeavesOutIsSaidToBe() async throws {
        let project = try temporaryProject("replay-filtered")
        try "id,amount\nA1,100.00\nA2,5.00\n".write(toFile: project + "/data/in.csv", atomically: true, encoding: .utf8)
        func pipeline(_ steps: String) throws {
            try """
                version: 1
                name: small
                source: { file: { path: data/in.csv } }
                steps: \(steps)
                sinks: [ jsonl: data/out.jsonl ]
                """.write(toFile: project + "/pipelines/small.yaml", atomically: true, encoding: .utf8)
        }
        try pipeline(#"[ map: { key: id, fields: { id: id, fen: "id == 'A2' && to_fen(id) || to_fen(amount)" } } ]"#)
        let run = try await HuiliuCommand.run(["run", "small"], in: project)
        #expect(run.stdout.contains("read 2, written 1, failed 1"), "\(run.stdout)\(run.stderr)")
        try pipeline(#"[ map: { key: id, fields: { id: id, fen: to_fen(amount) } }, filter: "fen > `1000`" ]"#)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "small"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("replayed 1 of 1 dead letters"), "\(replay.stdout)")
        #expect(replay.stdout.contains("passed on by no step (a filter, dedupe or rule left it out), so nothing was delivered for: "),
                "\(replay.stdout)")
    }

    /// An alert the final validate refuses (a rule's `region` of the wrong shape) is a letter of
    /// the record that raised it: once the rule is fixed, the replay raises the alert. Lettered as
    /// the alert itself, it failed the mapping on every replay.
    @Test func anAlertRefusedAfterItsRuleIsReplayedFromItsRecord() async throws {
        let project = try temporaryProject("alert-replay")
        for folder in ["schema", "lookups"] {
            try FileManager.default.createSymbolicLink(atPath: project + "/config/" + folder,
                                                       withDestinationPath: HuiliuCommand.root.appendingPathComponent("config/" + folder).path)
        }
        try FileManager.default.createDirectory(atPath: project + "/config/rules", withIntermediateDirectories: true)
        try """
            id,amount
            ZF1,100.00
            ZF2,90000.00

            """.write(toFile: project + "/data/payments.csv", atomically: true, encoding: .utf8)
        let rule = """
            version: 1
            title: 大额支付
            entity: budget.payment.v1
            metrics:
              amount_fen: record.amount_fen
            levels:
              - severity: yellow
                when: metrics.amount_fen > `1000000`
            message: join('', ['支付 ', record.payment_id])
            region: record.unit_code
            """
        try rule.write(toFile: project + "/config/rules/large-payment.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: payments
            source: { file: { path: data/payments.csv } }
            steps:
              - map:
                  type: budget.payment.v1
                  key: id
                  fields:
                    payment_id: id
                    fiscal_year: '`2024`'
                    pay_date: '`"2024-03-05"`'
                    region: '`"421100"`'
                    unit_code: '`"421100001"`'
                    function_code: '`"2050201"`'
                    economic_code: '`"30201"`'
                    amount_fen: to_fen(amount)
                    payee.name: '`"黄冈市城建工程有限公司"`'
                    payee.account: '`"421001234567890123"`'
              - validate
              - rule: large-payment
              - validate
            sinks: [ jsonl: data/out.jsonl ]
            """.write(toFile: project + "/pipelines/payments.yaml", atomically: true, encoding: .utf8)

        let run = try await HuiliuCommand.run(["run", "payments"], in: project)
        #expect(run.stdout.contains("read 2, written 2, failed 1"), "\(run.stdout)\(run.stderr)")
        let list = try await HuiliuCommand.run(["dead-letters", "list", "--json"], in: project)
        let letter = try JSONReader.parse(String(list.stdout.split(separator: "\n").first ?? ""))
        #expect(letter["step"] == "steps[3] validate")
        #expect(letter["pointer"] == "/region")
        let shown = try await HuiliuCommand.run(["dead-letters", "show", "\(letter["id"]?.intValue ?? 0)"], in: project)
        #expect(try JSONReader.parse(shown.stdout)["payload"]?["amount"] == "90000.00", "the record, as the source gave it")

        // Replayed before the fix, the letter still fails, and nothing of it is delivered: not
        // even its record, which passes (each attempt would deliver it again).
        let early = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(early.status == 1 && early.stdout.contains("replayed 0 of 1"), "\(early.stdout)")
        #expect(try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n").count == 2)

        try rule.replacingOccurrences(of: "region: record.unit_code", with: "region: record.region")
            .write(toFile: project + "/config/rules/large-payment.yaml", atomically: true, encoding: .utf8)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try JSONReader.parse(String($0)) }
        let alerts = events.filter { $0["type"] == "alert.v1" }
        #expect(alerts.count == 1)
        #expect(alerts.first?["data"]?["region"] == "421100")
        #expect(alerts.first?["data"]?["subject"] == "ZF2")
        #expect(events.filter { $0["subject"] == "ZF2" }.count == 2, "the record is delivered again, under its id, with its alert")

        // The history says which run was the replay; asking for failures or an unknown pipeline says so.
        let runs = try await HuiliuCommand.run(["runs"], in: project)
        #expect(runs.stdout.hasPrefix("RUN ") && runs.stdout.contains(" TRIGGER ") && runs.stdout.contains(" replay "), "\(runs.stdout)")
        #expect(runs.stdout.contains("+08:00"), "started times in the gateway's zone: \(runs.stdout)")
        #expect(try await HuiliuCommand.run(["runs", "--failed"], in: project).stdout == "no failed, interrupted or cancelled runs\n")
        let unknown = try await HuiliuCommand.run(["runs", "--pipeline", "paymnets"], in: project)
        #expect(unknown.status == 2 && unknown.stderr.contains("no pipeline of that name"), "\(unknown.stderr)")
        #expect(try await HuiliuCommand.run(["runs", "--pipeline", "paymnets", "--json"], in: project).status == 2)
        let json = try await HuiliuCommand.run(["runs", "--json"], in: project)
        for line in json.stdout.split(separator: "\n") {
            let seconds = try JSONReader.parse(String(line))["duration_seconds"]?.doubleValue ?? -1
            #expect((seconds * 1000).rounded() / 1000 == seconds, "to the millisecond: \(line)")
        }
    }

    /// A letter of a step that fails at a sink's condition on replay stays a letter of its
    /// step: it holds the raw record, and as a sink letter it would be replayed unmapped.
    @Test func aStepLetterFailingAtASinkOnReplayIsReplayedThroughTheStepsLater() async throws {
        let project = try temporaryProject("replay-kinds")
        try "{\"id\":\"1\",\"v\":5}\n{\"id\":\"2\",\"v\":\"x\"}\n".write(toFile: project + "/data/in.jsonl", atomically: true, encoding: .utf8)
        func pipeline(filter: String, when: String?) throws {
            try """
                version: 1
                name: kinds
                source: { file: { path: data/in.jsonl, key: id } }
                steps:
                  - map: { type: test.v1, key: id, fields: { ident: id, value: v } }
                  - filter: "\(filter)"
                sinks:
                  - jsonl: { path: data/out.jsonl\(when.map { ", when: \"\($0)\"" } ?? "") }
                """.write(toFile: project + "/pipelines/kinds.yaml", atomically: true, encoding: .utf8)
        }
        try pipeline(filter: "abs(value) > `0`", when: nil)
        #expect(try await HuiliuCommand.run(["run", "kinds"], in: project).stdout.contains("failed 1"))
        try pipeline(filter: "`true`", when: "abs(data.value) > `0`")
        #expect(try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "kinds"], in: project).status == 1)
        let listed = try await HuiliuCommand.run(["dead-letters", "list", "--json"], in: project)
        #expect(try JSONReader.parse(String(listed.stdout.split(separator: "\n").first ?? ""))["step"] == "steps[1] filter")
        try pipeline(filter: "`true`", when: nil)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "kinds"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try JSONReader.parse(String(lines.last ?? ""))
        #expect(last["type"] == "test.v1" && last["subject"] == "2" && last["data"]?["ident"] == "2", "\(last.jsonText)")
    }

    /// A row the source could not read cannot be replayed: once the input is fixed and read
    /// again, `discard` takes its letter out of the pending ones; it stays listed as discarded.
    @Test func aSourceRejectIsDiscardedOnceTheInputIsFixed() async throws {
        let project = try temporaryProject("discard")
        let input = project + "/data/rows.csv"
        try "id,amount\nA1,1\nA2\nA3,3\n".write(toFile: input, atomically: true, encoding: .utf8)
        try """
            version: 1
            name: rows
            source: { file: { path: data/rows.csv, key: id } }
            sinks: [ jsonl: data/out.jsonl ]
            """.write(toFile: project + "/pipelines/rows.yaml", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "rows"], in: project).stdout.contains("failed 1"))
        let runsBefore = try await HuiliuCommand.run(["runs", "--json"], in: project).stdout
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "rows"], in: project)
        #expect(replay.stdout.contains("letter 1: rejected by the source") && replay.stdout.contains("`huiliu dead-letters discard 1`"),
                "\(replay.stdout)")
        // With nothing but the source's letters, no replay run is recorded for it.
        #expect(try await HuiliuCommand.run(["runs", "--json"], in: project).stdout == runsBefore)

        try "id,amount\nA1,1\nA2,2\nA3,3\n".write(toFile: input, atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "rows"], in: project).status == 0)
        let discard = try await HuiliuCommand.run(["dead-letters", "discard", "1"], in: project)
        #expect(discard.status == 0 && discard.stdout == "discarded 1\n", "\(discard.stdout)\(discard.stderr)")
        #expect(try await HuiliuCommand.run(["dead-letters", "list"], in: project).stdout == "no pending dead letters\n")
        let all = try await HuiliuCommand.run(["dead-letters", "list", "--status", "all"], in: project).stdout
        #expect(all.hasPrefix("ID  PIPELINE  STATUS") && all.contains("discarded  source"), "\(all)")
        let again = try await HuiliuCommand.run(["dead-letters", "discard", "1", "5"], in: project)
        #expect(again.status == 1)
        #expect(again.stderr.contains("dead letter 1 is discarded, not pending") && again.stderr.contains("no dead letter 5"))
        // Discarded by mistake: reopened, it is pending again; a pending letter is not "reopened".
        let reopen = try await HuiliuCommand.run(["dead-letters", "reopen", "1"], in: project)
        #expect(reopen.status == 0 && reopen.stdout == "reopened 1\n", "\(reopen.stdout)\(reopen.stderr)")
        #expect(try await HuiliuCommand.run(["dead-letters", "list"], in: project).stdout.contains("source"))
        let twice = try await HuiliuCommand.run(["dead-letters", "reopen", "1"], in: project)
        #expect(twice.status == 1 && twice.stderr.contains("dead letter 1 is pending, neither superseded nor discarded"))
    }

    /// Replay restores what the source set (key, type) and goes oldest first, so when one
    /// record failed twice its later version is the one that ends up delivered last.
    @Test func replayKeepsTheSourceFieldsAndTheOrder() async throws {
        let project = try temporaryProject("replay-order")
        let input = project + "/data/payments.jsonl"
        try #"{"id":"P9","version":1,"amount":"1.00元"}"#.appending("\n").write(toFile: input, atomically: true, encoding: .utf8)
        let pipeline = """
            version: 1
            name: payments
            source: { file: { path: data/payments.jsonl, key: id, type: budget.payment.raw.v1 } }
            steps:
              - map: { fields: { version: version, amount_fen: "to_fen(amount)" } }
            sinks: [ jsonl: data/out.jsonl ]
            """
        try pipeline.write(toFile: project + "/pipelines/payments.yaml", atomically: true, encoding: .utf8)
        #expect(try await HuiliuCommand.run(["run", "payments"], in: project).stdout.contains("failed 1"))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: input))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"P9","version":2,"amount":"2.00元"}"#.appending("\n").utf8))
        try handle.close()
        #expect(try await HuiliuCommand.run(["run", "payments"], in: project).stdout.contains("failed 1"))

        let show = try await HuiliuCommand.run(["dead-letters", "show", "1"], in: project)
        #expect(try JSONReader.parse(show.stdout)["source_fields"] == ["key": "P9", "type": "budget.payment.raw.v1"], "\(show.stdout)")

        try pipeline.replacingOccurrences(of: "to_fen(amount)", with: "to_fen(replace(amount, '元', ''))")
            .write(toFile: project + "/pipelines/payments.yaml", atomically: true, encoding: .utf8)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "payments"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let events = try lines.map { try JSONReader.parse(String($0)) }
        #expect(events.map { $0["subject"] } == ["P9", "P9"])
        #expect(events.map { $0["type"] } == ["budget.payment.raw.v1", "budget.payment.raw.v1"])
        #expect(events.map { $0["data"]?["version"] } == [1, 2])
        #expect(events.last?["data"]?["amount_fen"] == 200)
    }
}

/// A connector's own mapping runs as a step of the pipeline: a record it fails is a dead letter
/// of that step (not a source reject), and replay after fixing the mapping delivers it.
struct ConnectorMappingReplayTests {
    @Test func aRecordTheConnectorsMappingFailsIsReplayedAfterTheFix() async throws {
        let project = try temporaryProject("connector-replay")
        try FileManager.default.createDirectory(atPath: project + "/connectors/drops/mappings", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: project + "/data/drops", withIntermediateDirectories: true)
        try """
            {"id":"A1","amount":"12.50"}
            {"id":"A2","amount":"12.51元"}
            {"id":"A3","amount":"7"}

            """.write(toFile: project + "/data/drops/rows.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: drops
            summary: Rows dropped in a folder.
            spec:
              folder: { type: string, description: The folder. }
            streams:
              rows:
                files: { location: "{{ config.folder }}", pattern: "*.jsonl" }
                primary_key: id
                mapping: rows
            """.write(toFile: project + "/connectors/drops/connector.yaml", atomically: true, encoding: .utf8)
        let mapping = """
            type: drop.row.v1
            key: id
            fields:
              id: id
              amount_fen: to_fen(amount)
            """
        try mapping.write(toFile: project + "/connectors/drops/mappings/rows.yaml", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: drops
            source: { drops: { stream: rows, folder: data/drops } }
            sinks: [ jsonl: data/out.jsonl ]
            """.write(toFile: project + "/pipelines/drops.yaml", atomically: true, encoding: .utf8)

        let run = try await HuiliuCommand.run(["run", "drops"], in: project)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("read 3, written 2, failed 1"), "\(run.stdout)")
        let list = try await HuiliuCommand.run(["dead-letters", "list", "--json"], in: project)
        let letter = try #require(list.stdout.split(separator: "\n").compactMap { try? JSONReader.parse(String($0)) }.first)
        #expect(letter["step"] == "mapping rows")
        #expect(letter["pointer"] == "/amount_fen")
        // The pipeline given by its file, as replay takes it, lists the same letter.
        let byPath = try await HuiliuCommand.run(["dead-letters", "list", "--json", "--pipeline", "pipelines/drops.yaml"], in: project)
        #expect(byPath.stdout.split(separator: "\n").count == 1, "\(byPath.stdout)\(byPath.stderr)")

        // A letter as an earlier version kept a mapping failure: a source reject holding the raw record.
        try SQLiteProbe.execute(path: project + "/data/huiliu.db", """
            INSERT INTO huiliu_dead_letters (pipeline, run_id, step, origin, reason, payload, created_at, status)
            VALUES ('drops', 'r0', 'source', 'data/drops/old.jsonl:1', 'mapping rows: /amount_fen: invalid-value: not an amount',
                    '{"id":"A0","amount":"3元"}', '2026-11-01T00:00:00Z', 'pending')
            """)

        // The upstream writes the unit after some amounts.
        try mapping.replacingOccurrences(of: "to_fen(amount)", with: "to_fen(replace(amount, '元', ''))")
            .write(toFile: project + "/connectors/drops/mappings/rows.yaml", atomically: true, encoding: .utf8)
        let replay = try await HuiliuCommand.run(["dead-letters", "replay", "--pipeline", "drops"], in: project)
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.hasPrefix("replayed 2 of 2 dead letters"), "\(replay.stdout)")
        let lines = try String(contentsOfFile: project + "/data/out.jsonl", encoding: .utf8).split(separator: "\n")
        let delivered = try lines.map { try JSONReader.parse(String($0)) }
        #expect(delivered.map { $0["subject"] } == ["A1", "A3", "A2", "A0"])
        #expect(delivered[2]["data"]?["amount_fen"] == 1251)
        #expect(delivered[3]["data"]?["amount_fen"] == 300)
        #expect(delivered.last?["type"] == "drop.row.v1")
    }
}
