/// A cursor over timestamp text, reading digits, literals and UTC offsets.
///
/// Full-width digits and colons (`２０２４：`) are read as their ASCII forms, as
/// Chinese-language systems often type them.
struct TimestampScanner: TimestampReading {
    private let scalars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) {
        scalars = text.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0xFF10...0xFF19: Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!
            case 0xFF1A: ":"
            default: scalar
            }
        }
    }

    var atEnd: Bool { position == scalars.count }

    var count: Int { scalars.count }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
}

/// A cursor over the bytes of ASCII text: the same grammar as ``TimestampScanner``
/// without first copying the text into scalars, for the common case of a timestamp
/// that is plain ASCII.
struct ASCIITimestampScanner: TimestampReading {
    private let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    /// A scanner over `bytes`, which must all be ASCII.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    var atEnd: Bool { position == bytes.count }

    var current: Unicode.Scalar? { position < bytes.count ? Unicode.Scalar(bytes[position]) : nil }
}

/// What the timestamp grammars read with: a position over scalars.
protocol TimestampReading {
    var position: Int { get set }
    var atEnd: Bool { get }
    var current: Unicode.Scalar? { get }
}

extension TimestampReading {
    /// True (and consumed) if the next character is `c`.
    mutating func take(_ c: Unicode.Scalar) -> Bool {
        guard current == c else { return false }
        position += 1
        return true
    }

    /// True (and consumed) if the next character is one of `choices`.
    mutating func take(anyOf choices: String) -> Bool {
        guard let c = current, choices.unicodeScalars.contains(c) else { return false }
        position += 1
        return true
    }

    mutating func skipSpaces() {
        while let c = current, c == " " || c == "\t" || c == "\u{3000}" { position += 1 }
    }

    /// An unsigned number of `min...max` digits, read greedily, or `nil` (consuming
    /// nothing) if there are fewer than `min`.
    mutating func digits(_ min: Int, _ max: Int) -> Int? {
        var value = 0
        var n = 0
        while n < max, let c = current, c.value >= 48, c.value <= 57 {
            value = value * 10 + Int(c.value - 48)
            n += 1
            position += 1
        }
        if n < min {
            position -= n
            return nil
        }
        return value
    }

    /// A fraction of a second after the separator: 1–9 digits (more are truncated),
    /// as nanoseconds.
    mutating func fraction() -> Int? {
        var nanos = 0
        var n = 0
        while let c = current, c.value >= 48, c.value <= 57 {
            if n < 9 { nanos = nanos * 10 + Int(c.value - 48) }
            n += 1
            position += 1
        }
        guard n > 0 else { return nil }
        for _ in n..<max(n, 9) { nanos *= 10 }
        return nanos
    }

    /// `Z`, `+08:00`, `+0800` or `+08` as seconds east of UTC.
    mutating func offset() -> Int? {
        if take("Z") || take("z") { return 0 }
        let start = position
        guard let c = current, c == "+" || c == "-" || c == "\u{2212}" else { return nil }
        position += 1
        guard let hours = digits(2, 2), hours <= 23 else { position = start; return nil }
        var minutes = 0
        if take(":") {
            guard let m = digits(2, 2) else { position = start; return nil }
            minutes = m
        } else if let m = digits(2, 2) {
            minutes = m
        }
        guard minutes <= 59 else { position = start; return nil }
        let seconds = hours * 3_600 + minutes * 60
        return c == "+" ? seconds : -seconds
    }
}
