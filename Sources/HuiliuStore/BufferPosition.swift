public import HuiliuCore

extension SQLiteDatabase {
    /// The random identity of a local buffer file (a listener's), kept in `table` and made the
    /// first time. Read first: every open after the first needs no write lock, which the
    /// listener writing the buffer may hold.
    public func identity(in table: String) throws -> String {
        let read = "SELECT id FROM \(table) ORDER BY rowid LIMIT 1"
        if try prepare("SELECT count(*) FROM sqlite_master WHERE name = ?").rows([.text(table)]).first?.first?.integer ?? 0 > 0,
           let id = try prepare(read).rows().first?.first?.text, !id.isEmpty {
            return id
        }
        return try transaction {
            try execute("""
                CREATE TABLE IF NOT EXISTS \(table) (id TEXT NOT NULL);
                INSERT INTO \(table) (id) SELECT lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM \(table));
                """)
            return try prepare(read).rows().first?.first?.text ?? ""
        }
    }

    /// The highest number `AUTOINCREMENT` has given out in `table`, also to rows since deleted.
    public func lastSequenceGiven(in table: String) throws -> Int {
        try prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").rows([.text(table)]).first?.first?.integer ?? 0
    }
}

/// Where a reader of a listener's local buffer stands: the last sequence number it delivered,
/// in the buffer of this identity. A buffer replaced under it (deleted and made again, so its
/// numbers start over) is refused rather than read from a stale position, which would skip
/// what it holds and prune through that position.
public enum BufferPosition {
    /// The checkpoint of `sequence` in the buffer `id`.
    public static func checkpoint(_ sequence: Int, buffer id: String) -> Checkpoint {
        Checkpoint(["sequence": .integer(sequence), "buffer": .string(id)])
    }

    /// The sequence `checkpoint` stands at (0 for none), once it is known to be a position in
    /// the buffer at `path`, whose identity is `id` and which has given out numbers up to
    /// `lastGiven`. Checkpoints from before buffers had identities are checked by the numbers.
    /// - Parameter what: the buffer, in words (`HJ 212 buffer`), for the error.
    public static func resume(_ checkpoint: Checkpoint?, buffer id: String, lastGiven: Int, path: String, what: String) throws -> Int {
        let sequence = checkpoint?.value["sequence"]?.intValue ?? 0
        if let other = checkpoint?.value["buffer"]?.stringValue, other != id {
            throw StoreError("\(path) is not the \(what) this pipeline's checkpoint is in (it was replaced); run once with --reset to read it from its start")
        }
        if sequence > lastGiven {
            throw StoreError("the checkpoint is at \(sequence) but \(path) has given out only \(lastGiven): it was replaced; run once with --reset")
        }
        return sequence
    }
}
