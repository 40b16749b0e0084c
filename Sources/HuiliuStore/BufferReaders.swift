extension SQLiteDatabase {
    /// Records that `pipeline`, which keeps records `retention` milliseconds, has delivered
    /// `channel` of a listener's buffer through `sequence` at `now`, in `table` (made if
    /// missing), and returns what every pipeline reading the channel has let go: records up to
    /// `through` that arrived before `cutoff` (the longest retention of them ago).
    ///
    /// A pipeline that has not run for its own retention no longer holds records back, so a
    /// removed or renamed one does not keep every record for ever; a pipeline that has never
    /// run is known only once registered (``registerReader(readers:channel:pipeline:retention:now:)``,
    /// which the daemon does as it loads it), and otherwise starts with what is still buffered.
    public func releasedRecords(readers table: String, channel: String, pipeline: String, deliveredThrough sequence: Int,
                                retention: Int64, now: Int64) throws -> (through: Int, cutoff: Int64)? {
        try prepareReaders(table, now: now)
        try prepare("""
            INSERT INTO \(table) (channel, pipeline, sequence, retention_ms, seen_at_ms) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (channel, pipeline) DO UPDATE SET
                sequence = excluded.sequence, retention_ms = excluded.retention_ms, seen_at_ms = excluded.seen_at_ms
            """).run([.text(channel), .text(pipeline), .integer(sequence), .integer(Int(retention)), .integer(Int(now))])
        try prepare("DELETE FROM \(table) WHERE channel = ? AND seen_at_ms < ? - retention_ms").run([.text(channel), .integer(Int(now))])
        guard let row = try prepare("SELECT min(sequence), max(retention_ms) FROM \(table) WHERE channel = ?").rows([.text(channel)]).first,
              let through = row[0].integer, let longest = row[1].integer else { return nil }
        return (through, now - Int64(longest))
    }

    /// Makes `pipeline` a reader of `channel` at the start (sequence 0) if it is not one yet:
    /// pruning waits for it from now on, for its `retention` if it never runs.
    public func registerReader(readers table: String, channel: String, pipeline: String, retention: Int64, now: Int64) throws {
        try prepareReaders(table, now: now)
        try prepare("""
            INSERT INTO \(table) (channel, pipeline, sequence, retention_ms, seen_at_ms) VALUES (?, ?, 0, ?, ?)
            ON CONFLICT (channel, pipeline) DO NOTHING
            """).run([.text(channel), .text(pipeline), .integer(Int(retention)), .integer(Int(now))])
    }

    /// Makes the readers table, and adds the columns an earlier version's lacks.
    private func prepareReaders(_ table: String, now: Int64) throws {
        try execute("""
            CREATE TABLE IF NOT EXISTS \(table) (
                channel TEXT NOT NULL, pipeline TEXT NOT NULL, sequence INTEGER NOT NULL,
                retention_ms INTEGER NOT NULL DEFAULT 604800000, seen_at_ms INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (channel, pipeline))
            """)
        // A table an earlier version made has neither column. Its readers count as seen now, so
        // each keeps a full retention of grace rather than being dropped as stale at once.
        let columns = { try self.prepare("SELECT name FROM pragma_table_info('\(table)')").rows().compactMap { $0[0].text } }
        if try !columns().contains("retention_ms") {
            try transaction {
                // Checked again under the write lock: another pipeline may have just added them.
                guard try !columns().contains("retention_ms") else { return }
                try execute("""
                    ALTER TABLE \(table) ADD COLUMN retention_ms INTEGER NOT NULL DEFAULT 604800000;
                    ALTER TABLE \(table) ADD COLUMN seen_at_ms INTEGER NOT NULL DEFAULT 0;
                    """)
                try prepare("UPDATE \(table) SET seen_at_ms = ?").run([.integer(Int(now))])
            }
        }
    }
}
