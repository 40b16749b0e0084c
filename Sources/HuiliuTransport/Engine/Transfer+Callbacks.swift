import CCurl

extension Transfer {
    typealias Callback = @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int

    static let writeCallback: Callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
    }

    static let headerCallback: Callback = { data, size, count, context in
        let transfer = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
        if transfer.plan.kind == .http {
            transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        return size * count
    }

    /// Called by libcurl once a connection is established or reused, just before the request goes out.
    static let connectedCallback: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?,
                                                  UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32 = { context, _, _, _, _ in
        Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue().connected = true
        return 0  // CURL_PREREQFUNC_OK
    }

    /// Takes body bytes: appends them, hands them to the stream, or pauses the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if let buffer = bodyBuffer {
            if !headDelivered { deliverHead() }
            return buffer.offer(bytes) ? bytes.count : ccurl_writefunc_pause()
        }
        guard responseContinuation != nil else { return 0 }
        if body.count + bytes.count > plan.maximumBodySize {
            callbackFailure = TransportError(.bodyTooLarge, url: plan.url,
                                             message: "body exceeds \(plan.maximumBodySize) bytes; stream it instead")
            return 0
        }
        // Typed, so the append is one memcpy rather than a byte-by-byte sequence copy.
        body.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        return bytes.count
    }

    /// Parses one header line, as libcurl hands them over: status lines, fields, blank ends.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        var line = raw[...]
        while let last = line.last, last == 10 || last == 13 { line = line.dropLast() }
        if line.isEmpty {
            endOfHeaderBlock()
        } else if line.starts(with: "HTTP/".utf8) {
            parseStatusLine(line)
        } else if line.first == 32 || line.first == 9 {
            headers.appendToLastValue(String(Self.text(line).trimmingSpaces))
        } else if let colon = line.firstIndex(of: 58) {
            let name = Self.text(line[..<colon])
            let value = Self.text(line[(colon + 1)...]).trimmingSpaces
            headers.add(name: name, value: String(value))
        }
    }

    private func parseStatusLine(_ line: Slice<UnsafeRawBufferPointer>) {
        // A new block: a redirect, an interim 1xx, or the final response. Only the last counts.
        headers.removeAll()
        let parts = line.split(separator: 32, maxSplits: 2, omittingEmptySubsequences: true)
        httpVersion = parts.first.map { Self.text($0.dropFirst(5)) } ?? ""
        status = parts.count > 1 ? Int(Self.text(parts[1])) ?? 0 : 0
        reason = parts.count > 2 ? Self.text(parts[2]) : ""
    }

    private func endOfHeaderBlock() {
        if (100...199).contains(status) && status != 101 { return }
        if plan.followRedirects, (300...399).contains(status), headers.contains("Location"),
            redirectsSeen < plan.maximumRedirects {
            redirectsSeen += 1
            return
        }
        if responseContinuation != nil, headers["Content-Encoding"] == nil,
            let length = headers["Content-Length"].flatMap({ Int($0) }), length <= plan.maximumBodySize {
            body.reserveCapacity(length)
        }
        if bodyBuffer != nil && !headDelivered { deliverHead() }
    }

    func deliverHead() {
        headDelivered = true
        guard let continuation = headContinuation else { return }
        headContinuation = nil
        continuation.resume(returning: .success(makeHead()))
    }

    /// UTF-8 when valid, else Latin-1, so legacy (GBK) header bytes survive unmangled.
    static func text(_ bytes: some Collection<UInt8>) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
