import HuiliuCore
import HuiliuExpression
import Testing

struct CaseNumberTests {
    /// The parts, without `canonical` (``canonicalNumbersMergeSpellings()`` tests it).
    static func parse(_ text: String) throws -> Value {
        var parts = try Support.eval("case_number_parse(@)", .string(text))
        if case .object(var object) = parts {
            object["canonical"] = nil
            parts = .object(object)
        }
        return parts
    }

    static func court(_ year: Int, _ court: String?, _ type: String, _ serial: Int, special: Value = nil,
                      text: String? = nil, division: String? = nil) -> Value {
        ["kind": "court", "year": .integer(year), "court_code": court.map { .string($0) } ?? .null, "special_code": special,
         "division_code": division.map { .string($0) } ?? .null, "type_code": .string(type), "serial": .integer(serial),
         "serial_text": .string(text ?? String(serial))]
    }

    /// One number, one canonical spelling: brackets, full-width digits and spaces do not make
    /// another case.
    @Test func canonicalNumbersMergeSpellings() throws {
        func canonical(_ text: String) throws -> Value? { try Support.eval("case_number_parse(@).canonical", .string(text)) }
        for text in ["（2024）鄂1102民初123号", "(2024)鄂1102民初123号", "[2024]鄂1102民初123号", "［2024］鄂1102民初123号",
                     "（２０２４）鄂１１０２民初１２３号", " 〔2024〕鄂1102民初123号 ", "（2024） 鄂1102 民初123号"] {
            #expect(try canonical(text) == "（2024）鄂1102民初123号", "\(text)")
        }
        #expect(try canonical("(2019)最高法知民终1号") == "（2019）最高法知民终1号")
        #expect(try canonical("(2013)鄂十堰中民四终字第00139号") == "（2013）鄂十堰中民四终字第00139号")
        #expect(try canonical("渝巴检刑诉[2016]585号") == "渝巴检刑诉〔2016〕585号")
        #expect(try canonical("乌检刑诉受〔2021〕520112000002号") == "乌检刑诉受[2021]520112000002号")
        // domain.md §5.2: a unified-system number without 受 keeps it out.
        #expect(try canonical("黔西南检民公〔2021〕522300000001号") == "黔西南检民公[2021]522300000001号")
        // The digits as written: 刑事复核 serials are 8 random digits, zeros first included.
        #expect(try canonical("（2019）最高法刑核01234567号") == "（2019）最高法刑核01234567号")
        // Every canonical court number is one the common schema's pattern takes.
        let pattern = try Regex("^[（(〔](19|20)[0-9]{2}[）)〕]")
        #expect(try canonical("[2024]鄂1102民初123号")?.stringValue?.contains(pattern) == true)
    }

    @Test func courtNumbers() throws {
        #expect(try Self.parse("(2024)京0105民初12345号") == Self.court(2024, "京0105", "民初", 12345, division: "110105"))
        #expect(try Self.parse("（2024）京0105民初12345号") == Self.court(2024, "京0105", "民初", 12345, division: "110105"))
        // domain.md §5.1: 鄂11 is the 黄冈 intermediate court.
        #expect(try Self.parse("（2024）鄂11民初123号") == Self.court(2024, "鄂11", "民初", 123, division: "421100"))
        #expect(try Self.parse("（2024）鄂1181执恢7号") == Self.court(2024, "鄂1181", "执恢", 7, division: "421181"))
        #expect(try Self.parse("（2024）鄂民终5号") == Self.court(2024, "鄂", "民终", 5, division: "420000"))
        #expect(try Self.parse("〔2023〕粤0781刑初88号") == Self.court(2023, "粤0781", "刑初", 88, division: "440781"))
        #expect(try Self.parse("（2019）最高法知民终1号") == Self.court(2019, "最高法", "民终", 1, special: "知"))
        #expect(try Self.parse("（2020）最高法刑核12345678号") == Self.court(2020, "最高法", "刑核", 12_345_678))
        // 刑事复核 serials are 8 random digits: the text keeps a leading zero.
        #expect(try Self.parse("（2021）最高法刑核01234567号") == Self.court(2021, "最高法", "刑核", 1_234_567, text: "01234567"))
        #expect(try Self.parse("［2024］鄂11民初123号") == Self.court(2024, "鄂11", "民初", 123, division: "421100"))
        #expect(try Self.parse(" (2024)京0105行赔初3号 ") == Self.court(2024, "京0105", "行赔初", 3, division: "110105"))
        #expect(try Self.parse("（２０２４）京０１０５民初１２号") == Self.court(2024, "京0105", "民初", 12, division: "110105"))
        // Special courts (71–99: railway, maritime, IP) and military courts name no division.
        #expect(try Self.parse("（2024）鄂71刑终1号")["division_code"] == .null)
        #expect(try Self.parse("（2024）鄂7101刑初1号")["division_code"] == .null)
        #expect(try Self.parse("（2024）军民初1号")["division_code"] == .null)
        // A county-level city the province governs (prefecture digits 90) is a division; a
        // municipality's intermediate courts are numbered in turn, not by division.
        #expect(try Self.parse("（2024）鄂9004民初1号")["division_code"] == "429004")
        #expect(try Self.parse("（2024）鄂90民初1号")["division_code"] == .null)
        #expect(try Self.parse("（2024）京02民终1号")["division_code"] == .null)
        #expect(try Self.parse("（2024）渝0105民初1号")["division_code"] == "500105")
        // Basic courts numbered 71–80 or 90–99 in their prefecture are no county (81–89 are
        // county-level cities): a development zone's is in its prefecture, 北京互联网法院 in no
        // division its code names.
        #expect(try Self.parse("（2024）苏0591民初1号")["division_code"] == "320500")
        #expect(try Self.parse("（2024）苏0571民初1号")["division_code"] == "320500")
        #expect(try Self.parse("（2024）京0491民初1号")["division_code"] == .null)
        #expect(try Self.parse("（2024）鄂1182民初1号")["division_code"] == "421182")
        #expect(try Self.parse("（2024）鄂9071民初1号")["division_code"] == .null)
    }

    /// The pre-2016 `字第` form from domain.md §5.1.
    @Test func legacyCourtNumbers() throws {
        #expect(try Self.parse("(2013)鄂十堰中民四终字第00139号") == Self.court(2013, "鄂十堰中", "民四终", 139, text: "00139"))
        #expect(try Self.parse("(2014)鄂民申字第00275号") == Self.court(2014, "鄂", "民申", 275, text: "00275"))
        // A high court's 法 belongs to its name; 商 starts a type; a court may have no province
        // prefix, and the Supreme Court's old numbers have no court part at all.
        #expect(try Self.parse("(2013)粤高法民二破字第2号") == Self.court(2013, "粤高法", "民二破", 2))
        #expect(try Self.parse("(2013)苏商终字第0123号") == Self.court(2013, "苏", "商终", 123, text: "0123"))
        #expect(try Self.parse("(2013)海民初字第12345号") == Self.court(2013, "海", "民初", 12345))
        #expect(try Self.parse("(2013)民申字第1号") == Self.court(2013, nil, "民申", 1))
        // Place names holding a type character (监利, 新民, 商城) stay in the court; codes
        // whose later characters are type characters too (刑监, 行赔初) stay whole.
        #expect(try Self.parse("(2013)鄂监利民初字第00100号") == Self.court(2013, "鄂监利", "民初", 100, text: "00100"))
        #expect(try Self.parse("(2014)辽新民民初字第00012号") == Self.court(2014, "辽新民", "民初", 12, text: "00012"))
        #expect(try Self.parse("(2014)商城民初字第00012号") == Self.court(2014, "商城", "民初", 12, text: "00012"))
        #expect(try Self.parse("(2012)豫高法刑监字第3号") == Self.court(2012, "豫高法", "刑监", 3))
        #expect(try Self.parse("(2012)京行赔初字第3号") == Self.court(2012, "京", "行赔初", 3))
        #expect(try Self.parse("(2010)浙杭执字第88号") == Self.court(2010, "浙杭", "执", 88))
    }

    /// domain.md §5.2 examples.
    @Test func procuratorateNumbers() throws {
        #expect(try Self.parse("渝巴检刑诉〔2016〕585号") == [
            "kind": "procuratorate_document", "year": 2016, "procuratorate": "渝巴", "type_code": "刑诉",
            "division_code": nil, "serial": 585, "serial_text": "585",
        ])
        #expect(try Self.parse("深龙华检刑诉〔2019〕1247号")["procuratorate"] == "深龙华")
        #expect(try Self.parse("乌检刑诉受[2021]520112000002号") == [
            "kind": "procuratorate_case", "year": 2021, "procuratorate": "乌", "type_code": "刑诉",
            "division_code": "520112", "serial": 2, "serial_text": "000002",
        ])
        #expect(try Self.parse("乌检刑诉受［2021］520112000002号")["division_code"] == "520112")
        #expect(try Self.parse("乌检刑捕受[2021]520112000001号")["type_code"] == "刑捕")
        #expect(try Self.parse("黔西南检检建受[2021]522300000001号")["type_code"] == "检建")
        #expect(try Self.parse("黔西南检民公[2021]522300000001号")["type_code"] == "民公")
        #expect(try Self.parse("义检刑提抗受[2021]522301000001号")["type_code"] == "刑提抗")
        #expect(try Self.parse("东检刑诉受[2019]770000101702号")["division_code"] == "770000")
    }

    @Test(arguments: ["", "2024京0105民初12345号", "(2024)京0105民初12345", "(2024)京015民初1号", "(2024)京0105民初号",
                      "(24)京0105民初1号", "(2024)X0105民初1号", "(2024)京0105民初1号附", "(2024)京0105民初初初初初1号",
                      "检刑诉〔2016〕585号", "渝巴检〔2016〕585号", "hello",
                      // 受 marks a unified-system case number, which has 12 digits.
                      "乌检刑诉受[2021]52011200002号", "乌检刑诉受[2021]5201120000021号",
                      // No court's code (no prefecture 00, no county 00), serial 0, a year not yet come.
                      "（2024）鄂0000民初1号", "（2024）鄂00民初1号", "（2024）鄂1100民初1号", "（2024）鄂11民初0号",
                      "（9999）鄂11民初1号", "（1900）鄂11民初1号"])
    func notCaseNumbers(text: String) throws {
        #expect(try Self.parse(text) == nil, "\(text)")
    }

    @Test func nullGivesNull() throws {
        #expect(try Support.eval("case_number_parse(missing)", [:]) == nil)
    }
}
