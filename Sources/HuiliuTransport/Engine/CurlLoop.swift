import CCurl
import Foundation

/// One thread driving libcurl's multi interface for many concurrent transfers.
///
/// Other threads only enqueue commands and wake the loop with `curl_multi_wakeup`; every easy
/// and multi handle call happens on the loop thread, which is how libcurl wants to be used.
/// Connections stay in the multi handle's cache between transfers, so sequential requests to
/// one host reuse a kept-alive connection (or multiplex over one HTTP/2 connection).
final class CurlLoop: Sendable {
    enum Command: Sendable {
        case add(Transfer)
        case cancel(Transfer)
        case resume(Transfer)
    }

    struct Limits: Sendable {
        var connectionCacheSize = 32
        var maximumConnectionsPerHost = 0
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
        /// The loop is in (or about to enter) `curl_multi_poll` and needs a wakeup to see commands.
        var polling = false
        /// Set by the loop thread just before it frees the multi handle: from then on nobody may wake it.
        var closed = false
    }

    private let multi: MultiHandle
    private let inbox = Locked(Inbox())
    private let state = LoopState()

    init(limits: Limits = Limits()) {
        CurlGlobal.ensureInitialized()
        multi = MultiHandle(pointer: curl_multi_init())
        _ = ccurl_multi_setopt_long(multi.pointer, CURLMOPT_MAXCONNECTS, limits.connectionCacheSize)
        _ = ccurl_multi_setopt_long(multi.pointer, CURLMOPT_MAX_HOST_CONNECTIONS, limits.maximumConnectionsPerHost)
        let thread = Thread { [self] in run() }
        thread.name = "huiliu-curl"
        thread.start()
    }

    /// Enqueues `command`; after shutdown, an added transfer fails at once.
    func submit(_ command: Command) {
        let accepted = inbox.withLock { inbox -> Bool in
            guard !inbox.stopping && !inbox.closed else { return false }
            inbox.commands.append(command)
            // Wake the loop only when it sleeps; a busy loop sees the command on its next turn.
            if inbox.polling {
                inbox.polling = false
                curl_multi_wakeup(multi.pointer)
            }
            return true
        }
        if !accepted, case .add(let transfer) = command {
            transfer.finish(code: nil, error: TransportError(.cancelled, url: transfer.plan.url, message: "the HTTP client was shut down"))
        }
    }

    /// Aborts every transfer and ends the thread.
    func stop() {
        inbox.withLock { inbox in
            guard !inbox.stopping && !inbox.closed else { return }
            inbox.stopping = true
            inbox.polling = false
            curl_multi_wakeup(multi.pointer)
        }
    }

    // MARK: loop thread

    private func run() {
        var running: Int32 = 0
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return (inbox.commands, inbox.stopping)
            }
            for command in commands { handle(command) }
            if stopping { break }
            _ = curl_multi_perform(multi.pointer, &running)
            collectFinished()
            let idle = inbox.withLock { inbox in
                inbox.polling = inbox.commands.isEmpty && !inbox.stopping
                return inbox.polling
            }
            guard idle else { continue }
            var ready: Int32 = 0
            // libcurl shortens the wait to its own next timeout; 1 s bounds it otherwise.
            _ = curl_multi_poll(multi.pointer, nil, 0, 1000, &ready)
            inbox.withLock { $0.polling = false }
        }
        shutDown()
    }

    private func handle(_ command: Command) {
        switch command {
        case .add(let transfer):
            start(transfer)
        case .cancel(let transfer):
            guard let easy = transfer.easy, state.active.removeValue(forKey: easy) != nil else { return }
            curl_multi_remove_handle(multi.pointer, easy)
            transfer.finish(code: nil, error: TransportError(.cancelled, url: transfer.plan.url, message: "the transfer was cancelled"))
            release(easy)
        case .resume(let transfer):
            guard let easy = transfer.easy, state.active[easy] != nil else { return }
            _ = ccurl_easy_unpause(easy)
        }
    }

    private func start(_ transfer: Transfer) {
        if transfer.isCancelled {
            transfer.finish(code: nil, error: TransportError(.cancelled, url: transfer.plan.url, message: "the transfer was cancelled"))
            return
        }
        guard let easy = curl_easy_init() else {
            transfer.finish(code: nil, error: TransportError(.other, url: transfer.plan.url, message: "curl_easy_init failed"))
            return
        }
        do {
            try transfer.attach(to: easy)
        } catch {
            transfer.finish(code: nil, error: error)
            release(easy)
            return
        }
        let code = curl_multi_add_handle(multi.pointer, easy)
        guard code == CURLM_OK else {
            transfer.finish(code: nil, error: TransportError(.other, url: transfer.plan.url, message: String(cString: curl_multi_strerror(code))))
            release(easy)
            return
        }
        state.active[easy] = transfer
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi.pointer, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = state.active.removeValue(forKey: easy) else { continue }
            curl_multi_remove_handle(multi.pointer, easy)
            transfer.finish(code: code)
            release(easy)
        }
    }

    private func release(_ easy: UnsafeMutableRawPointer) {
        // Not pooled with curl_easy_reset: libcurl 7.88 intermittently failed a reused handle
        // with CURLE_BAD_FUNCTION_ARGUMENT right after it carried an HTTP/2 stream (about one
        // run in ten of HTTP2Tests; none in 30 without pooling), and pooling gained nothing
        // measurable. Connections and the DNS cache live in the multi handle either way.
        curl_easy_cleanup(easy)
    }

    private func shutDown() {
        let leftover = inbox.withLock { inbox in
            inbox.closed = true
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
        let error = { (url: String) in TransportError(.cancelled, url: url, message: "the HTTP client was shut down") }
        for case .add(let transfer) in leftover {
            transfer.finish(code: nil, error: error(transfer.plan.url))
        }
        for (easy, transfer) in state.active {
            curl_multi_remove_handle(multi.pointer, easy)
            transfer.finish(code: nil, error: error(transfer.plan.url))
            curl_easy_cleanup(easy)
        }
        state.active.removeAll()
        curl_multi_cleanup(multi.pointer)
    }
}

/// The multi handle; libcurl documents `curl_multi_wakeup` as callable from any thread.
private struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init(pointer: UnsafeMutableRawPointer?) {
        guard let pointer else { fatalError("curl_multi_init failed") }
        self.pointer = pointer
    }
}

/// State only the loop thread touches.
private final class LoopState: @unchecked Sendable {
    var active: [UnsafeMutableRawPointer: Transfer] = [:]
}

/// `curl_global_init`, exactly once per process, before any handle exists.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    static func ensureInitialized() {
        precondition(initialized, "curl_global_init failed")
    }
}
