import HuiliuCore
import HuiliuExpression
import Testing

/// The worked examples of shared/domain.md §4, each as a test.
struct IdentifierTests {
    static let usccCharset = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let usccWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    static func usccValid(_ code: String) throws -> Bool {
        try Support.eval("uscc_valid(@)", .string(code)) == true
    }

    static func idValid(_ number: String) throws -> Bool {
        try Support.eval("id_number_valid(@)", .string(number)) == true
    }

    /// The domain.md table: Σ(value × weight), Σ mod 31 and the check character.
    @Test(arguments: [("91310110666007217T", 966, 5), ("91310115591693856A", 1199, 21)])
    func usccWorkedExamples(code: String, sum: Int, remainder: Int) throws {
        let values = code.prefix(17).map { Self.usccCharset.firstIndex(of: $0)! }
        let weighted = zip(values, Self.usccWeights).map(*).reduce(0, +)
        #expect(weighted == sum)
        #expect(weighted % 31 == remainder)
        #expect(Self.usccCharset[31 - remainder] == code.last)
        #expect(try Self.usccValid(code))
    }

    @Test func usccWorkedSumTermByTerm() {
        // 9·1 + 1·3 + 3·9 + 1·27 + 0·19 + 1·26 + 1·16 + 0·17 + 6·20 + 6·29 + 6·25 + 0·13 + 0·8 + 7·24 + 2·10 + 1·30 + 7·28
        let terms = [9 * 1, 1 * 3, 3 * 9, 1 * 27, 0 * 19, 1 * 26, 1 * 16, 0 * 17, 6 * 20, 6 * 29, 6 * 25, 0 * 13, 0 * 8,
                     7 * 24, 2 * 10, 1 * 30, 7 * 28]
        #expect(terms.reduce(0, +) == 966)
    }

    @Test func usccOtherValidCodes() throws {
        #expect(try Self.usccValid("91350200776049653A"))
        #expect(try Self.usccValid("91330101589882738D"))
        // A remainder of 0 gives 31, which is written as 0.
        #expect(try Self.usccValid("9131011066600721K0"))
    }

    /// A birth date after today passes the calendar and the check character but is no one's.
    @Test func anIDNumberBornInTheFutureIsInvalid() throws {
        #expect(try !Self.idValid("110105209912310010"))
        #expect(try !Self.idValid("110105300001010014"))
        #expect(try Self.idValid("11010519491231002X"))
    }

    /// domain.md's caution: this code is in use but fails the check (computed 9).
    @Test func usccKnownFailingCode() throws {
        #expect(try !Self.usccValid("91350203M0001QAY9B"))
        #expect(try Self.usccValid("91350203M0001QAY99"))
    }

    @Test(arguments: ["91310110666007217A", "91310110666007217", "91310110666007217TT", "91310110666007217t",
                      "9131011066600721IT", "91310110666007O17T", ""])
    func usccInvalid(code: String) throws {
        #expect(try !Self.usccValid(code), "\(code)")
    }

    /// Placeholders upstream systems write for "no code" pass the check character but are no
    /// one's: department 0, division 000000, an ID number's address code 000000.
    @Test func placeholdersAreInvalid() throws {
        #expect(try !Self.usccValid("000000000000000000"))
        #expect(try !Self.usccValid("91000000000000000K"))
        #expect(try !Self.idValid("000000199001010018"))
        // Permits issued in the same form stay valid: Taiwan residents' (83), foreigners' (9x).
        #expect(try Self.idValid("830000199001010012"))
        #expect(try Self.idValid("911156199001010010"))
        // National registrations are coded 100000, and stay valid.
        #expect(try Self.usccValid("11100000000013127" + String(Self.check("11100000000013127"))))
    }

    static func check(_ first17: String) -> Character {
        let sum = zip(first17.map { usccCharset.firstIndex(of: $0)! }, usccWeights).map(*).reduce(0, +)
        return usccCharset[(31 - sum % 31) % 31]
    }

    @Test func usccTypes() throws {
        #expect(try Support.eval("uscc_valid(missing)", [:]) == false)
        #expect(Support.errorKind("uscc_valid(`91310110666007217`)") == "invalid-type")
    }

    /// The standard's own examples and the synthetic 麻城市 one, with their sums.
    @Test(arguments: [("440524188001010014", 195), ("11010519491231002X", 167), ("421181190001019997", 280)])
    func idWorkedExamples(number: String, sum: Int) throws {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let weighted = zip(number.prefix(17).map { Int(String($0))! }, weights).map(*).reduce(0, +)
        #expect(weighted == sum)
        #expect(Array("10X98765432")[weighted % 11] == number.last)
        #expect(try Self.idValid(number))
    }

    @Test func idAcceptsLowercaseX() throws {
        #expect(try Self.idValid("11010519491231002x"))
    }

    @Test(arguments: [
        "440524188001010015",  // wrong check character
        "421181199002301231",  // check is right, but 1990-02-30 does not exist
        "421181202302291236",  // check is right, but 2023 is not a leap year
        "42118119000101999",   // 17 characters
        "4211811900010199970",
        "42118119000101999A",
        "４40524188001010014",
        "",
    ])
    func idInvalid(number: String) throws {
        #expect(try !Self.idValid(number), "\(number)")
    }

    @Test func idLeapDayIsValid() throws {
        #expect(try Self.idValid("421181202402291233"))
    }

    /// §4.1/§4.3: the organisation codes inside the two credit codes check by GB 11714 —
    /// 66600721 → 7 (Σ 180, mod 11 = 4) and 59169385 → 6 (Σ 258, mod 11 = 5) — and the code
    /// whose USCC check fails (91350203M0001QAY9B) is flagged, not thrown out.
    @Test(arguments: [("66600721", 180, "7"), ("59169385", 258, "6")])
    func organizationCodeWorkedExamples(body: String, sum: Int, check: String) throws {
        let values = body.map { $0.isNumber ? Int(String($0))! : Int($0.asciiValue! - 65 + 10) }
        #expect(zip(values, [3, 7, 9, 10, 5, 8, 4, 2]).map(*).reduce(0, +) == sum)
        #expect(String(11 - sum % 11) == check)
        #expect(try Support.eval("organization_code_valid(@)", .string(body + check)) == true)
        #expect(try Support.eval("organization_code_valid(@)", .string(body + "1")) == false)
    }

    @Test func organizationCodesInsideCreditCodes() throws {
        #expect(try Support.eval("organization_code_valid(@)", "91310110666007217T") == true)
        #expect(try Support.eval("organization_code_valid(@)", "91310115591693856A") == true)
        #expect(try Support.eval("organization_code_valid(@)", "91310110666007218T") == false)
        #expect(try Support.eval("organization_code_valid(@)", .null) == false)
        // 00000003: Σ = 3 × 2 = 6, check 11 − 6 = 5.
        #expect(try Support.eval("organization_code_valid(@)", "000000035") == true)
        // 00000030: Σ = 3 × 4 = 12, 11 − 1 = 10, written X; 00000000: Σ = 0, 11 is written 0.
        #expect(try Support.eval("organization_code_valid(@)", "00000030X") == true)
        #expect(try Support.eval("organization_code_valid(@)", "000000000") == true)
    }

    /// §4.2: ID numbers are masked once validated, as `4211**********1997`.
    @Test func maskingKeepsOnlyTheEnds() throws {
        #expect(try Support.eval("mask(@, `4`, `4`)", "421181190001019997") == "4211**********9997")
        #expect(try Support.eval("mask(@, `3`, `4`)", "13812345678") == "138****5678")
        #expect(try Support.eval("mask(@, `1`, `0`, '×')", "张三丰") == "张××")
        #expect(try Support.eval("mask(@, `4`, `4`)", "1234567") == "*******")
        #expect(try Support.eval("mask(@, `4`, `4`)", .null) == .null)
        #expect(Support.errorKind("mask('abc', `-1`, `0`)") == "invalid-value")
        // Counts as large as Int allows (from data, say) mask the whole text instead of overflowing.
        #expect(try Support.eval("mask('abc', `9223372036854775807`, `1`)") == "***")
        #expect(try Support.eval("mask('abcdef', `4611686018427387904`, `4611686018427387904`)") == "******")
    }
}
