// libFuzzer target for the HJ 212 frame codec (HuiliuEnvironment). Built and run by
// scripts/fuzz-hj212, which compiles it with the HuiliuCore and HuiliuEnvironment sources
// under `-sanitize=fuzzer,address`.
//
// Besides "no crash, no memory error", each input checks invariants the listener relies on:
// the decoder always makes progress and never consumes past the input; streaming the input in
// two pieces finds the same frames as reading it whole; every decoded frame normalizes or
// fails with a typed error; and every reply built for a frame decodes back with a valid CRC.
import HuiliuCore
import HuiliuEnvironment

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoder = HJ212.FrameDecoder()

    // Whole input.
    let whole = decoder.decodeAll(bytes)
    var wholeFrames: [String] = []
    for (offset, result) in whole {
        precondition(offset < bytes.count)
        switch result {
        case .success(let frame):
            wholeFrames.append(frame.qn ?? "-")
            exercise(frame)
        case .failure(let error):
            precondition(!error.message.isEmpty)
            _ = error.reportValue(input: bytes, base: offset)
        }
    }
    _ = HJ212.decodeReportLines(bytes)

    // Streaming, split at one point chosen by the input: what a socket read boundary does.
    if size > 1 {
        let split = Int(bytes[0]) % size
        var pending = [UInt8]()
        var streamed: [String] = []
        for chunk in [Array(bytes[..<split]), Array(bytes[split...])] {
            pending.append(contentsOf: chunk)
            drain(&pending, decoder: decoder, atEnd: false, into: &streamed)
        }
        drain(&pending, decoder: decoder, atEnd: true, into: &streamed)
        precondition(pending.isEmpty, "bytes left after the end of input")
        precondition(streamed == wholeFrames, "split at \(split): streaming found \(streamed), the whole input \(wholeFrames)")
    }
    return 0
}

/// Takes frames off the front of `pending` as a listener's codec does.
func drain(_ pending: inout [UInt8], decoder: HJ212.FrameDecoder, atEnd: Bool, into found: inout [String]) {
    while !pending.isEmpty {
        let step = decoder.decode(pending, atEnd: atEnd)
        switch step {
        case .needMoreData:
            precondition(!atEnd, "needMoreData at the end of input")
            return
        case .frame(let frame, let consumed):
            precondition(consumed > 0 && consumed <= pending.count)
            found.append(frame.qn ?? "-")
            pending.removeFirst(consumed)
        case .rejected(_, let consumed):
            precondition(consumed <= pending.count)
            pending.removeFirst(max(consumed, 1))
        }
    }
}

/// Everything the gateway does with a verified frame.
func exercise(_ frame: HJ212.Frame) {
    precondition(frame.isChecksumValid)
    _ = frame.reportValue.jsonText
    _ = try? EnvironmentMeasurement.normalize(frame)
    for reply in [HJ212.Reply.dataAnswer, .noticeAnswer, .requestAnswer(.ready), .executionResult(.success)] {
        let encoded = reply.frame(answering: frame)
        guard case .frame(let answer, let consumed) = HJ212.FrameDecoder().decode(encoded, atEnd: true) else {
            preconditionFailure("a reply built for a decoded frame does not decode: \(String(decoding: encoded, as: UTF8.self))")
        }
        precondition(consumed == encoded.count && answer.cn == reply.cn && answer.mn == frame.mn && answer.qn == frame.qn)
    }
}
