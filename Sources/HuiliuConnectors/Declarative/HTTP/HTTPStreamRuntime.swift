import Foundation
import Logging
import HuiliuCore
import HuiliuExpression
import HuiliuTransport

/// A page as it came back: its records (selected and filtered) and what paging needs to
/// know about it. The response body itself is not kept.
struct FetchedPage: Sendable {
    /// The page that was requested.
    var page: PageState
    /// The selected records, raw, after `filter_records` and `filter`.
    var records: [Value]
    /// How many records the response held before filtering: paging reads this, since a page
    /// whose records were all filtered out is not the end.
    var received: Int
    /// A rule said to ignore the response.
    var ignored: Bool
    /// The `total` expression's value.
    var total: Int?
    /// The next token or URL, for cursor, next-URL and Link paging.
    var next: String?
    /// `stop_when` was true.
    var stop: Bool
    /// The request, for record origins: `GET /api/v1/items?page=3` (credentials redacted).
    var origin: String
    /// The largest cursor value among the records (integer cursors), before filtering.
    var maxCursor: Int?
}

/// Everything a page fetch needs, shared by the tasks that fetch pages ahead.
struct HTTPStreamRuntime: Sendable {
    let stream: ManifestStream
    let http: HTTPStreamDefinition
    let builder: RequestBuilder
    let decoder: ResponseDecoder
    let upstream: UpstreamClient
    let cursor: CursorMath?
    let pageSize: Int?

    /// Requests, decodes and selects one page; `base` is the context without `page`.
    func fetch(_ page: PageState, base: Object, slice: CursorSlice?) async throws -> FetchedPage {
        var object = base
        object["page"] = page.context(size: pageSize)
        let context = Value.object(object)
        let request: HTTPRequest
        do {
            request = try builder.build(context, url: page.url)
        } catch {
            throw ManifestRuntimeError("\(upstream.connector)/\(upstream.stream): \(error)")
        }
        let decoder = self.decoder
        let outcome = try await upstream.send(request, context: context) { response in try decoder.decode(response.body, contentType: response.headers["Content-Type"]) }
        let origin = origin(request)
        guard !outcome.ignored else {
            return FetchedPage(page: page, records: [], received: 0, ignored: true, total: nil, next: nil, stop: true, origin: origin,
                               maxCursor: nil)
        }
        // Paging decisions (and `select`, on a missing list) read the response, so they are made
        // here, in parallel, not later.
        var view: Value?
        func responseView() -> Value {
            if let view { return view }
            let made = upstream.responseContext(outcome.response, body: outcome.body, context: context)
            view = made
            return made
        }
        let totalExpression = http.pagination.total
        var records = try select(outcome.body, origin: "\(upstream.connector)/\(upstream.stream): \(origin)", firstPage: page.index == 0) {
            (try? totalExpression?.evaluate(responseView())).flatMap(Self.count)
        }
        let received = records.count
        var maxCursor: Int?
        if let cursor, let incremental = stream.incremental {
            var kept: [Value] = []
            for (index, record) in records.enumerated() {
                let value = try incremental.cursorField.evaluate(record)
                if value.isNull {
                    kept.append(record)
                    continue
                }
                let number: Int
                do {
                    number = try cursor.number(value)
                } catch {
                    // One record's bad time must not stop every run for ever: it goes on like a
                    // record without a cursor (its mapping can reject it), and the cursor is
                    // taken from the others.
                    upstream.logger.warning("a record's cursor value cannot be read; delivered without moving the cursor", metadata: [
                        "stream": "\(upstream.connector)/\(upstream.stream)", "page": "\(origin)", "record": "\(index + 1)",
                        "reason": "\(error)",
                    ])
                    kept.append(record)
                    continue
                }
                maxCursor = max(maxCursor ?? number, number)
                if incremental.filterRecords, let slice, number < slice.lower { continue }
                kept.append(record)
            }
            if incremental.filterRecords { records = kept }
        }
        if let filter = stream.filter {
            records = try records.filter { try filter.evaluate($0).isTruthy }
        }
        var total: Int?
        // A page without records ends paging anyway, and often has no total (`{"data": null}`):
        // one there still says whether the slice shrank while it was paged (numbered pages).
        if let expression = totalExpression, received == 0, http.pagination.isPredictable {
            total = (try? expression.evaluate(responseView())).flatMap(Self.count)
        } else if let expression = totalExpression, received > 0 {
            let value = try expression.evaluate(responseView())
            total = Self.count(value)
            // Unread, paging would go on past the end: a vendor that answers an out-of-range
            // page with an error fails the run there, far from the cause.
            guard total != nil else {
                let hint = expression.text.hasPrefix("body") ? "" : "; it reads {status, headers, body}, so a count in the body is body.<path>"
                throw ManifestRuntimeError("""
                    \(upstream.connector)/\(upstream.stream): paginate.total '\(expression.text)' gave \(value.jsonText), not a count\(hint)
                    """)
            }
        }
        let stop = try http.pagination.stopWhen.map { try $0.evaluate(responseView()).isTruthy } ?? false
        var next: String?
        switch http.pagination.type {
        case .cursor, .nextURL:
            if let expression = http.pagination.next {
                let value = try expression.evaluate(responseView())
                next = value.isNull ? nil : Template.text(of: value)
            }
        case .link:
            next = LinkHeader.target(outcome.response.headers.values(for: "Link"), rel: http.pagination.rel)
        default:
            break
        }
        // A relative link is relative to the page it came from (RFC 8288 §3.2), not to base_url.
        if http.pagination.type != .cursor, let relative = next, !relative.isEmpty {
            next = try RequestBuilder.resolve(relative, against: request.url)
        }
        return FetchedPage(page: page, records: records, received: received, ignored: false, total: total, next: next, stop: stop,
                           origin: origin, maxCursor: maxCursor)
    }

    /// The records in a decoded body: the `records` expression's array, or its one object.
    ///
    /// A path that leads nowhere is an empty page when the answer says so: a `null` on the way
    /// (`{"code": 0, "data": null}` for `data.list`, a Go nil slice), or the object holding the
    /// list without it (`{"data": {"total": 0}}`, an empty `<Cases/>`). When even the path's
    /// first key is missing, the body is something else, typically an error answered with
    /// HTTP 200 (`{"code": 500, "msg": "数据库连接失败"}`): read as an empty page, it would end
    /// the slice and move the cursor past records never read. A one-key path (`items`) cannot
    /// tell the two apart (APIs leave an empty list out): its absence is an empty page, logged,
    /// unless on a slice's first page the body shows records are there under another name (a
    /// list beside it, a total above zero) — a misspelt `records` would otherwise read every
    /// page as empty. Later pages may be past the end of a total that shrank or over-counts.
    func select(_ body: Value, origin: String, firstPage: Bool = true, total: () -> Int? = { nil }) throws -> [Value] {
        let selected = try stream.records.map { try $0.evaluate(body) } ?? body
        switch selected {
        case .array(let items): return items
        case .null:
            guard let records = stream.records, let path = records.fieldPath, body[path[0]] == nil else { return [] }
            if path.count == 1 {
                let lists = !firstPage ? [] : body.objectValue.map { object in
                    zip(object.keys, object.values).filter { $0.1.arrayValue != nil }.map(\.0)
                } ?? []
                if !lists.isEmpty {
                    throw ManifestRuntimeError("""
                        \(origin): the response has no '\(records.text)' but has \(lists.map { "'\($0)'" }.joined(separator: ", ")): \
                        \(Self.excerpt(body, masking: upstream.scrub)). Check the stream's records path
                        """)
                }
                if firstPage, let count = total(), count > 0 {
                    throw ManifestRuntimeError("""
                        \(origin): the response has no '\(records.text)' though its total says \(count): \
                        \(Self.excerpt(body, masking: upstream.scrub)). Check the stream's records path
                        """)
                }
                upstream.logger.warning("the response has no '\(records.text)'; read as an empty page", metadata: [
                    "stream": "\(upstream.connector)/\(upstream.stream)", "page": "\(origin)", "response": "\(Self.excerpt(body, masking: upstream.scrub))",
                ])
                return []
            }
            throw ManifestRuntimeError("""
                \(origin): the response has no '\(records.text)' (nor '\(path[0])'): \(Self.excerpt(body, masking: upstream.scrub)). An error answered \
                with HTTP 200 is not an empty page; an API that leaves the list out when there is nothing to read takes an \
                errors rule with action: ignore for that answer
                """)
        case .object: return [selected]
        default:
            throw ManifestRuntimeError("\(origin): 'records' gave \(selected.typeName), not an array of records")
        }
    }

    /// A total as a response gives it: a number, or a number written as text.
    static func count(_ value: Value) -> Int? {
        value.intValue ?? value.stringValue.flatMap { Int($0) }
    }

    /// The start of a body, for messages.
    static func excerpt(_ body: Value, masking mask: (String) -> String) -> String {
        // Masked before it is cut: cut first, a secret at the cut was left half shown.
        let text = mask(body.jsonText)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    /// `GET /path?query` with credentials and secret values redacted and no host, for record origins.
    func origin(_ request: HTTPRequest) -> String {
        var url = upstream.redact(request.url)
        if let scheme = url.range(of: "://") {
            let rest = url[scheme.upperBound...]
            url = String(rest[(rest.firstIndex(of: "/") ?? rest.endIndex)...])
        }
        return "\(request.method) \(url.isEmpty ? "/" : url)"
    }
}
