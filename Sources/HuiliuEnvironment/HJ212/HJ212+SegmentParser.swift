extension HJ212 {
    /// Parses a data segment (`QN=…;ST=…;…;CP=&&…&&`) into a ``Frame``. It reads the frame
    /// from `##` up to the CRC, so positions and error offsets count from the frame's start.
    struct SegmentParser {
        /// The frame up to the end of the data segment.
        let bytes: UnsafeRawBufferPointer
        /// Where the data segment begins (6, after `##` and the length).
        let start: Int
        var deviations: Deviations = []
        /// The byte range and measurement index of the last code seen in the data area.
        var lastCode: (range: Range<Int>, index: Int)?

        static func parse(_ bytes: UnsafeRawBufferPointer, start: Int) throws(FrameError) -> Frame {
            var parser = SegmentParser(bytes: bytes, start: start)
            return try parser.parse()
        }

        /// The header fields of table 3, in their order. PNUM and PNO share a rank because
        /// devices write them either way round.
        enum HeaderField: Int {
            case qn, st, cn, pw, mn, flag, pnum, pno, cp

            var name: String {
                ["QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", "CP"][rawValue]
            }

            var rank: Int { self == .pno ? HeaderField.pnum.rawValue : rawValue }
        }

        /// The header field named by `range`, compared byte by byte (no string is made).
        private func headerField(_ range: Range<Int>) -> HeaderField? {
            let a = bytes[range.lowerBound]
            switch range.count {
            case 2:
                let b = bytes[range.lowerBound + 1]
                switch (a, b) {
                case (0x51, 0x4E): return .qn  // QN
                case (0x53, 0x54): return .st  // ST
                case (0x43, 0x4E): return .cn  // CN
                case (0x50, 0x57): return .pw  // PW
                case (0x4D, 0x4E): return .mn  // MN
                case (0x43, 0x50): return .cp  // CP
                default: return nil
                }
            case 3: return matches(range, "PNO") ? .pno : nil
            case 4: return matches(range, "Flag") ? .flag : matches(range, "PNUM") ? .pnum : nil
            default: return nil
            }
        }

        /// True if the bytes in `range` spell `literal`.
        func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let pointer = literal.utf8Start
            for k in 0..<range.count where bytes[range.lowerBound + k] != pointer[k] { return false }
            return true
        }

        private mutating func parse() throws(FrameError) -> Frame {
            let n = bytes.count
            var qn: String?, st: String?, cn: String?, pw: String?, mn: String?
            var flag: Int?, pnum: Int?, pno: Int?
            var seen: UInt16 = 0
            var last: HeaderField?
            var pos = start
            var dataStart = -1
            while dataStart < 0 {
                guard pos < n else {
                    throw FrameError(.missingField, offset: pos, expected: "CP=&&…&&", found: "end of data segment",
                                     message: "missing field CP: the data segment ends at offset \(pos) without a data area")
                }
                guard let eq = find(Byte.equals, from: pos, stopAt: Byte.semicolon), eq > pos else {
                    let found = excerpt(pos..<(find(Byte.semicolon, from: pos, stopAt: nil) ?? n))
                    throw FrameError(.unexpectedField, offset: pos, expected: "NAME=VALUE", found: found,
                                     message: "expected a NAME=VALUE header field at offset \(pos), found '\(found)'")
                }
                guard let field = headerField(pos..<eq) else {
                    let name = text(pos..<eq)
                    throw FrameError(.unexpectedField, offset: pos, expected: "QN, ST, CN, PW, MN, Flag, PNUM, PNO or CP",
                                     found: name, message: "unknown header field '\(name)' at offset \(pos)")
                }
                let name = field.name
                guard seen & (1 << field.rawValue) == 0 else { throw duplicate(name, at: pos) }
                seen |= 1 << field.rawValue
                if let last, field.rank < last.rank {
                    throw FrameError(.unexpectedField, offset: pos, expected: "'\(name)' before '\(last.name)'", found: name,
                                     message: "header field '\(name)' at offset \(pos) is out of order: it belongs before '\(last.name)'")
                }
                if field == .cp {
                    dataStart = eq + 1
                    break
                }
                let valueEnd = find(Byte.semicolon, from: eq + 1, stopAt: nil) ?? n
                if valueEnd == n {
                    throw FrameError(.missingField, offset: n, expected: "CP=&&…&&", found: "end of data segment",
                                     message: "missing field CP: the data segment ends after '\(name)' without a data area")
                }
                let value = (eq + 1)..<valueEnd
                switch field {
                case .qn:
                    guard value.count == 17, Timestamp.parse(slice(value)) != nil else {
                        throw invalid("QN", value, expected: "17 digits YYYYMMDDhhmmsszzz")
                    }
                    qn = text(value)
                case .st:
                    guard value.count == 2, value.allSatisfy({ bytes[$0] &- 0x30 < 10 || bytes[$0] &- 0x41 < 26 }) else {
                        throw invalid("ST", value, expected: "2 digits or capital letters")
                    }
                    st = text(value)
                case .cn:
                    guard value.count == 4, value.allSatisfy({ bytes[$0] &- 0x30 < 10 }) else {
                        throw invalid("CN", value, expected: "4 digits")
                    }
                    cn = text(value)
                case .pw:
                    guard value.count >= 6, value.allSatisfy({ bytes[$0] > 0x20 && bytes[$0] < 0x7F }) else {
                        throw invalid("PW", value, expected: "at least 6 printable ASCII characters")
                    }
                    if value.count > 6 { deviations.insert(.longPassword) }
                    pw = text(value)
                case .mn:
                    guard (1...32).contains(value.count), value.allSatisfy({ Byte.isAlphanumeric(bytes[$0]) }) else {
                        throw invalid("MN", value, expected: "1 to 32 letters or digits")
                    }
                    mn = text(value)
                case .flag:
                    guard let parsed = integer(value, digits: 1...3), parsed <= 255 else {
                        throw invalid("Flag", value, expected: "an integer 0-255")
                    }
                    guard Edition(versionBits: parsed >> 2) != nil else {
                        throw FrameError(.unknownVersion, offset: value.lowerBound, expected: "version bits 0, 1 or 2",
                                         found: String(parsed >> 2),
                                         message: "Flag=\(parsed) names version \(parsed >> 2), which is neither 2005 (0), 2017 (1) nor 2025 (2)")
                    }
                    flag = parsed
                case .pnum:
                    guard let parsed = integer(value, digits: 1...4), parsed >= 1 else {
                        throw invalid("PNUM", value, expected: "an integer from 1")
                    }
                    pnum = parsed
                case .pno:
                    guard let parsed = integer(value, digits: 1...4), parsed >= 1 else {
                        throw invalid("PNO", value, expected: "an integer from 1")
                    }
                    if pnum == nil { deviations.insert(.packetNumberFirst) }
                    pno = parsed
                case .cp:
                    break
                }
                last = field
                pos = valueEnd + 1
            }
            guard let st else { throw missing("ST") }
            guard let cn else { throw missing("CN") }
            guard let pw else { throw missing("PW") }
            guard let mn else { throw missing("MN") }
            let edition = flag.flatMap { Edition(versionBits: $0 >> 2) } ?? .hj2005
            if flag == nil { deviations.insert(.missingFlag) }
            if qn == nil {
                guard edition == .hj2005 else {
                    throw FrameError(.missingField, offset: start, expected: "QN", found: "ST",
                                     message: "missing field QN, which HJ 212-\(edition) frames carry")
                }
                deviations.insert(.missingQN)
            }
            if !Self.isStandardMN(mn, edition: edition) { deviations.insert(.nonStandardMN) }
            try checkPackets(flag: flag, pnum: pnum, pno: pno)

            var frame = Frame(edition: edition, qn: qn, st: st, cn: cn, pw: pw, mn: mn, flag: flag, pnum: pnum, pno: pno,
                              dataTime: nil, measurements: [], equipment: [], fields: [], declaredLength: n - start,
                              dataLength: n - start, declaredCRC: 0, computedCRC: 0, deviations: [])
            try parseDataArea(from: dataStart, into: &frame)
            frame.deviations = deviations
            return frame
        }

        /// `D` in `Flag` and the presence of `PNUM`/`PNO` must agree; without `Flag`, the two
        /// come together or not at all. A `D` bit without the packet fields is tolerated, as a
        /// real packet shows it (domain.md §1.4 #6, `Flag=7`).
        private mutating func checkPackets(flag: Int?, pnum: Int?, pno: Int?) throws(FrameError) {
            if (pnum == nil) != (pno == nil) {
                throw missing(pnum == nil ? "PNUM" : "PNO", because: "PNUM and PNO come together")
            }
            if let flag {
                let split = flag & 2 == 2
                if split && pnum == nil { deviations.insert(.splitFlagWithoutPackets) }
                if !split && pnum != nil {
                    throw FrameError(.unexpectedField, offset: start, expected: "no PNUM/PNO", found: "PNUM",
                                     message: "PNUM and PNO present but Flag=\(flag) does not mark a split upload (bit D is 0)")
                }
            }
            if let pnum, let pno, pno > pnum {
                throw FrameError(.invalidValue, offset: start, expected: "PNO ≤ PNUM", found: "PNO=\(pno), PNUM=\(pnum)",
                                 message: "invalid PNO: packet \(pno) of \(pnum)")
            }
        }

        private static func isStandardMN(_ mn: String, edition: Edition) -> Bool {
            if edition == .hj2005 { return mn.utf8.count == 14 }
            return mn.utf8.count == 24 && mn.utf8.allSatisfy { Byte.hexValue($0) != nil }
        }

        // MARK: - Helpers

        func find(_ byte: UInt8, from: Int, stopAt stop: UInt8?) -> Int? {
            var k = from
            while k < bytes.count {
                let b = bytes[k]
                if b == byte { return k }
                if let stop, b == stop { return nil }
                k += 1
            }
            return nil
        }

        func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: bytes[range])
        }

        func text(_ range: Range<Int>) -> String {
            String(decoding: slice(range), as: UTF8.self)
        }

        func excerpt(_ range: Range<Int>) -> String {
            FrameError.excerpt(bytes, range)
        }

        func integer(_ range: Range<Int>, digits: ClosedRange<Int>) -> Int? {
            guard digits.contains(range.count) else { return nil }
            var n = 0
            for k in range {
                let d = bytes[k] &- 48
                guard d < 10 else { return nil }
                n = n * 10 + Int(d)
            }
            return n
        }

        func invalid(_ name: String, _ range: Range<Int>, expected: String) -> FrameError {
            // A password is a credential even when malformed (devices reuse one across platforms).
            let found = name == "PW" ? String(repeating: "*", count: range.count) : excerpt(range)
            return FrameError(.invalidValue, offset: range.lowerBound, expected: expected, found: found,
                              message: "invalid \(name) at offset \(range.lowerBound): expected \(expected), found '\(found)'")
        }

        func missing(_ name: String, because reason: String? = nil) -> FrameError {
            FrameError(.missingField, offset: start, expected: name, found: nil,
                       message: "missing field \(name)" + (reason.map { ": \($0)" } ?? ""))
        }

        func duplicate(_ name: String, at offset: Int) -> FrameError {
            FrameError(.duplicateField, offset: offset, found: name, message: "duplicate field '\(name)' at offset \(offset)")
        }
    }
}
