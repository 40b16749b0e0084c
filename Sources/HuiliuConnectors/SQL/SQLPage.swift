import Foundation
import HuiliuCore

/// What an `sql` source reads: a table (its name's parts) or the result of a query.
enum SQLRelation: Sendable, Equatable {
    case table([String])
    case query(String)

    /// How origins and messages name it: the table's name, or `query`.
    var label: String {
        switch self {
        case .table(let parts): parts.joined(separator: ".")
        case .query: "query"
        }
    }
}

/// The SQL of one page of an `sql` source: the rows after a position in cursor-then-key
/// order (keyset paging), at most `limit` of them.
struct SQLPageStatement {
    enum Dialect { case postgres, sqlite }

    let dialect: Dialect
    let relation: SQLRelation
    /// The cursor (if any), then the key columns.
    let order: [String]

    /// The relation as a FROM item.
    var from: String {
        switch relation {
        case .table(let parts): parts.map(Self.quote).joined(separator: ".")
        // On lines of their own: a query ending in a `--` comment still ends before the parenthesis.
        case .query(let query): "(\n\(query)\n) AS huiliu_rows"
        }
    }

    /// A statement that gives the relation's columns and no rows.
    var columnsProbe: String { "SELECT * FROM \(from) LIMIT 0" }

    /// Where a page starts.
    enum Start: Hashable {
        /// At the first row.
        case beginning
        /// At the first row whose cursor is at or after a value (one parameter): where a run
        /// picks up, so rows added since with the cursor value it stopped at are not missed.
        case cursor
        /// After a row's cursor and key values (one parameter each): the next page of a run.
        case after
    }

    /// The statement. Identifiers are quoted, so any column or table name is safe here.
    func text(from start: Start, limit: Int) -> String {
        let columns = order.map(Self.quote)
        var conditions = columns.map { "\($0) IS NOT NULL" }
        let first = dialect == .postgres ? "$1" : "?"
        switch start {
        case .beginning: break
        case .cursor: conditions.append("\(columns[0]) >= \(first)")
        case .after:
            let parameters = order.indices.map { dialect == .postgres ? "$\($0 + 1)" : "?" }
            conditions.append("(\(columns.joined(separator: ", "))) > (\(parameters.joined(separator: ", ")))")
        }
        return "SELECT * FROM \(from) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(columns.joined(separator: ", ")) LIMIT \(limit)"
    }

    /// `name` as a quoted identifier, which PostgreSQL and SQLite both read.
    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Where an `sql` source stands: the cursor and key values of the last row delivered, as
/// the database gave them (PostgreSQL's text, SQLite's typed values), to be handed back, and
/// the columns they are of — a checkpoint of other columns is refused, not misread.
struct SQLPosition: Sendable, Equatable {
    var columns: [String]
    var values: [Value]

    init(columns: [String], values: [Value]) {
        self.columns = columns
        self.values = values
    }

    /// The position a checkpoint holds; `nil` for none.
    init?(_ checkpoint: Checkpoint?) {
        guard let values = checkpoint?.value["after"]?.arrayValue else { return nil }
        self.values = values
        columns = checkpoint?.value["columns"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    var checkpoint: Checkpoint { Checkpoint(["columns": .array(columns.map(Value.string)), "after": .array(values)]) }
}
