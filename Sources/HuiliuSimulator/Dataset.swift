import HuiliuCore

/// The simulated systems' data: record `i` of each set is a pure function of the seed and
/// `i`, in the shapes and field names the real systems use (pinyin abbreviations, yuan as
/// text, local times without an offset), so connectors meet what they will meet in the field.
struct Dataset: Sendable {
    let configuration: SimulatorConfiguration

    static let agencies = [("421100001", "黄冈市教育局"), ("421100002", "黄冈市卫生健康委员会"), ("421100003", "黄冈市生态环境局"),
                           ("421100004", "黄冈市住房和城乡建设局"), ("421100005", "黄冈市水利和湖泊局"), ("421100006", "黄冈市农业农村局")]
    static let payees = [("91421100MA4F00120J", "黄冈市城建工程有限公司", "421001234567890123"),
                         ("91420000177570439L", "国网湖北省电力有限公司黄冈供电公司", "570201040000123456"),
                         ("91421102MA49XY012Q", "黄冈智汇科技发展有限公司", "1801014010000456789"),
                         ("", "张某某（个人劳务）", "6217001810012345678")]
    static let functions = [("2050201", "学前教育"), ("2100302", "乡镇卫生院"), ("2110301", "大气"), ("2120501", "城乡社区环境卫生"),
                            ("2130101", "行政运行")]
    static let economics = [("30201", "办公费"), ("30213", "维修（护）费"), ("31002", "办公设备购置"), ("30206", "电费"), ("30227", "委托业务费")]
    static let counties = [("421102", "黄州区"), ("421181", "麻城市"), ("421182", "武穴市"), ("421122", "红安县"), ("421125", "浠水县")]

    /// 2024-01-01 00:00:00 in Asia/Shanghai, as seconds since the epoch.
    static let epoch = CivilCalendar.days(year: 2024, month: 1, day: 1) * 86_400 - 8 * 3600

    /// A local time (`yyyy-MM-dd HH:mm:ss`, Asia/Shanghai) `seconds` after the epoch.
    static func localTime(_ seconds: Int) -> String {
        let local = seconds + 8 * 3600
        let (y, m, d) = CivilCalendar.civil(fromDays: local / 86_400)
        let s = local % 86_400
        return "\(y)-\(pad(m))-\(pad(d)) \(pad(s / 3600)):\(pad(s / 60 % 60)):\(pad(s % 60))"
    }

    static func pad(_ n: Int, _ width: Int = 2) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    func malformed(_ i: Int) -> Bool {
        configuration.faults.malformedEvery > 0 && (i + 1) % configuration.faults.malformedEvery == 0
    }

    // MARK: Budget network (预算联网监督)

    /// When payment `i` was last updated: strictly increasing, 17 minutes apart.
    static func paymentUpdated(_ i: Int) -> Int { epoch + i * 17 * 60 }

    func payment(_ i: Int) -> Value {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 1)
        let agency = random.pick(Self.agencies), payee = random.pick(Self.payees)
        let function = random.pick(Self.functions), economic = random.pick(Self.economics)
        let fen = random.int(100...50_000_000)
        let updated = Self.paymentUpdated(i)
        let date = String(Self.localTime(updated).prefix(10))
        return [
            "zfpzh": .string("ZF2024\(Self.pad(i + 1, 8))"), "zfrq": .string(date),
            "ysdwbm": .string(agency.0), "ysdwmc": .string(agency.1),
            "skrmc": .string(payee.1), "skrtyxydm": .string(payee.0), "skrzh": .string(payee.2),
            "zfje": .string(malformed(i) ? "12.345" : "\(fen / 100).\(Self.pad(fen % 100))"),
            "gnkmbm": .string(function.0), "gnkmmc": .string(function.1),
            "jjkmbm": .string(economic.0), "jjkmmc": .string(economic.1),
            "zjxz": "一般公共预算", "zfzt": "已支付", "gxsj": .string(Self.localTime(updated)),
        ]
    }

    /// Rows of the spending completion table (支出完成情况表) a year holds: every unit and
    /// functional class, cumulative to each month.
    static let executionRows = 12 * agencies.count * functions.count

    /// Row `i` of the 2024 spending completion table: month `i / 30 + 1`, then unit, then class.
    /// Each line spends at its own steady pace (75–110 % of time progress), so the slow ones fall
    /// behind 序时进度 as the year goes on; one in 13 spends past its budget by the end.
    func execution(_ i: Int) -> Value {
        let lines = Self.agencies.count * Self.functions.count
        let month = i / lines + 1, line = i % lines
        let agency = Self.agencies[line / Self.functions.count], function = Self.functions[line % Self.functions.count]
        var random = SeededRandom(seed: configuration.seed, index: line, stream: 8)
        let initial = random.int(1_000_000...500_000_000)
        let adjusted = initial + initial / 100 * random.int(-5...10)
        let pace = random.int(750...1100)
        let lastYearPace = random.int(850...1050)
        // One line in 13 keeps spending past its budget in the last months (超预算支出).
        let overspends = line % 13 == 5
        func cumulative(_ month: Int, _ pace: Int) -> Int {
            overspends ? adjusted / 12_000 * month * max(pace, 1_080) : min(adjusted, adjusted / 12_000 * month * pace)
        }
        let spent = cumulative(month, pace)
        func yuan(_ fen: Int) -> Value { .string("\(fen / 100).\(Self.pad(fen % 100))") }
        return [
            "nd": 2024, "yf": .integer(month), "qhdm": "421100", "yslb": "一般公共预算",
            "ysdwbm": .string(agency.0), "ysdwmc": .string(agency.1), "gnkmbm": .string(function.0), "gnkmmc": .string(function.1),
            "ncysje": yuan(initial), "tzysje": yuan(adjusted),
            "byzcje": malformed(i) ? "12.345" : yuan(spent - cumulative(month - 1, pace)), "ljzcje": yuan(spent),
            "sntqljzcje": yuan(cumulative(month, lastYearPace) * 9 / 10),
            // 累计预算完成率 as this system reports it: truncated to hundredths, not rounded.
            "ljwcl": .string("\(spent * 100 / adjusted).\(Self.pad(spent * 10_000 / adjusted % 100))"),
            // Reported at 09:00 on the second day of the next month.
            "tbsj": .string(Self.localTime(Self.epoch + 9 * 3600 + 86_400 * (CivilCalendar.days(year: 2024 + month / 12, month: month % 12 + 1, day: 2)
                                                                             - CivilCalendar.days(year: 2024, month: 1, day: 1)))),
        ]
    }

    // MARK: Government (一府)

    func project(_ i: Int) -> Value {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 2)
        let county = random.pick(Self.counties), agency = random.pick(Self.agencies)
        let names = ["老旧小区改造", "农村饮水安全巩固提升", "城区学校扩容", "乡镇卫生院标准化建设", "城乡公交一体化", "背街小巷整治"]
        let progress = random.int(0...100)
        return [
            "xmbh": .string("MSSS2024-\(Self.pad(i + 1, 4))"), "xmmc": .string("\(county.1)\(random.pick(names))"),
            "nd": 2024, "qhdm": .string(county.0), "qtdw": .string(agency.1),
            "jhtz": .string("\(random.int(50...5000) * 10000).00"), "jd": .integer(progress),
            "zt": .string(progress == 100 ? "已完成" : (progress == 0 ? "未开工" : "推进中")),
            "gxsj": .string(Self.localTime(Self.epoch + i * 3600)),
        ]
    }

    func suggestion(_ i: Int) -> Value {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 3)
        let topics = ["关于加强农村饮用水水源保护的建议", "关于推进城区停车设施建设的建议", "关于提升基层医疗服务能力的建议",
                      "关于加快黄标车淘汰的建议", "关于完善养老服务体系的建议"]
        let deputies = ["王某", "李某", "陈某", "刘某", "周某"]
        let states = ["已交办", "办理中", "已答复"]
        return [
            "jybh": .string("2024-\(Self.pad(i + 1, 3))"), "jc": "黄冈市第六届人民代表大会第四次会议", "nd": 2024,
            "bt": .string(random.pick(topics)), "lyr": .array([.string(random.pick(deputies)), .string(random.pick(deputies))]),
            "zbdw": .string(random.pick(Self.agencies).1), "blzt": .string(random.pick(states)),
            "qhdm": "421100", "gxsj": .string(Self.localTime(Self.epoch + i * 5400)),
        ]
    }

    // MARK: Supervisory commission (监委)

    func supervisionItem(_ i: Int) -> [(String, String)] {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 4)
        let issued = Self.epoch + i * 86_400 * 3
        return [
            ("Id", "JCJY-2024-\(Self.pad(i + 1, 3))"), ("Kind", random.pick(["监察建议", "整改通知"])),
            ("Title", random.pick(["关于规范工程项目招投标管理的监察建议", "关于加强专项资金使用监管的监察建议", "关于整改违规发放津补贴问题的通知"])),
            ("Issuer", "黄冈市监察委员会"), ("Recipient", random.pick(Self.agencies).1),
            ("IssuedDate", String(Self.localTime(issued).prefix(10))),
            ("Deadline", String(Self.localTime(issued + 86_400 * 60).prefix(10))),
            ("Status", random.pick(["整改中", "已整改", "逾期未整改"])),
        ]
    }

    // MARK: Court (法院)

    func courtCase(_ i: Int) -> (attributes: [(String, String)], elements: [(String, String)]) {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 5)
        let courts = [("鄂11", "湖北省黄冈市中级人民法院"), ("鄂1102", "黄州区人民法院"), ("鄂1181", "麻城市人民法院")]
        let kinds = [("民初", "民事一审", ["买卖合同纠纷", "民间借贷纠纷", "劳动争议"]), ("刑初", "刑事一审", ["盗窃罪", "诈骗罪"]),
                     ("行初", "行政一审", ["政府信息公开", "行政处罚"]), ("执", "执行", ["申请执行民间借贷纠纷判决"])]
        let court = random.pick(courts), kind = random.pick(kinds)
        let filed = Self.epoch + i * 86_400
        let closed = random.int(0...2) > 0
        var elements = [("Ay", random.pick(kind.2)), ("Ajlx", kind.1), ("Larq", String(Self.localTime(filed).prefix(10)))]
        if closed { elements += [("Jarq", String(Self.localTime(filed + 86_400 * random.int(20...120)).prefix(10))), ("Jafs", "判决")] }
        if kind.0 == "民初" || kind.0 == "执" { elements.append(("Bdje", "\(random.int(1000...900_000)).00")) }
        return ([("ah", "（2024）\(court.0)\(kind.0)\(1000 + i)号"), ("fymc", court.1)], elements)
    }

    // MARK: Procuratorate (检察院)

    func procuratorateCase(_ i: Int) -> Value {
        var random = SeededRandom(seed: configuration.seed, index: i, stream: 6)
        let kind = random.pick([("行公", "public_interest", "行政公益诉讼"), ("民公", "public_interest", "民事公益诉讼"), ("刑诉", "criminal", "审查起诉")])
        return [
            "bmsah": .string("黄冈检\(kind.0)受[2024]421100\(Self.pad(i + 1, 6))号"), "ajlb": .string(kind.2),
            "lb": .string(kind.1), "cbbm": "第八检察部", "slrq": .string(String(Self.localTime(Self.epoch + i * 86_400 * 2).prefix(10))),
            "jyzt": .string(random.pick(["已发出检察建议", "已回复", "已起诉"])), "qhdm": "421100",
        ]
    }

    // MARK: Environment (生态环境)

    static let stations = [("42110200SW0001", "巴河入江口", "river"), ("42110200SW0002", "遗爱湖", "lake_reservoir")]

    func hourlyWater(station: Int, hour: Int) -> Value {
        var random = SeededRandom(seed: configuration.seed, index: hour * 8 + station, stream: 7)
        let (mn, name, _) = Self.stations[station]
        func value(_ low: Int, _ high: Int, scale: Int) -> Value {
            .decimal(DecimalNumber(significand: random.int(low...high), exponent: -scale))
        }
        return [
            "mn": .string(mn), "zdmc": .string(name), "jcsj": .string(Self.localTime(Self.epoch + hour * 3600)),
            "ph": value(700, 850, scale: 2), "rjy": value(40, 90, scale: 1), "gmsy": value(20, 80, scale: 1),
            "ad": value(10, 120, scale: 2), "zl": value(20, 250, scale: 3), "bz": "N",
        ]
    }
}
