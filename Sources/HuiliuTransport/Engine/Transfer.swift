import CCurl
import Glibc
import Synchronization

/// One request in flight: its easy handle, its parsed head, and whoever waits for it.
///
/// Everything but `cancelled` is touched only on the loop thread once the transfer has been
/// submitted; before that, only by the submitting task.
final class Transfer: @unchecked Sendable {
    typealias ResponseContinuation = CheckedContinuation<Result<HTTPResponse, TransportError>, Never>
    typealias HeadContinuation = CheckedContinuation<Result<HTTPResponseHead, TransportError>, Never>

    let plan: TransferPlan
    let loop: CurlLoop
    private let cancelled = Atomic(false)

    /// Set for ``HTTPClient/execute(_:)``: resumed once, with the collected response.
    var responseContinuation: ResponseContinuation?
    /// Set for ``HTTPClient/stream(_:)``: resumed once the final head is known.
    var headContinuation: HeadContinuation?
    /// Set for streaming: receives the body.
    var bodyBuffer: BodyBuffer?

    // Loop-thread state.
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    var status = 0
    var reason = ""
    var httpVersion = ""
    var headers = HTTPHeaders()
    var redirectsSeen = 0
    var headDelivered = false
    var body: [UInt8] = []
    /// A failure detected in a callback, reported instead of libcurl's generic write error.
    var callbackFailure: TransportError?
    /// Set once a connection was established or reused, to tell connect timeouts from others.
    var connected = false
    private var finished = false

    /// `HUILIU_CURL_VERBOSE=1` makes libcurl trace every transfer to standard error, for debugging.
    static let verbose = getenv("HUILIU_CURL_VERBOSE").map { String(cString: $0) == "1" } ?? false

    init(plan: TransferPlan, loop: CurlLoop) {
        self.plan = plan
        self.loop = loop
        errorBuffer[0] = 0
    }

    deinit {
        errorBuffer.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Asks the loop to abort the transfer; safe from any thread, any number of times.
    func cancel() {
        if cancelled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            loop.submit(.cancel(self))
        }
    }

    /// Asks the loop to unpause the transfer after back-pressure.
    func resume() {
        loop.submit(.resume(self))
    }

    // MARK: loop thread

    /// Applies the plan and the callbacks to `handle`.
    func attach(to handle: UnsafeMutableRawPointer) throws(TransportError) {
        easy = handle
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        try check(ccurl_easy_setopt_write_function(handle, Transfer.writeCallback))
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, me))
        try check(ccurl_easy_setopt_header_function(handle, Transfer.headerCallback))
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, me))
        try check(ccurl_easy_setopt_prereq_function(handle, Transfer.connectedCallback))
        try check(ccurl_easy_setopt_pointer(handle, CURLOPT_PREREQDATA, me))
        // Bigger reads mean fewer callbacks and syscalls per page; libcurl's default is 16 KiB.
        try check(ccurl_easy_setopt_long(handle, CURLOPT_BUFFERSIZE, 256 * 1024))
        if Transfer.verbose { _ = ccurl_easy_setopt_long(handle, CURLOPT_VERBOSE, 1) }
        for setting in plan.settings {
            switch setting {
            case .long(let option, let value):
                try check(ccurl_easy_setopt_long(handle, option, value), option)
            case .string(let option, let value):
                try check(ccurl_easy_setopt_string(handle, option, value), option)
            case .offset(let option, let value):
                try check(ccurl_easy_setopt_off_t(handle, option, curl_off_t(value)), option)
            case .postFields(let bytes):
                let code = bytes.isEmpty
                    ? ccurl_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                    : bytes.withUnsafeBytes { ccurl_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
                try check(code, CURLOPT_COPYPOSTFIELDS)
            }
        }
        if !plan.headerLines.isEmpty {
            for line in plan.headerLines {
                guard let list = curl_slist_append(headerList, line) else {
                    throw TransportError(.other, url: plan.url, message: "out of memory building headers")
                }
                headerList = list
            }
            try check(ccurl_easy_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)))
        }
    }

    private func check(_ code: CURLcode, _ option: CURLoption? = nil) throws(TransportError) {
        guard code != CURLE_OK else { return }
        let what = option.map { "option \($0.rawValue): " } ?? ""
        throw TransportError(.invalidRequest, url: plan.url, message: what + String(cString: curl_easy_strerror(code)))
    }

    /// Delivers the outcome; `code` is libcurl's, or `nil` with `error` for failures outside it.
    func finish(code: CURLcode?, error: TransportError? = nil) {
        guard !finished else { return }
        finished = true
        let metrics = easy.map(Transfer.metrics(of:)) ?? TransferMetrics()
        var failure = error
        if failure == nil, let code, code != CURLE_OK {
            failure = callbackFailure ?? TransportError(curl: code, detail: String(cString: errorBuffer), url: plan.url,
                                                        connected: connected, proxy: plan.proxyURL)
        }
        if let continuation = responseContinuation {
            responseContinuation = nil
            if let failure {
                continuation.resume(returning: .failure(failure))
            } else {
                var response = HTTPResponse(head: makeHead(), body: body, metrics: metrics)
                if plan.kind == .file, let easy { response.remoteFile = Transfer.remoteFile(of: easy) }
                continuation.resume(returning: .success(response))
            }
        }
        if !headDelivered, let continuation = headContinuation {
            headDelivered = true
            headContinuation = nil
            continuation.resume(returning: failure.map { .failure($0) } ?? .success(makeHead()))
        }
        if let buffer = bodyBuffer {
            bodyBuffer = nil
            buffer.finish(failure.map { .failure($0) } ?? .success(metrics))
        }
        body = []
        easy = nil
    }

    func makeHead() -> HTTPResponseHead {
        var code = status
        if code == 0, let easy {
            var value = 0
            _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &value)
            code = value
        }
        return HTTPResponseHead(status: code, reason: reason, headers: headers, url: effectiveURL, httpVersion: httpVersion)
    }

    private var effectiveURL: String {
        var pointer: UnsafeMutablePointer<CChar>?
        guard let easy, ccurl_easy_getinfo_string(easy, CURLINFO_EFFECTIVE_URL, &pointer) == CURLE_OK, let pointer else {
            return plan.url
        }
        return String(cString: pointer)
    }

    static func remoteFile(of easy: UnsafeMutableRawPointer) -> RemoteFileAttributes {
        var time: curl_off_t = -1
        var length: curl_off_t = -1
        _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_FILETIME_T, &time)
        _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length)
        return RemoteFileAttributes(size: length >= 0 ? Int64(length) : nil, modified: time >= 0 ? Int64(time) : nil)
    }

    static func metrics(of easy: UnsafeMutableRawPointer) -> TransferMetrics {
        func time(_ info: CURLINFO) -> Duration {
            var value: curl_off_t = 0
            _ = ccurl_easy_getinfo_off_t(easy, info, &value)
            return .microseconds(value)
        }
        func count(_ info: CURLINFO) -> Int {
            var value = 0
            _ = ccurl_easy_getinfo_long(easy, info, &value)
            return value
        }
        var m = TransferMetrics()
        m.nameLookup = time(CURLINFO_NAMELOOKUP_TIME_T)
        m.connect = time(CURLINFO_CONNECT_TIME_T)
        m.tlsHandshake = time(CURLINFO_APPCONNECT_TIME_T)
        m.firstByte = time(CURLINFO_STARTTRANSFER_TIME_T)
        m.total = time(CURLINFO_TOTAL_TIME_T)
        m.redirectCount = count(CURLINFO_REDIRECT_COUNT)
        m.connectionsOpened = count(CURLINFO_NUM_CONNECTS)
        var size: curl_off_t = 0
        _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_SIZE_DOWNLOAD_T, &size)
        m.bytesReceived = Int64(size)
        return m
    }
}
