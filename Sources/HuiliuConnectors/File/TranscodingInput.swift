import Glibc

/// A file in a legacy encoding (GB18030, GBK), decoded to UTF-8 through iconv as it is read.
///
/// Offsets seen by the parsers are offsets in the UTF-8 output; seeking decodes from the
/// start and discards, which only happens once when a run resumes. A byte that is not of the
/// encoding comes out as 0xFF, invalid UTF-8, so that only the row holding it is rejected.
final class TranscodingInput: ByteInput {
    let file: FileInput
    let encoding: String
    let converter: iconv_t
    var input = [UInt8](repeating: 0, count: 256 * 1024)
    var inputStart = 0
    var inputEnd = 0
    var rawOffset = 0
    var fileEnded = false
    var outputOffset = 0

    init(file: FileInput, encoding: String) throws(FileReadError) {
        self.file = file
        self.encoding = encoding
        let cd = iconv_open("UTF-8", encoding)
        guard cd != iconv_t(bitPattern: -1) else {
            throw FileReadError(path: file.path, message: "encoding \(encoding) is not supported by iconv")
        }
        converter = cd!
    }

    deinit {
        iconv_close(converter)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) -> Int {
        var written = 0
        while written == 0 {
            if inputStart == inputEnd {
                if fileEnded { return 0 }
                try refill()
                continue
            }
            var inLeft = inputEnd - inputStart
            var outLeft = buffer.count - written
            let before = inLeft
            let result: Int = input.withUnsafeMutableBytes { raw in
                var inPointer: UnsafeMutablePointer<CChar>? = raw.baseAddress!.advanced(by: inputStart).assumingMemoryBound(to: CChar.self)
                var outPointer: UnsafeMutablePointer<CChar>? = buffer.baseAddress!.advanced(by: written).assumingMemoryBound(to: CChar.self)
                return iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            }
            let error = errno
            let consumed = before - inLeft
            inputStart += consumed
            rawOffset += consumed
            written = buffer.count - outLeft
            if result == -1 {
                switch error {
                case E2BIG:
                    if written == 0 { throw FileReadError(path: file.path, message: "decode buffer too small") }
                case EINVAL:
                    // An incomplete sequence at the end of the buffer: read more, unless the file ended.
                    if fileEnded {
                        throw FileReadError(path: file.path, message: "file ends inside a multi-byte \(encoding) character at byte \(rawOffset)")
                    }
                    if written == 0 { try refill() }
                case EILSEQ:
                    // One bad byte must not stop the file: it goes on as 0xFF, which is never UTF-8,
                    // so the parser rejects the row that holds it (a dead letter with its line) and
                    // reads on.
                    guard written < buffer.count else { break }
                    buffer[written] = 0xFF
                    written += 1
                    inputStart += 1
                    rawOffset += 1
                default:
                    throw FileReadError(path: file.path, message: "decoding failed at byte \(rawOffset): \(String(cString: strerror(error)))")
                }
            }
        }
        outputOffset += written
        return written
    }

    private func refill() throws(FileReadError) {
        if inputStart > 0 {
            let remaining = inputEnd - inputStart
            if remaining > 0 {
                input.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress!.advanced(by: inputStart), byteCount: remaining)
                }
            }
            inputEnd = remaining
            inputStart = 0
        }
        let end = inputEnd
        let result: Result<Int, FileReadError> = input.withUnsafeMutableBytes { raw in
            do throws(FileReadError) {
                return .success(try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[end...])))
            } catch {
                return .failure(error)
            }
        }
        let n = try result.get()
        if n == 0 { fileEnded = true }
        inputEnd += n
    }

    func seek(to offset: Int) throws(FileReadError) {
        guard offset >= outputOffset else {
            throw FileReadError(path: file.path, message: "cannot seek backwards in a decoded stream")
        }
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while outputOffset < offset {
            let want = min(scratch.count, offset - outputOffset)
            let result: Result<Int, FileReadError> = scratch.withUnsafeMutableBytes { raw in
                do throws(FileReadError) {
                    return .success(try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want])))
                } catch {
                    return .failure(error)
                }
            }
            let n = try result.get()
            if n == 0 { break }
        }
    }
}
