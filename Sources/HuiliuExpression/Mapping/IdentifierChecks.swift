import Foundation
/// Check characters of Chinese identifiers, exactly as the standards define them
/// (see shared/domain.md §4).
enum IdentifierChecks {
    /// GB 32100-2015: the 31 characters of the code; I, O, S, V and Z are never used.
    static let usccCharset = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".unicodeScalars)
    /// 3^(i−1) mod 31 for positions 1–17.
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// True if `code` is 18 characters of the GB 32100 charset whose last one is the
    /// check character: `31 − (Σ value × weight mod 31)`, with 31 written as 0.
    ///
    /// Only the check character is verified; the embedded GB 11714 organisation code
    /// has its own check, which some issued codes are known to fail.
    static func isValidUSCC(_ code: String) -> Bool {
        let utf8 = code.utf8
        guard utf8.count == 18 else { return false }
        // The all-zero placeholder upstream systems write for "no code" passes the check
        // character: no department is coded 0, and positions 3–8 are a GB/T 2260 division
        // (100000 for national registration), never 000000.
        let division = utf8.dropFirst(2).prefix(6)
        guard utf8.first != UInt8(ascii: "0"), division.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              !division.allSatisfy({ $0 == 48 }) else { return false }
        var sum = 0
        var position = 0
        for byte in utf8 {
            guard byte < 128 else { return false }
            let value = Int(usccValues[Int(byte)])
            guard value >= 0 else { return false }
            if position == 17 { return value == (31 - sum % 31) % 31 }
            sum += value * usccWeights[position]
            position += 1
        }
        return false
    }

    /// GB 11714-1997 weights for the 8-character body of an organisation code.
    static let organizationWeights = [3, 7, 9, 10, 5, 8, 4, 2]

    /// True if `code` is a 9-character organisation code, or a credit code whose characters
    /// 9–17 are one, whose last character is `11 − (Σ value × weight mod 11)`, written `X`
    /// for 10 and `0` for 11 (digits are their value, A–Z are 10–35).
    static func isValidOrganizationCode(_ code: String) -> Bool {
        var bytes = Array(code.utf8)
        if bytes.count == 18 { bytes = Array(bytes[8..<17]) }
        guard bytes.count == 9 else { return false }
        var sum = 0
        for (index, byte) in bytes.prefix(8).enumerated() {
            let value: Int
            switch byte {
            case 48...57: value = Int(byte - 48)
            case 65...90: value = Int(byte - 65) + 10
            default: return false
            }
            sum += value * organizationWeights[index]
        }
        let check = 11 - sum % 11
        let expected: UInt8 = check == 10 ? UInt8(ascii: "X") : check == 11 ? UInt8(ascii: "0") : UInt8(48 + check)
        return bytes[8] == expected
    }

    /// Character value by ASCII code, −1 outside the charset.
    private static let usccValues: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, c) in usccCharset.enumerated() { table[Int(c.value)] = Int8(value) }
        return table
    }()

    /// GB 11643-1999 weights 2^(18−i) mod 11 for positions 1–17.
    static let idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// The check character for Σ mod 11 = 0 … 10 (ISO 7064 MOD 11-2).
    static let idCheckCharacters = Array("10X98765432".utf8)

    /// Whether a birth date is after today in China (UTC+8, a day ahead of some zones): no one
    /// holds a number for a birth that has not happened (`…20991231…` passes every other check).
    static func isFuture(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        let today = CivilDateTime(secondsSinceEpoch: Int(Date().timeIntervalSince1970) + 8 * 3600)
        return (year, month, day) > (today.year, today.month, today.day)
    }

    /// True if `number` is a valid 18-character citizen ID number: 17 digits whose
    /// characters 7–14 are a real date `YYYYMMDD`, then the MOD 11-2 check character
    /// (`X` for 10; a lower-case `x` is accepted as the same character).
    static func isValidResidentID(_ number: String) -> Bool {
        let utf8 = number.utf8
        guard utf8.count == 18 else { return false }
        // No address code starts with 0 (000000, the placeholder, passes the check character).
        // Others are left to the issuer: 83 (Taiwan residents' permits) and 9x (foreigners'
        // permanent residence, 2023) are issued in this form too.
        guard utf8.first != UInt8(ascii: "0") else { return false }
        var sum = 0
        var year = 0, month = 0, day = 0
        var position = 0
        for byte in utf8 {
            if position == 17 {
                let check = byte == UInt8(ascii: "x") ? UInt8(ascii: "X") : byte
                return CivilDateTime.isValidDate(year: year, month: month, day: day) && !isFuture(year, month, day)
                    && check == idCheckCharacters[sum % 11]
            }
            guard byte >= 48, byte <= 57 else { return false }
            let digit = Int(byte - 48)
            sum += digit * idWeights[position]
            switch position {
            case 6..<10: year = year * 10 + digit
            case 10..<12: month = month * 10 + digit
            case 12..<14: day = day * 10 + digit
            default: break
            }
            position += 1
        }
        return false
    }
}
