/// A monitored parameter from HJ 212-2017 Appendix B.
public struct Parameter: Sendable, Hashable {
    /// The HJ 212-2017 code (`w01018`).
    public var code: String
    /// The Chinese name (`化学需氧量`).
    public var name: String
    /// The default concentration unit, if the parameter has one.
    public var unit: String?
    /// The HJ/T 212-2005 code (原编码, `011`), if there was one.
    public var legacyCode: String?

    /// A parameter.
    public init(code: String, name: String, unit: String?, legacyCode: String? = nil) {
        self.code = code
        self.name = name
        self.unit = unit
        self.legacyCode = legacyCode
    }
}

/// The pollutant code table: names, default units and the 2005 → 2017 code mapping.
///
/// Rows come from HJ 212-2017 tables B.1 (water), B.2 (air) and B.3 (noise) as domain.md §1.8
/// gives them. Rows marked "lua-HJ212" are from `srdgame/lua-HJ212:hj212.csv`, which carries
/// the same table with its 原编码 column; they fill in the GB 3838 items domain.md omits.
public enum ParameterCatalog {
    /// The parameter for a 2017 code or a 2005 code.
    public static func parameter(for code: String) -> Parameter? {
        byCode[code]
    }

    /// The HJ 212-2017 code for a code as a device sent it: 2005 codes are mapped through
    /// the 原编码 column (`011` → `w01018`); anything else is returned unchanged.
    public static func canonicalCode(for deviceCode: String) -> String {
        byCode[deviceCode]?.code ?? deviceCode
    }

    /// The unit a value of `code` is in when a station of system `st` sends it.
    ///
    /// Ambient air stations (ST 22) report gases and particles in µg/m³ (CO in mg/m³), where
    /// the table's defaults are for stacks (mg/m³) and, for particles, ng/m³ (domain.md §1.8).
    public static func defaultUnit(for code: String, systemCode st: String) -> String? {
        defaultUnit(of: byCode[code], systemCode: st)
    }

    /// ``defaultUnit(for:systemCode:)`` for a parameter already looked up.
    static func defaultUnit(of parameter: Parameter?, systemCode st: String) -> String? {
        guard let parameter else { return nil }
        if st == "22", ambientMicrograms.contains(parameter.code) { return "µg/m³" }
        return parameter.unit
    }

    /// Every parameter in the table.
    public static let all: [Parameter] = water + air + noise

    static let ambientMicrograms: Set<String> = ["a21026", "a21004", "a21002", "a21003", "a05024", "a34001", "a34002", "a34004"]

    private static let byCode: [String: Parameter] = {
        var map = [String: Parameter]()
        for parameter in all {
            map[parameter.code] = parameter
            if let legacy = parameter.legacyCode { map[legacy] = parameter }
        }
        return map
    }()

    private static let water: [Parameter] = [
        Parameter(code: "w00000", name: "污水", unit: "L/s", legacyCode: "B01"),
        Parameter(code: "w01001", name: "pH值", unit: "无量纲", legacyCode: "001"),
        // Turbidity: the HJ 525 code, sent by surface-water stations but not in table B.1.
        Parameter(code: "w01003", name: "浊度", unit: "NTU"),
        Parameter(code: "w01009", name: "溶解氧", unit: "mg/L"),
        Parameter(code: "w01010", name: "水温", unit: "°C"),
        Parameter(code: "w01012", name: "悬浮物", unit: "mg/L", legacyCode: "003"),
        Parameter(code: "w01014", name: "电导率", unit: "µS/cm"),
        Parameter(code: "w01017", name: "五日生化需氧量", unit: "mg/L", legacyCode: "010"),
        Parameter(code: "w01018", name: "化学需氧量", unit: "mg/L", legacyCode: "011"),
        Parameter(code: "w01019", name: "高锰酸盐指数", unit: "mg/L"),
        Parameter(code: "w01020", name: "总有机碳", unit: "mg/L", legacyCode: "015"),
        Parameter(code: "w02003", name: "粪大肠菌群", unit: "个/L", legacyCode: "550"),
        Parameter(code: "w19002", name: "阴离子表面活性剂", unit: "mg/L", legacyCode: "520"),  // lua-HJ212
        Parameter(code: "w20111", name: "总汞", unit: "µg/L", legacyCode: "020"),
        Parameter(code: "w20115", name: "总镉", unit: "µg/L", legacyCode: "022"),
        Parameter(code: "w20116", name: "总铬", unit: "mg/L", legacyCode: "023"),  // lua-HJ212
        Parameter(code: "w20117", name: "六价铬", unit: "µg/L", legacyCode: "024"),
        Parameter(code: "w20119", name: "总砷", unit: "µg/L", legacyCode: "026"),
        Parameter(code: "w20120", name: "总铅", unit: "µg/L", legacyCode: "027"),
        Parameter(code: "w20122", name: "总铜", unit: "mg/L", legacyCode: "029"),  // lua-HJ212
        Parameter(code: "w20123", name: "总锌", unit: "mg/L", legacyCode: "030"),  // lua-HJ212
        Parameter(code: "w20128", name: "总硒", unit: "µg/L", legacyCode: "035"),  // lua-HJ212
        Parameter(code: "w20138", name: "铜", unit: "mg/L"),  // lua-HJ212
        Parameter(code: "w20139", name: "锌", unit: "mg/L"),  // lua-HJ212
        Parameter(code: "w20140", name: "硒", unit: "mg/L"),  // lua-HJ212
        Parameter(code: "w20141", name: "砷", unit: "mg/L"),  // lua-HJ212
        Parameter(code: "w20142", name: "汞", unit: "µg/L"),  // lua-HJ212
        Parameter(code: "w20143", name: "镉", unit: "µg/L"),  // lua-HJ212
        Parameter(code: "w20144", name: "铅", unit: "mg/L"),  // lua-HJ212
        Parameter(code: "w21001", name: "总氮", unit: "mg/L", legacyCode: "065"),
        Parameter(code: "w21003", name: "氨氮", unit: "mg/L", legacyCode: "060"),
        Parameter(code: "w21011", name: "总磷", unit: "mg/L", legacyCode: "101"),
        Parameter(code: "w21016", name: "氰化物", unit: "mg/L", legacyCode: "070"),
        Parameter(code: "w21017", name: "氟化物", unit: "mg/L", legacyCode: "072"),  // lua-HJ212
        Parameter(code: "w21019", name: "硫化物", unit: "mg/L", legacyCode: "071"),  // lua-HJ212
        Parameter(code: "w22001", name: "石油类", unit: "mg/L", legacyCode: "080"),
        Parameter(code: "w23002", name: "挥发酚", unit: "mg/L", legacyCode: "110"),
    ]

    private static let air: [Parameter] = [
        Parameter(code: "a00000", name: "废气", unit: "m³/s", legacyCode: "B02"),
        Parameter(code: "a01001", name: "温度", unit: "°C"),
        Parameter(code: "a01002", name: "湿度", unit: "%"),
        Parameter(code: "a01006", name: "气压", unit: "kPa"),
        Parameter(code: "a01007", name: "风速", unit: "m/s"),
        Parameter(code: "a01008", name: "风向", unit: "°"),
        Parameter(code: "a01010", name: "林格曼黑度", unit: "无量纲", legacyCode: "37"),
        Parameter(code: "a01011", name: "烟气流速", unit: "m/s", legacyCode: "S02"),
        Parameter(code: "a01012", name: "烟气温度", unit: "°C", legacyCode: "S03"),
        Parameter(code: "a01013", name: "烟气压力", unit: "kPa", legacyCode: "S08"),
        Parameter(code: "a01014", name: "烟气湿度", unit: "%", legacyCode: "S05"),
        // Ozone: the HJ 524 code, used in practice though absent from table B.2.
        Parameter(code: "a05024", name: "臭氧", unit: "µg/m³"),
        Parameter(code: "a19001", name: "氧气含量", unit: "%", legacyCode: "S01"),
        Parameter(code: "a21002", name: "氮氧化物", unit: "mg/m³", legacyCode: "03"),
        Parameter(code: "a21003", name: "一氧化氮", unit: "mg/m³"),
        Parameter(code: "a21004", name: "二氧化氮", unit: "mg/m³"),
        Parameter(code: "a21005", name: "一氧化碳", unit: "mg/m³", legacyCode: "04"),
        Parameter(code: "a21026", name: "二氧化硫", unit: "mg/m³", legacyCode: "02"),
        Parameter(code: "a24088", name: "非甲烷总烃", unit: "mg/m³"),
        // Table B.2 says ng/m³ for particles; stations report µg/m³, which is kept as the default.
        Parameter(code: "a34001", name: "总悬浮颗粒物", unit: "µg/m³"),
        Parameter(code: "a34002", name: "可吸入颗粒物PM10", unit: "µg/m³"),
        Parameter(code: "a34004", name: "细颗粒物PM2.5", unit: "µg/m³"),
        Parameter(code: "a34013", name: "烟尘", unit: "mg/m³", legacyCode: "01"),
    ]

    private static let noise: [Parameter] = [
        ("LA", "A权声级"), ("L5", "累计百分声级L5"), ("L10", "累计百分声级L10"), ("L50", "累计百分声级L50"),
        ("L90", "累计百分声级L90"), ("L95", "累计百分声级L95"), ("Leq", "等效声级"), ("Ldn", "昼夜等效声级"),
        ("Ld", "昼间等效声级"), ("Ln", "夜间等效声级"), ("LMx", "最大的瞬时声级"), ("LMn", "最小的瞬时声级"),
    ].map { Parameter(code: $0.0, name: $0.1, unit: "dB") }
}
