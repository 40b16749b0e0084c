import HuiliuCore

extension HuiliuFunctions {
    static let identifiers: [ExpressionFunction] = [
        ExpressionFunction(
            "uscc_valid", [P("code", [.string, .null])], returns: .boolean,
            summary: "True if the string is an 18-character unified social credit code (GB 32100-2015) with a correct check character. `null` gives false. Flag failures rather than dropping records: some issued codes fail the check.",
            example: Example("uscc_valid('91310110666007217T')", result: true)
        ) { args in .bool(args[0].stringValue.map(IdentifierChecks.isValidUSCC) ?? false) },
        ExpressionFunction(
            "organization_code_valid", [P("code", [.string, .null])], returns: .boolean,
            summary: "True if the string is a 9-character organisation code (GB 11714-1997), or an 18-character credit code whose characters 9–17 are one, with a correct MOD 11 check character (`X` for 10, `0` for 11). `null` gives false. Some issued credit codes fail this inner check: flag them rather than dropping records.",
            example: Example("organization_code_valid('91310110666007217T')", result: true)
        ) { args in .bool(args[0].stringValue.map(IdentifierChecks.isValidOrganizationCode) ?? false) },
        ExpressionFunction(
            "id_number_valid", [P("number", [.string, .null])], returns: .boolean,
            summary: "True if the string is an 18-character citizen ID number (GB 11643-1999) whose birth date exists and is not after today (China time), and whose ISO 7064 MOD 11-2 check character is correct (`X`, or `x` as forms often take it: `upper` it where the standard's form matters). A 15-digit number (issued before 1999) gives false. `null` gives false.",
            example: Example("id_number_valid('11010519491231002X')", result: true)
        ) { args in .bool(args[0].stringValue.map(IdentifierChecks.isValidResidentID) ?? false) },
        ExpressionFunction(
            "mask", [P("text", [.string, .null]), P("keep_start", .number), P("keep_end", .number), .optional("with", .string)],
            returns: [.string, .null],
            summary: "The text with every character but the first `keep_start` and the last `keep_end` replaced by `*` (or `with`): ID numbers and phone numbers are personal information, masked once validated (`4211**********1997`). Text no longer than what is kept is masked whole. `null` stays `null`.",
            example: Example("mask('421181190001019997', `4`, `4`)", result: "4211**********9997")
        ) { args throws(ExpressionError) in
            guard case .string(let text) = args[0] else { return .null }
            guard let start = args[1].intValue, let end = args[2].intValue, start >= 0, end >= 0 else {
                throw .invalidValue("mask(): keep_start and keep_end must be whole numbers ≥ 0")
            }
            return .string(Masking.mask(text, keepStart: start, keepEnd: end, with: args.optional(3)?.stringValue ?? "*"))
        }.checkingLiterals { literals throws(ExpressionError) in
            for index in [1, 2] {
                if let count = literals[safe: index] ?? nil, (count.intValue ?? -1) < 0 {
                    throw .invalidValue("mask(): keep_start and keep_end must be whole numbers ≥ 0")
                }
            }
        },
        ExpressionFunction(
            "case_number_parse", [P("number", [.string, .null])], returns: [.object, .null],
            summary: """
            The parts of a court case number (案号) as `{kind: "court", year, court_code, special_code, division_code, type_code, \
            serial, serial_text, canonical}`, reading `（2024）鄂11民初123号`, `(2019)最高法知民终1号` and the pre-2016 \
            `(2013)鄂十堰中民四终字第00139号` (whose court code is the Chinese abbreviation, or null when there is none). \
            A court's `division_code` is the GB/T 2260 division its code is made of (`鄂1181` 421181, `鄂11` 421100, `鄂` 420000), \
            null for the Supreme Court, military courts, special courts (digits 71–99) and pre-2016 numbers; \
            or of a procuratorate number as `{kind, year, procuratorate, type_code, division_code, serial, serial_text, canonical}` with kind \
            `procuratorate_document` (`渝巴检刑诉〔2016〕585号`) or `procuratorate_case` (`乌检刑诉受[2021]520112000002号`). \
            `canonical` is the number written one way, whatever its brackets, spaces and digits (`（2024）鄂11民初123号` for \
            `[2024] 鄂１１民初１２３号`): a key that merges one case's spellings. `null` if the text is neither.
            """,
            example: Example("case_number_parse('(2024)京0105民初12345号')", result: [
                "kind": "court", "year": 2024, "court_code": "京0105", "special_code": nil, "division_code": "110105", "type_code": "民初", "serial": 12345,
                "serial_text": "12345", "canonical": "（2024）京0105民初12345号",
            ])
        ) { args in
            guard case .string(let s) = args[0] else { return .null }
            return CaseNumber.parse(s) ?? .null
        },
    ]

    static let digests: [ExpressionFunction] = [
        ExpressionFunction(
            "sha256", [P("text", [.string, .null])], returns: [.string, .null],
            summary: "The SHA-256 digest of the string's UTF-8 bytes, as lowercase hex.",
            example: Example("sha256('abc')", result: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        ) { args in stringMap(args[0]) { Digest.sha256.hex($0) } },
        ExpressionFunction(
            "sm3", [P("text", [.string, .null])], returns: [.string, .null],
            summary: "The SM3 (GB/T 32905-2016) digest of the string's UTF-8 bytes, as lowercase hex.",
            example: Example("sm3('abc')", result: "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
        ) { args in stringMap(args[0]) { Digest.sm3.hex($0) } },
    ]
}
