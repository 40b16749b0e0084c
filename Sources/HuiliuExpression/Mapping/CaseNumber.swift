import Foundation
import HuiliuCore

/// Reads court 案号 and procuratorate numbers into their parts (see shared/domain.md §5).
///
/// Court (法〔2015〕137号 as amended 2018): `（2024）鄂11民初123号` — year of receipt, court
/// code (`最高法`, a province abbreviation, plus 2 or 4 digits of the division code),
/// an optional one-character specialised-trial code (`知`), the case-type code, and
/// the serial. Before 2016 the serial was written `字第00139号` after a Chinese court
/// abbreviation (`（2013）鄂十堰中民四终字第00139号`, `(2013)粤高法民二破字第2号`, or none at
/// all in the Supreme Court's `(2013)民申字第1号`); both forms are read, with `()`, `（）`,
/// `〔〕`, `[]` or `［］` around the year.
///
/// `serial` is the number; `serial_text` keeps its digits as written, since the 8-digit
/// serials of 刑事复核 cases are random and may start with zeros. `canonical` is the number
/// written one way whatever the brackets, spaces and digits it came with: `（2024）鄂1102民初123号`
/// for `[2024] 鄂１１０２民初123号` (full-width brackets for a court, `〔〕` for a procuratorate
/// document, `[]` for a unified-system case, ASCII digits, as many as written), a key that one
/// case keeps however its systems write it.
///
/// Procuratorate: document numbers `渝巴检刑诉〔2016〕585号` and unified-system case
/// numbers `乌检刑诉受[2021]520112000002号`, whose 12 digits are a division code and a
/// six-digit serial.
enum CaseNumber {
    static let provinces = Set("京津沪渝冀晋辽吉黑苏浙皖闽赣鲁豫鄂湘粤琼川黔滇云陕甘青台内桂藏宁新港澳军兵".unicodeScalars)
    /// First characters of pre-2016 case-type codes (刑, 民, 行, 执, 赔, 商, 知, 破, 告申, 立,
    /// 监), used to split the court's abbreviation (`鄂十堰中`, `粤高法`) from its type code
    /// (`民四终`, `民二破`).
    static let legacyTypeInitials = Set("刑民行执赔商知破告立监".unicodeScalars)
    /// What may follow the first character of a pre-2016 type code: a tribunal number (`民四终`)
    /// and the procedure (初 first instance, 终 appeal, 再 retrial, 申 petition, 监 supervision,
    /// 赔 compensation, 恢/异 in enforcement, …).
    static let legacyTypeTail = Set("一二三四五六七八九十初终再复核申提抗他监赔恢异破清特催督委请协外保撤审".unicodeScalars)
    /// The first two digits of GB/T 2260 for each court's province abbreviation (法〔2015〕137号
    /// Art. 4); 军 and 兵 courts are in no division.
    static let provinceDivisions: [Unicode.Scalar: String] = [
        "京": "11", "津": "12", "冀": "13", "晋": "14", "内": "15", "辽": "21", "吉": "22", "黑": "23", "沪": "31", "苏": "32",
        "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45",
        "琼": "46", "渝": "50", "川": "51", "黔": "52", "滇": "53", "云": "53", "藏": "54", "陕": "61", "甘": "62", "青": "63",
        "宁": "64", "新": "65", "台": "71", "港": "81", "澳": "82",
    ]
    static let openers = Set("(（〔[［".unicodeScalars)
    static let closers = Set(")）〕]］".unicodeScalars)

    /// The parts as an object, or `nil` if `text` is neither kind of number.
    static func parse(_ text: String) -> Value? {
        // No number has a space in it: one typed after the bracket (`（2024） 鄂11…`) is dropped.
        var compact = ""
        compact.unicodeScalars.append(contentsOf: text.unicodeScalars.filter { !$0.properties.isWhitespace })
        var scanner = TimestampScanner(compact)
        if let court = court(&scanner) { return court }
        scanner = TimestampScanner(compact)
        return procuratorate(&scanner)
    }

    private static func isChinese(_ c: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(c.value)
    }

    private static func year(_ s: inout TimestampScanner) -> Int? {
        guard let open = s.current, openers.contains(open) else { return nil }
        _ = s.take(open)
        // A year of receipt after next year (China time) is no case's yet.
        let thisYear = CivilDateTime(secondsSinceEpoch: Int(Date().timeIntervalSince1970) + 8 * 3600).year
        guard let year = s.digits(4, 4), (1949...thisYear + 1).contains(year), let close = s.current, closers.contains(close) else { return nil }
        _ = s.take(close)
        return year
    }

    /// The serial digits and the final `号`, which must end the text.
    private static func serial(_ s: inout TimestampScanner) -> (value: Int, digits: String)? {
        var digits = ""
        while let c = s.current, c.value >= 48, c.value <= 57 {
            digits.unicodeScalars.append(c)
            _ = s.take(c)
        }
        guard !digits.isEmpty, digits.count <= 18, s.take("号"), s.atEnd, let value = Int(digits) else { return nil }
        // Serials count from 1; only the random eight digits of 刑事复核 may all be zeros.
        guard value > 0 || digits.count == 8 else { return nil }
        return (value, digits)
    }

    private static func court(_ s: inout TimestampScanner) -> Value? {
        guard let year = year(&s) else { return nil }
        var legacy = s
        if let parts = legacyCourt(&legacy, year: year) { return parts }
        var court = ""
        if s.take("最") {
            guard s.take("高"), s.take("法") else { return nil }
            court = "最高法"
        } else {
            guard let province = s.current, provinces.contains(province) else { return nil }
            _ = s.take(province)
            court.unicodeScalars.append(province)
            var digits = ""
            while let c = s.current, c.value >= 48, c.value <= 57 {
                digits.unicodeScalars.append(c)
                _ = s.take(c)
            }
            guard digits.isEmpty || digits.count == 2 || digits.count == 4 else { return nil }
            // 00 names no prefecture (the digits are those of a division below the province), and
            // a basic court's last two no county: `鄂0000` and `鄂1100` are no court's.
            guard !digits.hasPrefix("00"), digits.count != 4 || !digits.hasSuffix("00") else { return nil }
            court += digits
        }
        var run: [Unicode.Scalar] = []
        while let c = s.current, isChinese(c) {
            run.append(c)
            _ = s.take(c)
        }
        guard let serial = serial(&s) else { return nil }
        var special: Value = .null
        if run.first == "知" && run.count > 1 {
            special = "知"
            run.removeFirst()
        }
        guard (1...4).contains(run.count) else { return nil }
        var type = ""
        type.unicodeScalars.append(contentsOf: run)
        return [
            "kind": "court", "year": .integer(year), "court_code": .string(court), "special_code": special,
            "division_code": division(ofCourt: court).map { .string($0) } ?? .null,
            "type_code": .string(type), "serial": .integer(serial.value), "serial_text": .string(serial.digits),
            // The digits as written: the 8-digit serials of 刑事复核 cases are random and may start
            // with zeros, so 01234567 is no 1234567 written another way.
            "canonical": .string("（\(year)）\(court)\(special.stringValue ?? "")\(type)\(serial.digits)号"),
        ]
    }

    /// The GB/T 2260 division a court code is made of (Arts. 4–5): `鄂` 420000, `鄂11` 421100,
    /// `鄂1181` 421181, `鄂9004` 429004 (仙桃, a county-level city the province governs), `苏0571`
    /// 320500 (a development zone's court, in 苏州). None
    /// for the Supreme Court, military and 兵团 courts, the special courts numbered 71–99
    /// (railway, maritime, IP …) and the courts under them, whose digits name no division, and
    /// the intermediate courts of 京津沪渝, numbered in turn (京02 is the second). A division
    /// renamed since keeps its court's old code (Art. 13).
    private static func division(ofCourt court: String) -> String? {
        guard let province = court.unicodeScalars.first, let prefix = provinceDivisions[province] else { return nil }
        let digits = String(court.unicodeScalars.dropFirst())
        if let prefecture = Int(digits.prefix(2)), prefecture >= 71, !(prefecture == 90 && digits.count == 4) { return nil }
        let municipality = "京津沪渝".unicodeScalars.contains(province)
        if digits.count == 2, municipality { return nil }
        // A basic court numbered 71–80 or 90–99 within its prefecture (a development zone's, an
        // internet court) is no county (81–89 are county-level cities, 麻城 421181): it sits in
        // the prefecture, a municipality's in none it names.
        if digits.count == 4, let county = Int(digits.suffix(2)), (71...80).contains(county) || county >= 90 {
            // Group 90 is no prefecture (429000 is no division).
            return municipality || digits.hasPrefix("90") ? nil : prefix + digits.prefix(2) + "00"
        }
        return prefix + digits + String(repeating: "0", count: 4 - digits.count)
    }

    /// The pre-2016 form after the year: a Chinese court abbreviation (possibly none), the
    /// type code, `字第`, the serial and `号`. The type code is the longest ending that reads
    /// as one (a type character, then only tribunal numbers and procedure characters), so a
    /// place name holding a type character stays in the court (`鄂监利`+`民初`, `商城`+`民初`);
    /// `court_code` is null when nothing is left for it.
    private static func legacyCourt(_ s: inout TimestampScanner, year: Int) -> Value? {
        var run: [Unicode.Scalar] = []
        while let c = s.current, isChinese(c), c != "字" {
            run.append(c)
            _ = s.take(c)
        }
        guard s.take("字"), s.take("第"), let serial = serial(&s) else { return nil }
        // Walking back from the end, the tail characters; the split is the earliest type
        // character whose following characters are all tail characters.
        var split: Int?
        var index = run.count - 1
        while index >= 0 {
            if legacyTypeInitials.contains(run[index]) { split = index }
            guard legacyTypeTail.contains(run[index]) else { break }
            index -= 1
        }
        guard let split else { return nil }
        var court = "", type = ""
        court.unicodeScalars.append(contentsOf: run[..<split])
        type.unicodeScalars.append(contentsOf: run[split...])
        return [
            "kind": "court", "year": .integer(year), "court_code": court.isEmpty ? .null : .string(court),
            "special_code": .null, "division_code": .null, "type_code": .string(type), "serial": .integer(serial.value),
            "serial_text": .string(serial.digits), "canonical": .string("（\(year)）\(court)\(type)字第\(serial.digits)号"),
        ]
    }

    private static func procuratorate(_ s: inout TimestampScanner) -> Value? {
        var prefix: [Unicode.Scalar] = []
        while let c = s.current, isChinese(c) {
            prefix.append(c)
            _ = s.take(c)
        }
        guard let mark = prefix.firstIndex(of: "检"), mark > 0, mark < prefix.count - 1 else { return nil }
        guard let year = year(&s), let serial = serial(&s) else { return nil }
        var name = "", type = ""
        name.unicodeScalars.append(contentsOf: prefix[..<mark])
        var code = prefix[(mark + 1)...]
        // 刑诉受: the trailing 受 marks a case accepted in the unified system, whose numbers have
        // 12 digits; with any other count the text is neither kind, not a document number.
        let accepted = code.count > 1 && code.last == "受"
        if accepted {
            guard serial.digits.count == 12 else { return nil }
            code.removeLast()
        }
        type.unicodeScalars.append(contentsOf: code)
        if serial.digits.count == 12 {
            return [
                "kind": "procuratorate_case", "year": .integer(year), "procuratorate": .string(name),
                "type_code": .string(type), "division_code": .string(String(serial.digits.prefix(6))),
                "serial": .integer(Int(serial.digits.suffix(6))!), "serial_text": .string(String(serial.digits.suffix(6))),
                // Some unified-system numbers have no 受 (黔西南检民公[2021]522300000001号): kept as written.
                "canonical": .string("\(name)检\(type)\(accepted ? "受" : "")[\(year)]\(serial.digits)号"),
            ]
        }
        return [
            "kind": "procuratorate_document", "year": .integer(year), "procuratorate": .string(name),
            "type_code": .string(type), "division_code": .null, "serial": .integer(serial.value),
            "serial_text": .string(serial.digits), "canonical": .string("\(name)检\(type)〔\(year)〕\(serial.digits)号"),
        ]
    }
}
