extension String {
    /// The string without leading and trailing Unicode white space, which includes the
    /// ideographic space U+3000 and no-break space U+00A0 common in Chinese documents.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        // Most values need no trimming; check the ends before scanning.
        if !first.isWhiteSpace && !last.isWhiteSpace { return self }
        guard let start = scalars.firstIndex(where: { !$0.isWhiteSpace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.isWhiteSpace })!
        return String(scalars[start...end])
    }
}

extension Unicode.Scalar {
    /// The Unicode `White_Space` property, as a switch: the property lookup is slow
    /// and the set is small and stable.
    var isWhiteSpace: Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }
}
