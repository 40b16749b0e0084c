import CLibPQ
import Glibc

/// One libpq connection, used from one thread at a time (the sink's queue).
final class PostgresConnection {
    private let connection: OpaquePointer
    /// Text errors must not show: the URL's password and the configuration's secrets.
    private let secrets: [String]

    /// Connects with a libpq connection string or URL (`postgresql://user@host:5432/db`).
    init(url: String, secrets: [String]) throws {
        self.secrets = secrets
        guard let connection = PQconnectdb(url) else { throw SinkError("postgres: out of memory connecting") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(connection))
            PQfinish(connection)
            throw SinkError("postgres: cannot connect: " + message.maskingSecrets(secrets, with: "***"))
        }
        self.connection = connection
        // Notices (such as "relation already exists, skipping") would go to stderr.
        _ = PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit {
        PQfinish(connection)
    }

    /// False once the server is gone; the next use should reconnect.
    var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    /// Runs one statement with text parameters (`nil` for NULL) and returns its rows as text.
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        var copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in copies { free(pointer) } }
        let result = copies.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { values in
                PQexecParams(connection, sql, Int32(parameters.count), nil, parameters.isEmpty ? nil : values, nil, nil, 0)
            }
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK:
            return []
        case PGRES_TUPLES_OK:
            return (0..<PQntuples(result)).map { row in
                (0..<PQnfields(result)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : Self.text(PQgetvalue(result, row, column))
                }
            }
        default:
            let message = result.map { Self.text(PQresultErrorMessage($0)) } ?? Self.text(PQerrorMessage(connection))
            throw SinkError("postgres: " + message.maskingSecrets(secrets, with: "***"))
        }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown error" }
        var text = String(cString: pointer)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
