import HuiliuCore

extension HJ212.SegmentParser {
    /// Parses the data area `&&Field=value,Field=value;Field=value&&` that starts at `start`
    /// (`CP=` already read). Items are separated by `;`, values of one item by `,`; log text
    /// between `//` delimiters may contain either.
    mutating func parseDataArea(from start: Int, into frame: inout HJ212.Frame) throws(HJ212.FrameError) {
        let n = bytes.count
        guard n - start >= 4, bytes[start] == Byte.amp, bytes[start + 1] == Byte.amp,
              bytes[n - 2] == Byte.amp, bytes[n - 1] == Byte.amp else {
            let found = excerpt(start..<min(n, start + 16))
            throw HJ212.FrameError(.badDataArea, offset: start, expected: "&&…&& closing the data segment", found: found,
                                   message: "data area must be CP=&&…&& and end the data segment: found 'CP=\(found)'")
        }
        let end = n - 2
        var pos = start + 2
        while pos < end {
            guard let eq = findNameEnd(from: pos, end: end) else {
                let stop = findSeparator(from: pos, end: end)
                let found = excerpt(pos..<stop)
                throw HJ212.FrameError(.badDataArea, offset: pos, expected: "Field=value", found: found,
                                       message: "expected Field=value in the data area at offset \(pos), found '\(found)'")
            }
            var valueStart = eq + 1
            var valueEnd: Int
            var next: Int
            if end - valueStart >= 2, bytes[valueStart] == Byte.slash, bytes[valueStart + 1] == Byte.slash {
                // Log text (`i11001-Info=//…//`) is delimited, because it may contain separators.
                guard let close = findClosingSlashes(from: valueStart + 2, end: end) else {
                    throw HJ212.FrameError(.badDataArea, offset: valueStart, expected: "closing //", found: excerpt(valueStart..<end),
                                           message: "text value at offset \(valueStart) has no closing '//'")
                }
                valueStart += 2
                valueEnd = close
                next = close + 2
                guard next == end || bytes[next] == Byte.semicolon || bytes[next] == Byte.comma else {
                    throw HJ212.FrameError(.badDataArea, offset: next, expected: "',' or ';'", found: excerpt(next..<(next + 1)),
                                           message: "expected ',' or ';' after the closing '//' at offset \(next)")
                }
            } else {
                valueEnd = findSeparator(from: valueStart, end: end)
                next = valueEnd
            }
            try store(name: pos..<eq, value: valueStart..<valueEnd, into: &frame)
            guard next < end else { break }
            let separator = bytes[next]
            pos = next + 1
            if pos == end {
                guard separator == Byte.semicolon else {
                    throw HJ212.FrameError(.badDataArea, offset: next, expected: "a field after ','", found: "&&",
                                           message: "data area ends with ',' at offset \(next)")
                }
                deviations.insert(.trailingSemicolon)
            } else if bytes[pos] == Byte.semicolon || bytes[pos] == Byte.comma {
                throw HJ212.FrameError(.badDataArea, offset: pos, expected: "Field=value", found: excerpt(next..<(pos + 1)),
                                       message: "empty field in the data area at offset \(pos)")
            }
        }
    }

    /// The `=` ending a field name, or `nil` if a separator or the end comes first.
    private func findNameEnd(from: Int, end: Int) -> Int? {
        var k = from
        while k < end {
            let b = bytes[k]
            if b == Byte.equals { return k > from ? k : nil }
            if b == Byte.semicolon || b == Byte.comma { return nil }
            k += 1
        }
        return nil
    }

    private func findSeparator(from: Int, end: Int) -> Int {
        var k = from
        while k < end, bytes[k] != Byte.semicolon, bytes[k] != Byte.comma { k += 1 }
        return k
    }

    private func findClosingSlashes(from: Int, end: Int) -> Int? {
        var k = from
        while k + 1 < end {
            if bytes[k] == Byte.slash && bytes[k + 1] == Byte.slash { return k }
            k += 1
        }
        return nil
    }

    /// A field suffix of table 4 (or `RS`/`RT` of equipment).
    enum Suffix {
        case rtd, min, avg, max, zsRtd, zsMin, zsAvg, zsMax, cou, flag, eflag, sampleTime, info, rs, rt, other
    }

    /// The suffix in `range`, compared byte by byte.
    func suffix(_ range: Range<Int>) -> Suffix {
        switch range.count {
        case 2: return matches(range, "RS") ? .rs : matches(range, "RT") ? .rt : .other
        case 3:
            if matches(range, "Rtd") { return .rtd }
            if matches(range, "Avg") { return .avg }
            if matches(range, "Min") { return .min }
            if matches(range, "Max") { return .max }
            if matches(range, "Cou") { return .cou }
            return .other
        case 4: return matches(range, "Flag") ? .flag : matches(range, "Info") ? .info : .other
        case 5:
            if matches(range, "ZsRtd") { return .zsRtd }
            if matches(range, "ZsAvg") { return .zsAvg }
            if matches(range, "ZsMin") { return .zsMin }
            if matches(range, "ZsMax") { return .zsMax }
            if matches(range, "EFlag") { return .eflag }
            return .other
        case 10: return matches(range, "SampleTime") ? .sampleTime : .other
        default: return .other
        }
    }

    /// Files one `name=value` into the frame: `code-Suffix` fields into measurements or
    /// A `YYYYMMDDhhmmss[zzz]` value; one of the right shape that names no real moment (31 June,
    /// hour 24) is refused as such, not as a format error.
    private func timestamp(_ name: String, _ value: Range<Int>) throws(HJ212.FrameError) -> HJ212.Timestamp {
        if let time = HJ212.Timestamp.parse(slice(value)) { return time }
        let digitsOnly = value.allSatisfy { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        if digitsOnly && (value.count == 14 || value.count == 17) {
            throw invalid(name, value, expected: "a date and time that exists (YYYYMMDDhhmmss)")
        }
        throw invalid(name, value, expected: "YYYYMMDDhhmmss")
    }

    /// equipment states, `DataTime` into the frame, anything else into `fields`.
    private mutating func store(name: Range<Int>, value: Range<Int>, into frame: inout HJ212.Frame) throws(HJ212.FrameError) {
        guard let dash = name.first(where: { bytes[$0] == Byte.dash }) else {
            if matches(name, "DataTime") {
                guard frame.dataTime == nil else { throw duplicate("DataTime", at: name.lowerBound) }
                let time = try timestamp("DataTime", value)
                if value.count == 17 { deviations.insert(.dataTimeMilliseconds) }
                frame.dataTime = time
            } else {
                guard name.allSatisfy({ Byte.isAlphanumeric(bytes[$0]) }) else {
                    throw invalid("field name", name, expected: "letters and digits")
                }
                let fieldName = text(name)
                if frame.fields.contains(where: { $0.name == fieldName }) { throw duplicate(fieldName, at: name.lowerBound) }
                frame.fields.append(HJ212.Field(name: fieldName, value: text(value)))
            }
            return
        }
        let codeRange = name.lowerBound..<dash
        let suffixRange = (dash + 1)..<name.upperBound
        guard !codeRange.isEmpty, !suffixRange.isEmpty,
              codeRange.allSatisfy({ Byte.isAlphanumeric(bytes[$0]) }),
              suffixRange.allSatisfy({ Byte.isAlphanumeric(bytes[$0]) }) else {
            throw invalid("field name", name, expected: "code-Suffix of letters and digits")
        }
        let kind = suffix(suffixRange)
        if kind == .rs || kind == .rt, codeRange.count > 2, bytes[codeRange.lowerBound] == UInt8(ascii: "S"),
           bytes[codeRange.lowerBound + 1] == UInt8(ascii: "B") {
            try storeEquipment(code: text(codeRange), running: kind == .rs, name: name, value: value, into: &frame)
            return
        }
        // Fields of one code are usually adjacent: compare with the previous code's bytes
        // before making a string.
        let index: Int
        if let previous = lastCode, previous.range.count == codeRange.count,
           (0..<codeRange.count).allSatisfy({ bytes[previous.range.lowerBound + $0] == bytes[codeRange.lowerBound + $0] }) {
            index = previous.index
        } else {
            let code = text(codeRange)
            if let existing = frame.measurements.lastIndex(where: { $0.code == code }) {
                index = existing
            } else {
                frame.measurements.append(HJ212.Measurement(code: code))
                index = frame.measurements.count - 1
            }
        }
        lastCode = (codeRange, index)
        try storeMeasurement(suffix: kind, suffixRange: suffixRange, name: name, value: value, into: &frame.measurements[index])
    }

    private mutating func storeMeasurement(suffix: Suffix, suffixRange: Range<Int>, name: Range<Int>, value: Range<Int>,
                                           into m: inout HJ212.Measurement) throws(HJ212.FrameError) {
        func set(_ slot: inout DecimalNumber?) throws(HJ212.FrameError) {
            guard slot == nil else { throw duplicate(text(name), at: name.lowerBound) }
            // No reading (a device offline or calibrating sends `-Rtd=` with its flag): refusing
            // the frame would lose its other values and, unacknowledged, have it sent for ever.
            if value.isEmpty {
                deviations.insert(.emptyValue)
                return
            }
            // Spaces around a number (` 12.5`, from fixed-width formatting) are not part of it.
            var trimmed = value
            while let first = trimmed.first, bytes[first] == 0x20 { trimmed = (first + 1)..<trimmed.upperBound }
            while let last = trimmed.last, bytes[last] == 0x20 { trimmed = trimmed.lowerBound..<last }
            guard let number = Self.decimal(slice(trimmed)) else {
                // Nor one that says it is not a number: a faulty instrument sends `-`, `NaN`, `N/A`
                // or a C runtime's `1.#QNAN`, `-1.#IND`, `1.#INF` beside its flag, and the same
                // frame, refused, would come again for ever. Other text with digits that is no
                // number here (`0x10`, `1.5E-1`, 19 digits) still refuses the frame, which the
                // device keeps: that value may matter.
                guard Self.saysNotANumber(slice(trimmed)) else {
                    throw invalid(text(name), value, expected: "a decimal number")
                }
                guard !m.unreadable.contains(where: { $0.name == text(suffixRange) }) else { throw duplicate(text(name), at: name.lowerBound) }
                deviations.insert(.unreadableValue)
                m.unreadable.append(HJ212.Field(name: text(suffixRange), value: text(value)))
                return
            }
            slot = number
        }
        func setText(_ slot: inout String?) throws(HJ212.FrameError) {
            guard slot == nil else { throw duplicate(text(name), at: name.lowerBound) }
            slot = text(value)
        }
        switch suffix {
        case .rtd: try set(&m.rtd)
        case .avg: try set(&m.avg)
        case .min: try set(&m.min)
        case .max: try set(&m.max)
        case .cou: try set(&m.cou)
        case .zsRtd: try set(&m.zsRtd)
        case .zsAvg: try set(&m.zsAvg)
        case .zsMin: try set(&m.zsMin)
        case .zsMax: try set(&m.zsMax)
        case .flag, .eflag:
            guard !value.isEmpty, value.allSatisfy({ Byte.isAlphanumeric(bytes[$0]) }) else {
                throw invalid(text(name), value, expected: "a flag of letters or digits")
            }
            if suffix == .flag { try setText(&m.flag) } else { try setText(&m.eflag) }
        case .sampleTime:
            guard m.sampleTime == nil else { throw duplicate(text(name), at: name.lowerBound) }
            m.sampleTime = try timestamp(text(name), value)
        case .info: try setText(&m.info)
        case .rs, .rt, .other:
            let suffixName = text(suffixRange)
            if m.otherFields.contains(where: { $0.name == suffixName }) { throw duplicate(text(name), at: name.lowerBound) }
            // Not in table 4: vendor additions (`-ValidNum`) and typos real devices send (`LA-td`).
            deviations.insert(.unknownSuffix)
            m.otherFields.append(HJ212.Field(name: suffixName, value: text(value)))
        }
    }

    private func storeEquipment(code: String, running: Bool, name: Range<Int>, value: Range<Int>,
                                into frame: inout HJ212.Frame) throws(HJ212.FrameError) {
        let index: Int
        if let existing = frame.equipment.lastIndex(where: { $0.code == code }) {
            index = existing
        } else {
            frame.equipment.append(HJ212.EquipmentState(code: code))
            index = frame.equipment.count - 1
        }
        if running {
            guard frame.equipment[index].runningState == nil else { throw duplicate(text(name), at: name.lowerBound) }
            guard let state = integer(value, digits: 1...2) else {
                throw invalid(text(name), value, expected: "a running state 0-5")
            }
            frame.equipment[index].runningState = state
        } else {
            guard frame.equipment[index].runningHours == nil else { throw duplicate(text(name), at: name.lowerBound) }
            guard let hours = Self.decimal(slice(value)) else {
                throw invalid(text(name), value, expected: "running hours as a decimal number")
            }
            frame.equipment[index].runningHours = hours
        }
    }

    /// Text a device sends for "no number": no digit at all (`-`, `NaN`, `N/A`), or a C runtime's
    /// spelling of NaN or infinity: `1.#QNAN`, `-1.#IND`, `1.#INF`, `1.#QNAN0`, and as printed
    /// with a precision, rounded (`%.2f` gives `1.#R`, `%.3f` `-1.#IO`); `nan(ind)`.
    static func saysNotANumber(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !bytes.contains(where: { ($0 &- 0x30) < 10 }) { return true }
        let text = String(decoding: bytes, as: UTF8.self).uppercased()
        if text.hasPrefix("NAN(") && text.hasSuffix(")") { return true }
        // [-]1.#, letters, then digits only.
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        guard rest.hasPrefix("1.#") else { return false }
        rest = rest.dropFirst(3)
        let letters = rest.prefix { $0.isASCII && $0.isLetter }
        return !letters.isEmpty && rest.dropFirst(letters.count).allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Parses `[-+]digits[.digits]` exactly; `nil` for anything else or more than 18 digits.
    static func decimal(_ bytes: UnsafeRawBufferPointer) -> DecimalNumber? {
        var k = 0
        let n = bytes.count
        var negative = false
        if k < n, bytes[k] == UInt8(ascii: "-") || bytes[k] == UInt8(ascii: "+") {
            negative = bytes[k] == UInt8(ascii: "-")
            k += 1
        }
        var significand = 0
        var digits = 0
        var exponent = 0
        var seenPoint = false
        while k < n {
            let b = bytes[k]
            if b == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                let d = b &- 48
                guard d < 10 else { return nil }
                significand = significand * 10 + Int(d)
                digits += 1
                if seenPoint { exponent -= 1 }
                guard digits <= 18 else { return nil }
            }
            k += 1
        }
        guard digits > 0 else { return nil }
        return DecimalNumber(significand: negative ? -significand : significand, exponent: exponent)
    }
}
