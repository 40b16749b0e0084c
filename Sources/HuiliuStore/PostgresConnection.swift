import CLibPQ
import Glibc
import Foundation
import Synchronization

/// An error from PostgreSQL or libpq, with secrets already masked.
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}

/// One libpq connection, used from one thread at a time (a sink's or the state store's
/// queue); ``cancel()`` may be called from any thread.
package final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    private let canceller: OpaquePointer?
    /// Masks what error text must not show: the URL's password and the configuration's secrets.
    private let mask: @Sendable (String) -> String
    /// Raised by ``cancel()`` or a failed wait: the statement waiting for its answer gives up,
    /// and so does the connection (its protocol state is mid-statement).
    private let abandoned = Atomic<Bool>(false)
    /// Raised by ``cancel()`` alone: what failed was stopped, not broken.
    private let cancelled = Atomic<Bool>(false)
    /// Raised while a cancel request is on its way: libpq's may wait for ever on a silent
    /// server, and one thread so held per connection is enough.
    private let cancelling = Atomic<Bool>(false)

    /// Connects with a libpq URL or connection string. Defaults that the URL may override: a
    /// 10-second connect timeout, and lock and statement timeouts so a batch never waits
    /// forever behind another session's lock.
    /// - Parameters:
    ///   - keepalive: probe an idle connection (both ways), and give up on data the peer does not
    ///     acknowledge, so a dead peer or network is noticed within about a minute rather than the
    ///     system's two hours (or, waiting for an answer, never): for a session that holds a lock
    ///     or reads or writes across a network that may drop it.
    ///   - mask: masks the caller's secrets in error text; the URL's password is masked as well.
    package init(url: String, keepalive: Bool = false, mask: @escaping @Sendable (String) -> String) throws {
        let password = Self.password(in: url)
        // A password with `@`, `/`, `#` or `?` written into the URL unencoded splits it where
        // libpq parses it, and libpq quotes the pieces (as a host name, a port): those go too.
        let pieces = password.map { [$0] + $0.split(whereSeparator: { "@/#?:".contains($0) }).map(String.init) }
            ?? Self.keywordPasswordPieces(in: url)
        let mask: @Sendable (String) -> String = { text in
            var masked = mask(text)
            for piece in pieces.sorted(by: { $0.count > $1.count }) where piece.count >= 3 {
                masked = Self.masking(piece, in: masked)
            }
            return masked
        }
        self.mask = mask
        // With expand_dbname, the URL given as dbname is expanded in place: its settings
        // override the ones before it. Doubles come back with every digit (PostgreSQL before 12
        // rounds them to 15).
        var options = "-c lock_timeout=60s -c statement_timeout=10min -c extra_float_digits=3"
        var keywords = ["connect_timeout", "application_name"]
        var values = ["10", "huiliu"]
        if keepalive {
            options += " -c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3"
            keywords += ["keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"]
            values += ["1", "30", "10", "3", "60000"]
        }
        keywords += ["options", "dbname"]
        values += [options, url]
        let keywordPointers = keywords.map { strdup($0) }, valuePointers = values.map { strdup($0) }
        defer { for pointer in keywordPointers + valuePointers { free(pointer) } }
        let made = (keywordPointers.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { keys in
            (valuePointers.map { UnsafePointer($0) } + [nil]).withUnsafeBufferPointer { vals in
                PQconnectdbParams(keys.baseAddress, vals.baseAddress, 1)
            }
        }
        guard let made else { throw PostgresError("postgres: out of memory connecting") }
        guard PQstatus(made) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(made))
            PQfinish(made)
            let unencoded = password.map { $0.contains(where: { "@/#?".contains($0) }) } ?? false
            throw PostgresError("postgres: cannot connect: " + mask(message)
                + (unencoded ? " (the URL's password holds @, /, # or ?, which a URL needs percent-encoded: %40, %2F, %23, %3F)" : ""))
        }
        connection = made
        canceller = PQgetCancel(made)
        // Notices (such as "relation already exists, skipping") would go to stderr.
        _ = PQsetNoticeProcessor(made, { _, _ in }, nil)
    }

    deinit {
        if let canceller { PQfreeCancel(canceller) }
        PQfinish(connection)
    }

    /// False once the server is gone or a statement was cancelled; the next use should reconnect.
    package var isHealthy: Bool { !abandoned.load(ordering: .relaxed) && PQstatus(connection) == CONNECTION_OK }

    /// True once ``cancel()`` was called: a statement that failed since was stopped, and is not
    /// to be tried again on a new connection.
    package var wasCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Stops waiting for the statement running now, and asks the server to cancel it (the
    /// caller's task was cancelled). Returns at once: the request goes from a thread of its own,
    /// since libpq's waits for the server to hang up, and a server or network gone silent never
    /// does. The connection is not used again.
    package func cancel() {
        cancelled.store(true, ordering: .relaxed)
        abandoned.store(true, ordering: .relaxed)
        guard canceller != nil, cancelling.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        // The thread holds the connection, so the canceller is freed only after it is used.
        Thread.detachNewThread { [self] in
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(canceller, &buffer, Int32(buffer.count))
            cancelling.store(false, ordering: .relaxed)
        }
    }

    /// Sends a statement and waits for its last result, which the caller clears. The wait polls
    /// the socket rather than blocking in libpq, so ``cancel()`` ends it even when the server
    /// never answers.
    private func run(_ sql: String, _ parameters: [String?]) throws -> OpaquePointer? {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in copies { free(pointer) } }
        let sent = (copies.map { $0.map { UnsafePointer($0) } }).withUnsafeBufferPointer { values in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, values.isEmpty ? nil : values.baseAddress, nil, nil, 0)
        }
        guard sent == 1 else { throw PostgresError("postgres: " + mask(Self.text(PQerrorMessage(connection)))) }
        var last: OpaquePointer?
        do {
            while true {
                try awaitResult()
                guard let result = PQgetResult(connection) else { break }
                PQclear(last)
                last = result
                // COPY hands the connection to data transfer, which nothing here does: its
                // results would come for ever.
                switch PQresultStatus(result) {
                case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                    throw PostgresError("postgres: COPY is not supported here")
                default:
                    continue
                }
            }
        } catch {
            PQclear(last)
            // Mid-statement, the connection cannot take another: the next use reconnects.
            abandoned.store(true, ordering: .relaxed)
            throw error
        }
        return last
    }

    /// Reads until a whole result is in, giving up once cancelled.
    private func awaitResult() throws {
        while PQisBusy(connection) == 1 {
            guard !abandoned.load(ordering: .relaxed) else { throw PostgresError("postgres: the statement was cancelled") }
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, 250)
            if ready < 0 && errno != EINTR { throw PostgresError("postgres: cannot wait for the server: \(String(cString: strerror(errno)))") }
            if ready > 0, PQconsumeInput(connection) != 1 {
                throw PostgresError("postgres: " + mask(Self.text(PQerrorMessage(connection))))
            }
        }
    }

    /// Runs one statement with text parameters (`nil` for NULL) and returns its rows as text.
    /// PostgreSQL text cannot hold NUL: callers replace it (``replacingNUL``).
    @discardableResult
    package func execute(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let result = try run(sql, parameters)
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
            throw PostgresError("postgres: " + mask(failure(result)))
        }
    }

    /// A query's rows as text, with each column's name and type (its OID in `pg_type`), for
    /// readers that turn the text into typed values.
    package func query(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let result = try run(sql, parameters)
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else { throw PostgresError("postgres: " + mask(failure(result))) }
        let columns = (0..<PQnfields(result)).map { column in
            PostgresRows.Column(name: String(cString: PQfname(result, column)), type: UInt32(PQftype(result, column)))
        }
        let rows = (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
        return PostgresRows(columns: columns, rows: rows)
    }

    /// The server's primary message and SQLSTATE, without the DETAIL and CONTEXT lines that
    /// quote the rows' data.
    private func failure(_ result: OpaquePointer?) -> String {
        guard let result, let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))) else {
            return Self.text(PQerrorMessage(connection))
        }
        let severity = PQresultErrorField(result, Int32(UInt8(ascii: "S"))).map { String(cString: $0) + ": " } ?? ""
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { " (SQLSTATE \(String(cString: $0)))" } ?? ""
        return severity + String(cString: primary) + state
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "unknown error" }
        var text = String(cString: pointer)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}

extension PostgresConnection {
    /// The password of a `postgresql://user:password@host/…` URL, for masking it in errors: up to
    /// the last `@`, so that one written unencoded (`Xk9@Tz#q`) is masked whole.
    package static func password(in url: String) -> String? {
        // The query (`?application_name=a@b`) is not searched: it starts at the first `?` after
        // a `/`; a `?` before any `/` is in the user info (a password written out).
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let end = rest.firstIndex(of: "/").flatMap { rest[$0...].firstIndex(of: "?") } ?? rest.endIndex
        guard let at = rest[..<end].lastIndex(of: "@") else { return nil }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return nil }
        let password = String(credentials[credentials.index(after: colon)...])
        return password.removingPercentEncoding ?? password
    }

    /// The password of a keyword connection string (`host=… password=…`) and, when a space was
    /// left unquoted in it, its pieces, for masking them in errors: libpq quotes the piece after
    /// the space as a key missing its `=`. A quoted password is one piece, as libpq reads it.
    package static func keywordPasswordPieces(in text: String) -> [String] {
        // The keyword itself (not `sslpassword`), with the spaces libpq allows around `=`.
        guard let match = text.firstMatch(of: #/(?i)(?:^|\s)password\s*=\s*/#) else { return [] }
        let rest = text[match.range.upperBound...]
        if rest.hasPrefix("'") {
            var value = "", escaped = false
            for character in rest.dropFirst() {
                if escaped { value.append(character); escaped = false } else if character == "\\" { escaped = true }
                else if character == "'" { break } else { value.append(character) }
            }
            return value.isEmpty ? [] : [value]
        }
        var pieces: [String] = []
        for word in rest.split(whereSeparator: \.isWhitespace) {
            if !pieces.isEmpty && word.contains("=") { break }
            pieces.append(String(word))
        }
        return pieces.count > 1 ? [pieces.joined(separator: " ")] + pieces : pieces
    }

    /// `text` with `piece` replaced by `***`: anywhere when it is eight bytes or more, else only
    /// where no letter or digit touches it (a password `pass word` masked "password" in every
    /// message, and the garble spelled it out).
    package static func masking(_ piece: String, in text: String) -> String {
        guard piece.utf8.count < 8 else { return text.replacingOccurrences(of: piece, with: "***") }
        var out = "", rest = text[...]
        while let found = rest.range(of: piece) {
            let before = found.lowerBound == rest.startIndex ? out.last : rest[rest.index(before: found.lowerBound)]
            let after = found.upperBound == rest.endIndex ? nil : rest[found.upperBound]
            let touches = (before.map { $0.isLetter || $0.isNumber } ?? false) || (after.map { $0.isLetter || $0.isNumber } ?? false)
            out += rest[..<found.lowerBound]
            out += touches ? piece : "***"
            rest = rest[found.upperBound...]
        }
        return out + rest
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    package func transaction<R>(_ body: () throws -> R) throws -> R {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }
}

/// The rows of a query in text form, and its columns.
package struct PostgresRows: Sendable {
    /// A result column: its name and its type's OID.
    package struct Column: Sendable, Equatable {
        package var name: String
        package var type: UInt32
    }

    /// The columns, in order.
    package var columns: [Column]
    /// Each row's values as text, `nil` for NULL.
    package var rows: [[String?]]
}
