import Foundation
import HuiliuCore
import Testing

/// A real Singer tap from PyPI (tap-jsonl, installed by `scripts/bootstrap --tests`) as a
/// pipeline source: records arrive, and the state it emits is committed and passed back.
struct SingerTapTests {
    @Test func runsARealSingerTapAndKeepsItsState() async throws {
        let tap = HuiliuCommand.root.appendingPathComponent(".build-taps/venv/bin/tap-jsonl").path
        #expect(FileManager.default.isExecutableFile(atPath: tap), "run scripts/bootstrap --tests to install tap-jsonl")
        let project = try temporaryProject("singer")
        try "{\"id\":1,\"name\":\"甲\"}\n{\"id\":2,\"name\":\"乙\"}\n{\"id\":3,\"name\":\"丙\"}\n"
            .write(toFile: project + "/data/people.jsonl", atomically: true, encoding: .utf8)
        try """
            version: 1
            name: people
            source:
              process:
                command: [\(tap)]
                config: { path: \(project)/data/people.jsonl, stream_name: people, primary_keys: [id] }
                type: "{stream}.singer.v1"
            sinks: [ sqlite: data/huiliu.db ]
            """.write(toFile: project + "/pipelines/people.yaml", atomically: true, encoding: .utf8)
        let first = try await HuiliuCommand.run(["run", "people"], in: project)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("read 3, written 3, failed 0"))
        let db = try SQLiteProbe(path: project + "/data/huiliu.db")
        #expect(try db.integer("SELECT count(*) FROM events_people_singer_v1") == 3)
        #expect(try db.integer("SELECT count(*) FROM huiliu_checkpoints WHERE pipeline = 'people' AND value LIKE '%replication_key_value%'") == 1)
        // Run again: the saved state is passed back; upserts keep each person once.
        let second = try await HuiliuCommand.run(["run", "people"], in: project)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(try db.integer("SELECT count(*) FROM events_people_singer_v1") == 3)
    }
}
