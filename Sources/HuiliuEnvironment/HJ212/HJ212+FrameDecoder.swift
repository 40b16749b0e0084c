extension HJ212 {
    /// Finds, verifies and parses frames in a byte stream, one call per frame.
    ///
    /// Built for a NIO `ByteToMessageDecoder`: hand it the readable bytes, move the reader
    /// index by `consumed`, and call again while it returns `.frame` or `.rejected`. Garbage
    /// and broken frames come back as `.rejected` with the bytes to skip, so the stream
    /// resynchronises on the next `##` instead of closing the connection.
    ///
    /// ```swift
    /// let decoder = HJ212.FrameDecoder()
    /// switch buffer.withUnsafeReadableBytes({ decoder.decode($0) }) {
    /// case .frame(let frame, let consumed): …
    /// case .rejected(let error, let consumed): …
    /// case .needMoreData: …
    /// }
    /// ```
    public struct FrameDecoder: Sendable {
        /// Limits and checks.
        public struct Configuration: Sendable {
            /// The largest declared data-segment length accepted. The default is 1024, the standard's limit.
            public var maximumDataLength = 1024
            /// Whether a CRC mismatch rejects the frame. The default is `true`; `false` lets a
            /// diagnostic tool show the content of a frame with a bad CRC.
            public var verifiesCRC = true

            /// The defaults.
            public init() {}
        }

        /// The outcome of one decoding step.
        public enum Step: Sendable {
            /// A verified frame, and the bytes it took.
            case frame(Frame, consumed: Int)
            /// The buffer holds only the beginning of a frame.
            case needMoreData
            /// Bytes that are not a valid frame, and how many to skip.
            case rejected(FrameError, consumed: Int)
        }

        /// Limits and checks.
        public var configuration: Configuration

        /// A decoder.
        public init(configuration: Configuration = Configuration()) {
            self.configuration = configuration
        }

        /// Decodes the frame at the start of `buffer`.
        /// - Parameters:
        ///   - buffer: the unread bytes.
        ///   - atEnd: true when no more bytes will come; an unfinished frame is then rejected.
        public func decode(_ buffer: UnsafeRawBufferPointer, atEnd: Bool = false) -> Step {
            let n = buffer.count
            guard n > 0 else { return .needMoreData }
            // A run of `#` is garbage up to its last two.
            if buffer[0] != Byte.hash || (n >= 2 && buffer[1] != Byte.hash) || (n >= 3 && buffer[2] == Byte.hash) {
                return skipGarbage(buffer, atEnd: atEnd)
            }
            guard n >= 6 else { return atEnd ? truncatedAtEnd(buffer, declared: nil) : .needMoreData }
            var declared = 0
            for k in 2..<6 {
                let digit = buffer[k] &- 48
                guard digit < 10 else {
                    let error = FrameError(.badLengthField, offset: 2, expected: "4 decimal digits",
                                           found: FrameError.excerpt(buffer, 2..<6),
                                           message: "length field is not 4 decimal digits: found '\(FrameError.excerpt(buffer, 2..<6))'")
                    return .rejected(error, consumed: resyncPoint(buffer, from: 1, atEnd: atEnd))
                }
                declared = declared * 10 + Int(digit)
            }
            guard declared <= configuration.maximumDataLength else {
                let error = FrameError(.lengthTooLarge, offset: 2, expected: "at most \(configuration.maximumDataLength)",
                                       found: String(declared),
                                       message: "declared data length \(declared) exceeds the maximum of \(configuration.maximumDataLength)")
                return .rejected(error, consumed: resyncPoint(buffer, from: 2, atEnd: atEnd))
            }
            let crcStart = 6 + declared
            // The declared trailer is trusted only if nothing ends the frame sooner: a CR LF or a
            // new header inside the data segment is what `locateEnd` finds when the frame arrives
            // in pieces, and the outcome must not depend on how the bytes were split.
            if n >= crcStart + 6, buffer[crcStart + 4] == Byte.cr, buffer[crcStart + 5] == Byte.lf,
               !Self.endsEarly(buffer, before: crcStart + 4) {
                guard (crcStart..<(crcStart + 4)).allSatisfy({ Byte.hexValue(buffer[$0]) != nil }) else {
                    let found = FrameError.excerpt(buffer, crcStart..<(crcStart + 4))
                    let error = FrameError(.badCRCField, offset: crcStart, expected: "4 hex digits", found: found,
                                           message: "CRC field is not 4 hex digits: found '\(found)'")
                    return .rejected(error, consumed: crcStart + 6)
                }
                return finish(buffer, declared: declared, crcStart: crcStart, deviations: [])
            }
            return locateEnd(buffer, declared: declared, atEnd: atEnd)
        }

        /// Decodes the frame starting at `offset` in `bytes`.
        public func decode(_ bytes: [UInt8], from offset: Int = 0, atEnd: Bool = false) -> Step {
            bytes.withUnsafeBytes { decode(UnsafeRawBufferPointer(rebasing: $0[offset...]), atEnd: atEnd) }
        }

        /// Decodes a complete input: every frame and every rejection, in order, each with the
        /// offset where it starts.
        public func decodeAll(_ bytes: [UInt8]) -> [(offset: Int, result: Result<Frame, FrameError>)] {
            var results: [(offset: Int, result: Result<Frame, FrameError>)] = []
            var offset = 0
            while offset < bytes.count {
                switch decode(bytes, from: offset, atEnd: true) {
                case .frame(let frame, let consumed):
                    results.append((offset, .success(frame)))
                    offset += consumed
                case .rejected(let error, let consumed):
                    results.append((offset, .failure(error)))
                    offset += max(consumed, 1)
                case .needMoreData:
                    return results
                }
            }
            return results
        }

        /// Verifies the CRC and parses a delimited frame.
        private func finish(_ buffer: UnsafeRawBufferPointer, declared: Int, crcStart: Int,
                            deviations: Deviations) -> Step {
            let frameEnd = crcStart + 6
            var declaredCRC: UInt16 = 0
            var lowercase = false
            for k in crcStart..<(crcStart + 4) {
                let b = buffer[k]
                declaredCRC = declaredCRC << 4 | UInt16(Byte.hexValue(b)!)
                if b >= UInt8(ascii: "a") { lowercase = true }
            }
            let segment = UnsafeRawBufferPointer(rebasing: buffer[6..<crcStart])
            let computed = HJ212.crc16(segment)
            if computed != declaredCRC && configuration.verifiesCRC {
                let given = FrameError.excerpt(buffer, crcStart..<(crcStart + 4))
                let error = FrameError(.crcMismatch, offset: crcStart, expected: Byte.hex4(computed), found: given,
                                       message: "CRC mismatch: frame says \(given), computed \(Byte.hex4(computed))")
                return .rejected(error, consumed: frameEnd)
            }
            do {
                var frame = try SegmentParser.parse(UnsafeRawBufferPointer(rebasing: buffer[..<crcStart]), start: 6)
                frame.declaredLength = declared
                frame.dataLength = segment.count
                frame.declaredCRC = declaredCRC
                frame.computedCRC = computed
                frame.deviations.formUnion(deviations)
                if lowercase { frame.deviations.insert(.lowercaseCRC) }
                return .frame(frame, consumed: frameEnd)
            } catch {
                return .rejected(error, consumed: frameEnd)
            }
        }

        /// The declared length does not lead to a trailer: find where the frame really ends
        /// (`&&` + CRC + CR LF) or where the next one begins, and say which check failed.
        private func locateEnd(_ buffer: UnsafeRawBufferPointer, declared: Int, atEnd: Bool) -> Step {
            let n = buffer.count
            let crcStart = 6 + declared
            var k = 2
            while k + 1 < n {
                let b = buffer[k]
                if b == Byte.hash, buffer[k + 1] == Byte.hash, Self.mayBeHeader(buffer, at: k) {
                    // `##0` at the end of what has arrived may yet turn out not to be a header.
                    if !atEnd && k + 6 > n { return .needMoreData }
                    return rejectBeforeHeader(buffer, declared: declared, header: k)
                }
                if b == Byte.cr, buffer[k + 1] == Byte.lf, k >= 12, buffer[k - 6] == Byte.amp, buffer[k - 5] == Byte.amp,
                   ((k - 4)..<k).allSatisfy({ Byte.hexValue(buffer[$0]) != nil }) {
                    let actualStart = k - 4
                    let segment = UnsafeRawBufferPointer(rebasing: buffer[6..<actualStart])
                    if Self.countsCharacters(segment, declared: declared) {
                        return finish(buffer, declared: declared, crcStart: actualStart, deviations: .lengthCountsCharacters)
                    }
                    let declaredText = FrameError.excerpt(buffer, 2..<6)
                    let error = FrameError(.lengthMismatch, offset: 2, expected: String(segment.count), found: declaredText,
                                           message: "length mismatch: frame says \(declaredText), data segment has \(segment.count) bytes")
                    return .rejected(error, consumed: k + 2)
                }
                k += 1
            }
            if atEnd { return truncatedAtEnd(buffer, declared: declared) }
            if n >= configuration.maximumDataLength + 12 {
                // The declared trailer position was inside the buffer and held no trailer, and no
                // frame end has appeared within the longest possible frame.
                let found = FrameError.excerpt(buffer, crcStart..<(crcStart + 6))
                let error = FrameError(.badTrailer, offset: crcStart, expected: "CRC and CR LF", found: found,
                                       message: "no CRC and CR LF after the declared \(declared)-byte data segment: found '\(found)'")
                return .rejected(error, consumed: resyncPoint(buffer, from: 2, atEnd: false))
            }
            return .needMoreData
        }

        /// A new `##` begins before this frame's trailer: the frame was cut short, or its trailer is broken.
        private func rejectBeforeHeader(_ buffer: UnsafeRawBufferPointer, declared: Int, header: Int) -> Step {
            let crcStart = 6 + declared
            if header >= crcStart + 4 {
                let found = FrameError.excerpt(buffer, crcStart..<min(crcStart + 6, header))
                let error = FrameError(.badTrailer, offset: crcStart, expected: "CRC and CR LF", found: found,
                                       message: "no CRC and CR LF after the declared \(declared)-byte data segment: found '\(found)'")
                return .rejected(error, consumed: header)
            }
            let error = FrameError(.truncated, offset: header, expected: "\(declared)-byte data segment",
                                   found: "\(max(header - 6, 0)) bytes",
                                   message: "frame truncated: a new '##' starts at offset \(header), inside the declared \(declared)-byte data segment")
            return .rejected(error, consumed: header)
        }

        private func truncatedAtEnd(_ buffer: UnsafeRawBufferPointer, declared: Int?) -> Step {
            let n = buffer.count
            let needed = declared.map { "\($0 + 12) bytes" } ?? "at least 12 bytes"
            let error = FrameError(.truncated, offset: n, expected: needed, found: "\(n) bytes",
                                   message: "frame truncated: input ends after \(n) bytes, the frame needs \(needed)")
            return .rejected(error, consumed: n)
        }

        private func skipGarbage(_ buffer: UnsafeRawBufferPointer, atEnd: Bool) -> Step {
            let consumed = resyncPoint(buffer, from: 1, atEnd: atEnd)
            guard consumed > 0 else { return .needMoreData }
            let found = FrameError.excerpt(buffer, 0..<min(consumed, 16))
            let error = FrameError(.garbage, offset: 0, expected: "##", found: found,
                                   message: "no frame header: expected '##', found '\(found)' (\(consumed) bytes skipped)")
            return .rejected(error, consumed: consumed)
        }

        /// Where to resume after a rejection: the next `##` at or after `from` (the last two of
        /// a run of `#`), else the end (keeping a final `#`, which may begin the next header).
        private func resyncPoint(_ buffer: UnsafeRawBufferPointer, from: Int, atEnd: Bool) -> Int {
            let n = buffer.count
            var k = from
            while k + 1 < n {
                if buffer[k] == Byte.hash && buffer[k + 1] == Byte.hash && (k + 2 == n || buffer[k + 2] != Byte.hash) {
                    return k
                }
                k += 1
            }
            if !atEnd, n > 0, buffer[n - 1] == Byte.hash { return n - 1 }
            return n
        }

        /// True if a CR LF or a possible header (`##` and digits) occurs in `buffer[2..<end]`.
        private static func endsEarly(_ buffer: UnsafeRawBufferPointer, before end: Int) -> Bool {
            var k = 2
            while k + 1 < end {
                let b = buffer[k]
                if b == Byte.cr, buffer[k + 1] == Byte.lf { return true }
                if b == Byte.hash, buffer[k + 1] == Byte.hash, mayBeHeader(buffer, at: k) { return true }
                k += 1
            }
            return false
        }

        /// True if `##` at `k` is followed by digits as far as the buffer goes, so it can be a
        /// header rather than `##` inside text.
        private static func mayBeHeader(_ buffer: UnsafeRawBufferPointer, at k: Int) -> Bool {
            var j = k + 2
            while j < min(k + 6, buffer.count) {
                guard buffer[j] &- 48 < 10 else { return false }
                j += 1
            }
            return true
        }

        /// True if a segment with UTF-8 text has `declared` characters (Unicode scalars or
        /// UTF-16 units), which some senders count instead of bytes.
        private static func countsCharacters(_ segment: UnsafeRawBufferPointer, declared: Int) -> Bool {
            var scalars = 0
            var utf16 = 0
            var nonASCII = false
            for b in segment {
                if b & 0xC0 != 0x80 { scalars += 1; utf16 += 1 }
                if b >= 0xF0 { utf16 += 1 }
                if b >= 0x80 { nonASCII = true }
            }
            return nonASCII && (scalars == declared || utf16 == declared)
        }
    }
}

/// Byte constants and tiny helpers shared by the codec.
enum Byte {
    static let hash = UInt8(ascii: "#")
    static let amp = UInt8(ascii: "&")
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let semicolon = UInt8(ascii: ";")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let dash = UInt8(ascii: "-")
    static let slash = UInt8(ascii: "/")

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// Four upper-case hex digits, as frames carry a CRC.
    static func hex4(_ value: UInt16) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        let bytes = [digits[Int(value >> 12)], digits[Int(value >> 8 & 0xF)], digits[Int(value >> 4 & 0xF)],
                     digits[Int(value & 0xF)]]
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b &- 0x30) < 10 || ((b | 0x20) &- 0x61) < 26
    }
}
