import Foundation
@testable import HuiliuConnectors
import HuiliuCore
import HuiliuKit
import HuiliuKitTesting
import Logging
import Testing

/// Every paging style against a real loopback server: the 25 items arrive once each, in
/// order, and paging stops where the style says.
struct PaginationTests {
    /// A one-stream connector whose stream is `body` (indented under the stream).
    static func connector(_ body: String) throws -> TestConnector {
        try TestConnector.make("""
            version: 1
            name: scenario
            summary: Scenario server.
            spec:
              base_url: { type: url, description: The scenario server. }
            streams:
              items:
                request:
                  base_url: "{{ config.base_url }}"
            \(body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
            """)
    }

    func read(_ body: String) async throws -> Drained {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector(body)
        return try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
    }

    @Test func pageNumberStopsAtTheTotal() async throws {
        let result = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}", key: total }
            records: items
            paginate: { type: page_number, size: "10", total: body.total }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count == 3)
        #expect(result.lastCheckpoint?.value["current"] == nil, "the finished stream leaves no page in progress")
    }

    /// A record leaving the slice while it is paged moves the others a position up, and the one
    /// that moves onto a page already read was never delivered. The total falling says so:
    /// the slice is read again from its first page, and every record arrives.
    @Test func aFallingTotalReadsTheSliceAgain() async throws {
        let key = UUID().uuidString
        let result = try await read("""
              path: /pages/shifting
              query: { page: "{{ page.number }}", size: "{{ page.size }}", key: "\(key)" }
            records: items
            paginate: { type: page_number, size: "3", total: body.total }
            """)
        #expect(Set(result.ids) == Set(0..<9), "\(result.ids)")
        #expect(result.lastCheckpoint?.value["current"] == nil)
        // One that never settles fails an incremental slice rather than let the cursor pass it;
        // a stream without a cursor goes on (its next run reads everything again).
        await #expect { try await read("""
              path: /pages/churning
              query: { page: "{{ page.number }}", key: "\(key)-sliced" }
            records: items
            paginate: { type: page_number, size: "3", total: body.total }
            incremental: { type: integer, cursor_field: id, start: "0", end: "100" }
            """) } throws: { "\($0)".contains("GET /pages/churning") && "\($0)".contains("while the pages were read, 4 times") }
        let whole = try await read("""
              path: /pages/churning
              query: { page: "{{ page.number }}", key: "\(key)-whole" }
            records: items
            paginate: { type: page_number, size: "3", total: body.total }
            """)
        #expect(!whole.records.isEmpty)
        // A total that grows moves records later, never past a page read: no second pass.
        let grown = try await read("""
              path: /pages/growing
              query: { page: "{{ page.number }}", key: "\(key)-grown" }
            records: items
            paginate: { type: page_number, size: "3", total: body.total }
            """)
        #expect(grown.ids == Array(0..<9))
    }

    /// A server that ignores the paging parameter sends its first page for ever: the run stops
    /// at the second copy instead of delivering it again and again.
    @Test func aServerIgnoringThePageIsStopped() async throws {
        await #expect { try await read("""
              path: /pages/ignored
              query: { page: "{{ page.number }}" }
            records: items
            paginate: { type: page_number, size: "10" }
            """) } throws: { "\($0)".contains("GET /pages/ignored?page=2: the same 10 records as the page before: the server ignores the paging parameter") }
    }

    /// An error answered with HTTP 200 (no list, nor the object that would hold it) is not an
    /// empty page, which would end the slice and move the cursor past unread records.
    @Test func anErrorAnsweredWithOKIsNotAnEmptyPage() async throws {
        await #expect { try await read("""
              path: /errors/ok-but-failed
            records: data.list
            """) } throws: { error in
            "\(error)".contains("the response has no 'data.list' (nor 'data'): {\"code\":500,\"msg\":\"数据库连接失败\"}")
                && "\(error)".contains("action: ignore")
        }
        // With the holder there, or a null on the way, the list left out is an empty page.
        for path in ["/pages/empty-holder", "/pages/null-data"] {
            let empty = try await read("""
                  path: \(path)
                records: data.list
                """)
            #expect(empty.records.isEmpty && empty.batches.count == 1)
            // A total in the object that is null is not asked of a page without records.
            let counted = try await read("""
                  path: \(path)
                records: data.list
                paginate: { type: page_number, size: "10", total: body.data.total }
                """)
            #expect(counted.records.isEmpty && counted.batches.count == 1)
        }
        // A one-key path cannot tell an error from a list left out when empty (Go's omitempty).
        let unkeyed = try await read("""
              path: /errors/ok-but-failed
            records: items
            """)
        #expect(unkeyed.records.isEmpty)
    }

    /// A one-key `records` path that is missing where the body holds a list, or a total above
    /// zero, is a misspelt path, not an empty page: read as one, every page was empty, the run
    /// succeeded and the cursor moved past everything.
    @Test func aMisspeltRecordsPathIsNotAnEmptyPage() async throws {
        await #expect { try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "10" }
            records: itemz
            paginate: { type: page_number, size: "10", total: body.total }
            """) } throws: { "\($0)".contains("GET /pages/number?page=1&size=10: the response has no 'itemz' but has 'items'") }
        await #expect { try await read("""
              path: /pages/total-only
            records: items
            paginate: { type: page_number, size: "10", total: body.total }
            """) } throws: { "\($0)".contains("the response has no 'items' though its total says 3: {\"total\":3}") }
        // Past the first page, a total that over-counts (or shrank) says nothing of the path.
        let overcounted = try await read("""
              path: /pages/overcount
              query: { page: "{{ page.number }}" }
            records: items
            paginate: { type: page_number, size: "3", total: body.total }
            """)
        #expect(overcounted.ids == [0, 1, 2])
    }

    /// A redirect within the origin is followed; one to another host is not, since the
    /// request's headers (API keys, signatures) would go with it.
    @Test func redirectsAreFollowedWithinTheOriginOnly() async throws {
        let here = try await read("""
              path: /redirect/here
            records: data.list
            """)
        #expect(here.records.isEmpty && here.batches.count == 1)
        await #expect { try await read("""
              path: /redirect/away
            records: data.list
            """) } throws: { "\($0)".contains("redirects to http://localhost:") && "\($0)".contains("another host or scheme: not followed") }
    }

    /// With `primary_key` and no key from the mapping, a record without it is rejected: its
    /// event id would follow from its place on the page.
    @Test func recordsWithoutTheirPrimaryKeyAreRejected() async throws {
        let result = try await read("""
              path: /keys/partial
            records: items
            primary_key: id
            """)
        #expect(result.records.map(\.key) == ["1", "5"])
        #expect(result.rejects.map(\.origin.position) == [2, 3, 4])
        #expect(result.rejects.allSatisfy { $0.reason == "primary key id: missing, null, empty, or not a string or a number of at most 18 significant digits" })
    }

    /// JSON in GBK (charset=GBK, as some government systems answer) is read with `encoding: auto`.
    @Test func jsonInGBKIsRead() async throws {
        let result = try await read("""
              path: /gbk/items
            records: items
            """)
        #expect(result.records.first?.data["name"] == "黄冈")
    }

    /// A total that reads nothing (written like `records`, over the body, where it reads the
    /// whole response) fails at once, saying so, instead of paging past the end.
    @Test func aTotalThatReadsNothingSaysWhy() async throws {
        await #expect { try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}", key: total }
            records: items
            paginate: { type: page_number, size: "10", total: total }
            """) } throws: { "\($0)".contains("paginate.total 'total' gave null, not a count; it reads {status, headers, body}") }
    }

    @Test func pageNumberWithoutTotalStopsAtTheEmptyPage() async throws {
        let result = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            concurrency: 1
            paginate: { type: page_number, size: "10" }
            """)
        #expect(result.ids == Array(0..<25))
    }

    @Test func pagesFetchedAheadArriveInOrder() async throws {
        let result = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            concurrency: 4
            paginate: { type: page_number, size: "2" }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count >= 13)
    }

    @Test func stopWhenConditionEndsPaging() async throws {
        let result = try await read("""
              path: /pages/flagged
              query: { page: "{{ page.number }}" }
            records: items
            concurrency: 1
            paginate: { type: page_number, size: "10", stop_when: "!(body.hasMore)" }
            """)
        #expect(result.ids == Array(0..<25))
        let s = try await ScenarioServer.get().state
        #expect(s.count("flagged-page-4") == 0, "no page after the one that said stop")
    }

    @Test func offsetAndLimitStopAtTheCount() async throws {
        let result = try await read("""
              path: /pages/offset
              query: { offset: "{{ page.offset }}", limit: "{{ page.limit }}" }
            records: data.rows
            paginate: { type: offset, size: "8", total: body.data.count }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count == 4)
    }

    @Test func cursorFromTheBody() async throws {
        let result = try await read("""
              path: /pages/cursor
              query: { cursor: "{{ page.token }}" }
            records: results
            paginate: { type: cursor, next: body.next_cursor }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count == 4)
    }

    @Test func cursorPagingStopsAtAnEmptyPageThatStillHasACursor() async throws {
        let result = try await read("""
              path: /pages/endless-cursor
              query: { cursor: "{{ page.token }}" }
            records: results
            paginate: { type: cursor, next: body.next_cursor, max_pages: 40 }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count <= 5, "paged on past the empty page: \(result.batches.count) batches")
    }

    @Test func cursorPagingStopsAtTheTotal() async throws {
        let result = try await read("""
              path: /pages/cursor-total
              query: { cursor: "{{ page.token }}" }
            records: results
            paginate: { type: cursor, next: body.next_cursor, total: body.total, max_pages: 40 }
            """)
        // Four pages of 7 reach the total of 25; the last page is delivered whole.
        #expect(result.ids == Array(0..<28))
        #expect(result.batches.count == 4)
    }

    @Test func cursorFromAHeader() async throws {
        let result = try await read("""
              path: /pages/header-cursor
              headers: { X-After: "{{ page.token }}" }
            paginate: { type: cursor, next: "headers.\\"x-next-cursor\\"" }
            """)
        #expect(result.ids == Array(0..<25))
    }

    @Test func linkHeaderRelNext() async throws {
        let result = try await read("""
              path: /pages/link
              query: { page: "1", per_page: "10" }
            paginate: { type: link }
            """)
        #expect(result.ids == Array(0..<25))
        #expect(result.batches.count == 3)
    }

    /// `<?page=2>` is relative to the page that sent it (RFC 8288 §3.2, RFC 3986 §5), whatever
    /// base_url is.
    @Test func relativeLinksResolveAgainstThePage() async throws {
        let result = try await read("""
              path: /pages/link
              query: { page: "1", per_page: "10", relative: "1" }
            paginate: { type: link }
            """)
        #expect(result.ids == Array(0..<25))
    }

    @Test func nextURLFromTheBody() async throws {
        let result = try await read("""
              path: /pages/next-url
            records: data
            paginate: { type: next_url, next: body.links.next }
            """)
        #expect(result.ids == Array(0..<25))
    }

    /// A next link naming the page it came with ends the paging (some APIs end so), with a
    /// warning: a broken one would otherwise leave the rest unread without a word.
    @Test func aNextLinkBackToItsOwnPageEndsWithAWarning() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("""
              path: /pages/next-url
              query: { stuck: "1" }
            records: data
            paginate: { type: next_url, next: body.links.next }
            """)
        let logs = CapturedLogs()
        let result = try await drained(try connector.source("base_url: \(server.url)", stream: "items", context: connector.context(logger: logs.logger)))
        #expect(result.ids == Array(0..<20))
        #expect(logs.all.contains { $0.level == .warning && $0.message == "the next page given is this page again; taken as the last page" })
    }

    /// Every request is authenticated, so a link to another host is not followed: the API key
    /// would go there with it.
    @Test func aNextLinkToAnotherHostIsRefused() async throws {
        await #expect { _ = try await read("""
              path: /pages/next-url
              query: { elsewhere: "1" }
            records: data
            paginate: { type: next_url, next: body.links.next }
            """) } throws: { "\($0)".contains("the next page's link leads to http://localhost:") && "\($0)".contains("another host or scheme than base_url") }
    }

    /// A scheme's default port written out is the same origin; another port, scheme or host is not.
    @Test func originsIgnoreTheDefaultPortOnly() {
        #expect(UpstreamClient.origin(of: "http://Gov.example:80/a?b") == UpstreamClient.origin(of: "http://gov.example/c"))
        #expect(UpstreamClient.origin(of: "https://gov.example:443/a") == "https://gov.example")
        #expect(UpstreamClient.origin(of: "https://gov.example:80/a") != UpstreamClient.origin(of: "https://gov.example/a"))
        #expect(UpstreamClient.origin(of: "http://gov.example:8080/a") != UpstreamClient.origin(of: "http://gov.example/a"))
        #expect(UpstreamClient.origin(of: "https://gov.example/a") != UpstreamClient.origin(of: "http://gov.example/a"))
        #expect(UpstreamClient.origin(of: "http://user@[::1]:80/a") == "http://[::1]")
    }

    /// max_pages is a safety limit: reaching it before the last page fails, rather than let the
    /// slice pass as complete with records unread; a limit the data fits in is no error.
    @Test func maxPagesStopsRunawayPagingLoudly() async throws {
        await #expect { _ = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            paginate: { type: page_number, size: "5", max_pages: 2 }
            """) } throws: { "\($0)".contains("paginate.max_pages (2) reached before the last page") }
        let result = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            paginate: { type: page_number, size: "5", total: body.total, max_pages: 5 }
            """)
        #expect(result.ids == Array(0..<25))
    }

    /// A page whose records the stream's filter drops entirely is not the end of the data.
    @Test func aPageFilteredToNothingDoesNotStopPaging() async throws {
        let result = try await read("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            filter: "id >= `12`"
            paginate: { type: page_number, size: "5" }
            """)
        #expect(result.ids == Array(12..<25))
    }

    /// Without a cursor too, page numbers are positions: a record deleted upstream after an
    /// interrupted run would shift an unread one onto a page already read, so the stream is read
    /// again from its first page rather than resumed at the saved one.
    @Test func anInterruptedPageNumberStreamIsReadAgainFromItsStart() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("""
              path: /pages/number
              query: { page: "{{ page.number }}", size: "{{ page.size }}" }
            records: items
            paginate: { type: page_number, size: "10" }
            """)
        let all = try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
        let checkpoint = try #require(all.batches[0].checkpoint)
        #expect(checkpoint.value["current"]?["page"]?["number"] == 2)
        let rest = try await drained(try connector.source("base_url: \(server.url)", stream: "items"), after: checkpoint)
        #expect(rest.ids == Array(0..<25))
    }

    @Test func resumingMidStreamReadsTheRestOnly() async throws {
        let server = try await ScenarioServer.get()
        let connector = try Self.connector("""
              path: /pages/cursor
              query: { cursor: "{{ page.token }}" }
            records: results
            paginate: { type: cursor, next: body.next_cursor }
            """)
        let all = try await drained(try connector.source("base_url: \(server.url)", stream: "items"))
        let checkpoint = try #require(all.batches[1].checkpoint)
        #expect(checkpoint.value["current"]?["page"]?["token"] == "c-14")
        let rest = try await drained(try connector.source("base_url: \(server.url)", stream: "items"), after: checkpoint)
        #expect(rest.ids == Array(14..<25))
    }
}
