import Foundation
import HuiliuCore
import HuiliuSimulator
import HuiliuStore

/// The simulated procuratorate's exchange database (前置库), an SQLite file the
/// `procuratorate-exchange` pipeline reads with the `sql` source: written by `huiliu demo`
/// and `huiliu simulate` beside the simulated APIs.
enum ExchangeDatabase {
    /// Where the shipped pipeline looks for it, relative to the project.
    static let path = "data/exchange/procuratorate.db"

    /// Writes (or rewrites) the table `ajxx` (案件信息) with the simulator's cases.
    static func write(_ simulator: Simulator, to path: String) throws {
        let rows = simulator.procuratorateExchangeRows()
        guard let columns = rows.first?.keys else { return }
        let database = try SQLiteDatabase.creatingDirectory(of: path)
        let names = columns.map { "\"\($0)\"" }
        try database.transaction {
            try database.execute("""
                CREATE TABLE IF NOT EXISTS ajxx (\(names.map { $0 == "\"bmsah\"" ? "\($0) TEXT PRIMARY KEY" : "\($0) TEXT" }.joined(separator: ", ")));
                CREATE INDEX IF NOT EXISTS ajxx_gxsj ON ajxx (gxsj, bmsah);
                DELETE FROM ajxx;
                """)
            let insert = try database.prepare("INSERT INTO ajxx (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))")
            for row in rows {
                try insert.run(columns.map { row[$0]?.stringValue.map(SQLiteValue.text) ?? .null })
            }
        }
    }
}
