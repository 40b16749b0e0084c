import Glibc

/// Whole-buffer conversion between encodings through the C library's iconv.
public enum Iconv {
    /// Why a conversion failed.
    public enum Failure: Error, Sendable {
        /// iconv does not know one of the encodings.
        case unsupported
        /// The input is not text in the source encoding from this byte on.
        case invalid(at: Int)
    }

    /// `bytes` in `source` converted to `target`.
    public static func convert(_ bytes: [UInt8], from source: String, to target: String) -> Result<[UInt8], Failure> {
        guard let converter = iconv_open(target, source), converter != iconv_t(bitPattern: -1) else { return .failure(.unsupported) }
        defer { iconv_close(converter) }
        var input = bytes
        // Four bytes out for each in covers every conversion between UTF-8 and the GB encodings.
        var output = [UInt8](repeating: 0, count: bytes.count * 4 + 16)
        var inLeft = input.count, outLeft = output.count
        let result = input.withUnsafeMutableBytes { inRaw in
            output.withUnsafeMutableBytes { outRaw in
                var inPointer = inRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outPointer = outRaw.baseAddress?.assumingMemoryBound(to: CChar.self)
                return iconv(converter, &inPointer, &inLeft, &outPointer, &outLeft)
            }
        }
        guard result != -1, inLeft == 0 else { return .failure(.invalid(at: input.count - inLeft)) }
        output.removeLast(outLeft)
        return .success(output)
    }
}
