extension HJ212 {
    /// Why bytes were rejected as a frame: which check failed, where, and what was expected.
    ///
    /// `offset` counts bytes from the first byte of the rejected input (the `##` of a frame),
    /// so `##0181…` with a wrong length reports offset 2, the length field.
    public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
        /// Which check failed.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Base: String, Hashable, Sendable {
                case garbage, badLengthField, lengthTooLarge, lengthMismatch, truncated, badTrailer,
                     badCRCField, crcMismatch, unexpectedField, missingField, duplicateField,
                     invalidValue, unknownVersion, badDataArea
            }
            private let base: Base

            /// Bytes that do not start with `##`.
            public static let garbage = Code(base: .garbage)
            /// The 4-digit length field is not decimal.
            public static let badLengthField = Code(base: .badLengthField)
            /// The declared length exceeds the configured maximum (1024 by the standard).
            public static let lengthTooLarge = Code(base: .lengthTooLarge)
            /// The declared length differs from the data segment's.
            public static let lengthMismatch = Code(base: .lengthMismatch)
            /// The frame ends (a new `##` or end of input) before its trailer.
            public static let truncated = Code(base: .truncated)
            /// No CRC and CR LF where the declared length puts them.
            public static let badTrailer = Code(base: .badTrailer)
            /// The CRC field is not 4 hex digits.
            public static let badCRCField = Code(base: .badCRCField)
            /// The CRC does not match the data segment.
            public static let crcMismatch = Code(base: .crcMismatch)
            /// A header field out of order or unknown.
            public static let unexpectedField = Code(base: .unexpectedField)
            /// A required field is absent.
            public static let missingField = Code(base: .missingField)
            /// A field appears twice.
            public static let duplicateField = Code(base: .duplicateField)
            /// A field's value breaks its format.
            public static let invalidValue = Code(base: .invalidValue)
            /// `Flag` names a version this codec does not know.
            public static let unknownVersion = Code(base: .unknownVersion)
            /// The `CP=&&…&&` data area is malformed.
            public static let badDataArea = Code(base: .badDataArea)

            public var description: String { base.rawValue }
        }

        /// Which check failed.
        public var code: Code
        /// Byte offset of the fault from the start of the rejected input.
        public var offset: Int
        /// What the check expected, when it is a single value.
        public var expected: String?
        /// What the input had instead.
        public var found: String?
        /// The whole reason in words.
        public var message: String

        /// An error with a prepared message.
        public init(_ code: Code, offset: Int, expected: String? = nil, found: String? = nil, message: String) {
            self.code = code
            self.offset = offset
            self.expected = expected
            self.found = found
            self.message = message
        }

        public var description: String { message }
    }
}

extension HJ212.FrameError {
    /// Printable form of raw bytes for messages: ASCII as is, the rest as `\xNN`, cut at 32 bytes.
    static func excerpt(_ bytes: UnsafeRawBufferPointer) -> String {
        var out = ""
        for (k, b) in bytes.enumerated() {
            if k == 32 { out += "…"; break }
            if b >= 0x20 && b < 0x7F {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else if b == 0x0D {
                out += "\\r"
            } else if b == 0x0A {
                out += "\\n"
            } else {
                let hex = Array("0123456789ABCDEF")
                out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 0xF)])
            }
        }
        return out
    }

    static func excerpt(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        let clamped = range.clamped(to: 0..<bytes.count)
        return excerpt(UnsafeRawBufferPointer(rebasing: bytes[clamped]))
    }
}
