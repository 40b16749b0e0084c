public import HuiliuCore

extension HJ212 {
    /// One JSON object per frame or rejection in `bytes`, for `huiliu hj212 decode`.
    ///
    /// A frame gives its edition, header fields, data area, lengths, CRC verdict (given vs
    /// computed) and deviations; a rejection gives `{"error": reason, "offset": n, "excerpt": hex}`
    /// with the offset counted from the start of `bytes`. Whitespace between frames is skipped.
    public static func decodeReport(_ bytes: [UInt8],
                                    configuration: FrameDecoder.Configuration = .init()) -> [Value] {
        FrameDecoder(configuration: configuration).decodeAll(bytes).compactMap { offset, result in
            switch result {
            case .success(let frame):
                return frame.reportValue
            case .failure(let error):
                if error.code == .garbage, isWhitespace(bytes, from: offset) { return nil }
                return error.reportValue(input: bytes, base: offset)
            }
        }
    }

    /// The lines `huiliu hj212 decode` prints: ``decodeReport(_:configuration:)`` as compact JSON.
    public static func decodeReportLines(_ bytes: [UInt8],
                                         configuration: FrameDecoder.Configuration = .init()) -> [String] {
        decodeReport(bytes, configuration: configuration).map(\.jsonText)
    }

    private static func isWhitespace(_ bytes: [UInt8], from offset: Int) -> Bool {
        var k = offset
        while k < bytes.count, bytes[k] != Byte.hash {
            guard [0x20, 0x09, 0x0A, 0x0D].contains(bytes[k]) else { return false }
            k += 1
        }
        return true
    }
}

extension HJ212.Frame {
    /// The frame as the `decode` command shows it.
    public var reportValue: Value {
        var header = Object()
        if let qn { header["QN"] = .string(qn) }
        header["ST"] = .string(st)
        header["CN"] = .string(cn)
        header["PW"] = .string(pw)
        header["MN"] = .string(mn)
        if let flag { header["Flag"] = .integer(flag) }
        if let pnum { header["PNUM"] = .integer(pnum) }
        if let pno { header["PNO"] = .integer(pno) }

        var report = Object()
        report["edition"] = .string(edition.rawValue)
        report["header"] = .object(header)
        if let dataTime { report["data_time"] = .string(dataTime.rfc3339) }
        report["measurements"] = .array(measurements.map(\.reportValue))
        if !equipment.isEmpty {
            report["equipment"] = .array(equipment.map { state in
                var object = Object()
                object["code"] = .string(state.code)
                if let rs = state.runningState { object["RS"] = .integer(rs) }
                if let rt = state.runningHours { object["RT"] = .decimal(rt) }
                return .object(object)
            })
        }
        if !fields.isEmpty {
            report["fields"] = .object(Object(fields.map { ($0.name, Value.string($0.value)) }))
        }
        report["length"] = ["declared": .integer(declaredLength), "actual": .integer(dataLength)]
        report["crc"] = [
            "given": .string(Byte.hex4(declaredCRC)), "computed": .string(Byte.hex4(computedCRC)),
            "valid": .bool(isChecksumValid),
        ]
        report["deviations"] = .array(deviations.names.map { .string($0) })
        return .object(report)
    }
}

extension HJ212.Measurement {
    /// The measurement keyed by protocol suffix: `{"code": "w01018", "Avg": 40.1, "Flag": "N"}`.
    public var reportValue: Value {
        var object = Object()
        object["code"] = .string(code)
        let numbers: [(String, DecimalNumber?)] = [
            ("Rtd", rtd), ("Min", min), ("Avg", avg), ("Max", max), ("ZsRtd", zsRtd), ("ZsMin", zsMin),
            ("ZsAvg", zsAvg), ("ZsMax", zsMax), ("Cou", cou),
        ]
        for case let (name, number?) in numbers { object[name] = .decimal(number) }
        if let flag { object["Flag"] = .string(flag) }
        if let eflag { object["EFlag"] = .string(eflag) }
        if let sampleTime { object["SampleTime"] = .string(sampleTime.rfc3339) }
        if let info { object["Info"] = .string(info) }
        for field in otherFields { object[field.name] = .string(field.value) }
        if !unreadable.isEmpty {
            var texts = Object()
            for field in unreadable where texts[field.name] == nil { texts[field.name] = .string(field.value) }
            object["unreadable"] = .object(texts)
        }
        return .object(object)
    }
}

extension HJ212.FrameError {
    /// `{"error": reason, "offset": n, "excerpt": hex}`, with the offset counted in `input`
    /// from the rejected bytes at `base`, and up to 16 bytes of hex from there.
    public func reportValue(input: [UInt8], base: Int = 0) -> Value {
        let at = Swift.min(base + offset, input.count)
        let from = at < input.count ? at : Swift.max(0, input.count - 16)
        let excerpt = input[from..<Swift.min(from + 16, input.count)]
        return [
            "error": .string(message),
            "offset": .integer(at),
            "excerpt": .string(Digest.hexString(excerpt)),
        ]
    }
}
