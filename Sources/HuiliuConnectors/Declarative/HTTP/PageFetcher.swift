import HuiliuCore
import Logging

/// Pages of one slice, in order. When the next page is known in advance (page numbers,
/// offsets) up to `window` requests are in flight while earlier pages are processed; when
/// it comes from the response (tokens, next URLs, `Link`), the next request leaves as soon
/// as the current response has been read, before its records are mapped.
final class PageFetcher {
    let runtime: HTTPStreamRuntime
    let base: Object
    let slice: CursorSlice?
    let window: Int
    private var pending: [Task<FetchedPage, any Error>] = []
    private var upcoming: PageState?
    private var lastIndex: Int?
    private var sawFirst = false
    /// The records of the page before, to notice a server that ignores the paging parameter.
    private var previousRecords: [Value] = []
    /// The total the first page of this pass over the slice gave, and how often a fall made it start over.
    private var total: Int?
    private var restarts = 0
    /// Passes over a slice whose total keeps changing before the run fails.
    static let maxRestarts = 3

    init(runtime: HTTPStreamRuntime, base: Object, slice: CursorSlice?, start: PageState) {
        self.runtime = runtime
        self.base = base
        self.slice = slice
        self.window = runtime.http.pagination.isPredictable ? max(1, runtime.http.concurrency) : 1
        upcoming = start
    }

    deinit {
        cancel()
    }

    /// The next page and where to resume after it (`nil` once the slice is complete), or `nil` at the end.
    func next() async throws -> (page: FetchedPage, resume: PageState?)? {
        fill()
        guard !pending.isEmpty else { return nil }
        let task = pending.removeFirst()
        let page: FetchedPage
        do {
            // The request is a task of its own (pages ahead are fetched beside this one): a read
            // cancelled (a run stopped) cancels it, or it would wait out the upstream's answer
            // and its retries, holding up the daemon's shutdown for minutes.
            page = try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
        } catch {
            cancel()
            throw error
        }
        let pagination = runtime.http.pagination
        if pagination.type != .none, page.page.index > 0, !page.records.isEmpty, page.records == previousRecords {
            // A server that ignores the page, offset or cursor sends the first page for ever:
            // paged on, the run would deliver it again and again (or, with a total, pass for complete).
            cancel()
            throw ManifestRuntimeError("""
                \(page.origin): the same \(page.records.count) records as the page before: the server ignores the paging \
                parameter (check paginate and where the request puts page.*); stopped rather than read that page again
                """)
        }
        if pagination.isPredictable, let given = page.total, restarts <= Self.maxRestarts {
            // Fewer records than the pass's first page said: one left the slice, and those after
            // it moved up a position, one of them onto a page already read. (More only moves
            // records later: a record read twice, which event ids keep single. Compared with the
            // first page, not the one before: pages fetched side by side are answered in any order.)
            if let total {
                if given < total, let restarted = try restart(after: page, from: total, to: given) { return restarted }
            } else {
                total = given
            }
        }
        previousRecords = page.records
        var stop = page.ignored || page.stop
        var resume: PageState?
        let atLimit = pagination.maxPages.map { page.page.index + 1 >= $0 } ?? false
        if pagination.isPredictable {
            sawFirst = true
            if page.received == 0 { stop = true }
            if let total = page.total, let size = runtime.pageSize, size > 0 {
                let consumed = pagination.type == .offset ? page.page.offset - pagination.start + size : (page.page.index + 1) * size
                lastIndex = page.page.index + (consumed >= total ? 0 : (total - consumed + size - 1) / size)
                if consumed >= total { stop = true }
            }
            resume = stop ? nil : page.page.advanced(size: runtime.pageSize ?? page.received)
        } else if pagination.type != .none {
            // An API that hands out a cursor with an empty page, or after the total it
            // announced, would otherwise be paged until max_pages.
            if page.received == 0 { stop = true }
            if let total = page.total, page.page.offset + page.received >= total { stop = true }
        }
        // The next token or URL a response-driven style found, unless it points back at this page.
        let next = pagination.isPredictable || pagination.type == .none ? nil
            : page.next.flatMap { !$0.isEmpty && $0 != page.page.token && $0 != page.page.url ? $0 : nil }
        if next == nil, !stop, page.received > 0, let repeated = page.next, !repeated.isEmpty {
            // Some APIs end so; a broken one loops. Either way what follows is not read: say so.
            runtime.upstream.logger.warning("the next page given is this page again; taken as the last page", metadata: [
                "stream": "\(runtime.upstream.connector)/\(runtime.upstream.stream)", "page": "\(page.origin)",
            ])
        }
        if atLimit && !stop && (pagination.isPredictable || next != nil) {
            // A safety limit that cuts a slice short must not pass for its end: the cursor
            // would move past records never read.
            cancel()
            throw ManifestRuntimeError("\(page.origin): paginate.max_pages (\(pagination.maxPages!)) reached before the last page; "
                + "raise it, or page less per slice (incremental.step)")
        }
        if let next, !stop {
            let isURL = pagination.type != .cursor
            resume = PageState(index: page.page.index + 1, number: page.page.number + 1, offset: page.page.offset + page.received,
                               token: isURL ? nil : next, url: isURL ? next : nil)
            upcoming = resume
        }
        if pagination.type == .none { stop = true }
        if stop || resume == nil {
            cancel()
            upcoming = nil
            resume = nil
        }
        fill()
        return (page, resume)
    }

    /// Starts the slice over after `page` gave another total than the pages before: records
    /// entered or left the slice while it was paged, and since pages are positions, a record
    /// may have moved onto a page already read and never be delivered. `page`'s own records
    /// are delivered (upserting sinks keep them once); the slice resumes at its first page.
    /// `nil` when it gives up on a stream without a cursor, whose next run reads everything again anyway.
    private func restart(after page: FetchedPage, from old: Int, to new: Int) throws -> (page: FetchedPage, resume: PageState?)? {
        restarts += 1
        guard restarts <= Self.maxRestarts else {
            guard slice != nil else {
                runtime.upstream.logger.warning(
                    "the total fell from \(old) to \(new) while paging, again: this read may miss a record that moved; the next run reads it all again",
                    metadata: ["stream": "\(runtime.upstream.connector)/\(runtime.upstream.stream)", "page": "\(page.origin)"])
                return nil
            }
            cancel()
            throw ManifestRuntimeError("""
                \(page.origin): the total fell from \(old) to \(new) while the pages were read, \(Self.maxRestarts + 1) times: \
                records leave the slice faster than it is read, so a page read may miss one; stopped, and the next run \
                reads the slice again. A shorter incremental.step, or a cursor paging style, keeps a read ahead of changes
                """)
        }
        cancel()
        runtime.upstream.logger.notice(
            "the total fell from \(old) to \(new) while paging: records moved, and positions with them; the slice is read again from its first page",
            metadata: ["stream": "\(runtime.upstream.connector)/\(runtime.upstream.stream)", "page": "\(page.origin)"])
        let first = PageState.first(runtime.http.pagination)
        total = nil
        lastIndex = nil
        sawFirst = false
        previousRecords = []
        upcoming = first
        fill()
        return (page, first)
    }

    /// Starts requests up to the window.
    private func fill() {
        let limit = sawFirst ? window : 1
        while pending.count < limit, let state = upcoming {
            if let lastIndex, state.index > lastIndex {
                upcoming = nil
                break
            }
            let runtime = self.runtime, base = self.base, slice = self.slice
            pending.append(Task { try await runtime.fetch(state, base: base, slice: slice) })
            upcoming = runtime.http.pagination.isPredictable ? state.advanced(size: runtime.pageSize ?? 0) : nil
        }
    }

    /// Abandons pages fetched ahead.
    func cancel() {
        for task in pending { task.cancel() }
        pending.removeAll()
    }
}
