/// A response body as an asynchronous sequence of byte chunks, with back-pressure.
///
/// While the consumer is more than about a megabyte behind, the transfer is paused (libcurl's
/// `CURL_WRITEFUNC_PAUSE`), so a multi-gigabyte export never sits in memory. Iterate once, from
/// one task. Dropping the body, or cancelling the iterating task, aborts the transfer.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = TransportError

    let handle: BodyHandle

    init(buffer: BodyBuffer, owner: any AnyObject & Sendable) {
        handle = BodyHandle(buffer: buffer, owner: owner)
    }

    /// Iterates the chunks as they arrive.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: BodyHandle

        public mutating func next() async throws(TransportError) -> [UInt8]? {
            try await handle.buffer.next().get()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(TransportError) -> [UInt8]? {
            try await handle.buffer.next().get()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: handle)
    }

    /// Reads the rest of the body into one array, failing with ``TransportError/Code/bodyTooLarge``
    /// past `limit` bytes.
    public func collect(upTo limit: Int = 256 << 20) async throws(TransportError) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() {
            if bytes.count + chunk.count > limit {
                handle.buffer.abandon()
                throw TransportError(.bodyTooLarge, url: handle.buffer.url, message: "body exceeds \(limit) bytes")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Aborts the transfer; a pending or later `next()` throws ``TransportError/Code/cancelled``.
    public func cancel() {
        handle.buffer.abandon()
    }

    /// Timing and connection facts, once the body has been read to its end; `nil` before.
    public var metrics: TransferMetrics? {
        handle.buffer.metrics
    }

    /// The most bytes that ever waited between the transfer and the reader at once.
    public var peakBuffered: Int {
        handle.buffer.peakBuffered
    }
}

/// Owned only by the consumer side, so its end of life means nobody will read the body.
final class BodyHandle: Sendable {
    let buffer: BodyBuffer
    /// The client, kept alive while its body is being read: releasing it stops the transfer loop.
    private let owner: any AnyObject & Sendable

    init(buffer: BodyBuffer, owner: any AnyObject & Sendable) {
        self.buffer = buffer
        self.owner = owner
    }

    deinit {
        buffer.abandon()
    }
}
