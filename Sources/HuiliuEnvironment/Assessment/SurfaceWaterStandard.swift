public import HuiliuCore

/// GB 3838-2002 table 1: the class limits of the items that take part in single-factor
/// evaluation, and the class of one value.
///
/// The evaluated items are the 24 basic items except water temperature, total nitrogen and
/// faecal coliforms (评价办法): 21 items. Boundaries are inclusive (NH3-N 1.0 is Class III,
/// 1.01 Class IV), and comparisons are exact decimal comparisons.
public enum SurfaceWaterStandard {
    /// The standard's name.
    public static let name = "GB 3838-2002"

    enum Rule: Sendable {
        /// Upper limits for classes I–V, in mg/L.
        case atMost([DecimalNumber])
        /// Lower limits for classes I–V (dissolved oxygen).
        case atLeast([DecimalNumber])
        /// The same closed range for classes I–V (pH 6–9).
        case within(DecimalNumber, DecimalNumber)
    }

    /// True if `code` (HJ 212-2017) takes part in the class evaluation.
    public static func isEvaluated(_ code: String) -> Bool {
        rules[code] != nil
    }

    /// The class of one value, or `nil` if the item does not take part or the unit is unknown.
    /// - Parameters:
    ///   - code: the HJ 212-2017 parameter code.
    ///   - value: the value in `unit`.
    ///   - unit: `mg/L`, `µg/L` or `ng/L` (pH: `无量纲`); `nil` means the catalog's default unit.
    ///   - waterBody: rivers and lakes/reservoirs differ in their total-phosphorus limits.
    public static func waterClass(code: String, value: DecimalNumber, unit: String?, waterBody: WaterBody) -> WaterClass? {
        if waterBody == .unknown && code == "w21011" {
            let river = waterClass(code: code, value: value, unit: unit, waterBody: .river)
            return river == waterClass(code: code, value: value, unit: unit, waterBody: .lakeReservoir) ? river : nil
        }
        guard let rule = rule(for: code, waterBody: waterBody),
              let c = normalized(value, unit: unit ?? ParameterCatalog.parameter(for: code)?.unit, code: code) else { return nil }
        switch rule {
        case .within(let low, let high):
            return DecimalNumber.compare(c, low) >= 0 && DecimalNumber.compare(c, high) <= 0 ? .I : .worseThanV
        case .atLeast(let limits):
            for (k, limit) in limits.enumerated() where DecimalNumber.compare(c, limit) >= 0 { return WaterClass(rawValue: k + 1) }
            return .worseThanV
        case .atMost(let limits):
            for (k, limit) in limits.enumerated() where DecimalNumber.compare(c, limit) <= 0 { return WaterClass(rawValue: k + 1) }
            return .worseThanV
        }
    }

    /// 超标倍数: how many times a value exceeds the limit of a target class, `(C − limit) / limit`,
    /// rounded half-even to `fractionDigits`; `nil` if it does not exceed, or for pH and
    /// dissolved oxygen, which have no upper limit.
    public static func exceedanceMultiple(code: String, value: DecimalNumber, unit: String?, target: WaterClass,
                                          waterBody: WaterBody, fractionDigits: Int = 2) -> DecimalNumber? {
        guard target != .worseThanV, case .atMost(let limits)? = rule(for: code, waterBody: waterBody),
              let c = normalized(value, unit: unit ?? ParameterCatalog.parameter(for: code)?.unit, code: code) else { return nil }
        let limit = limits[target.rawValue - 1]
        guard DecimalNumber.compare(c, limit) > 0, let excess = DecimalNumber.difference(c, limit) else { return nil }
        return DecimalNumber.quotient(excess, limit, fractionDigits: fractionDigits)
    }

    static func rule(for code: String, waterBody: WaterBody) -> Rule? {
        if code == "w21011", waterBody == .lakeReservoir { return lakePhosphorus }
        if code == "w21011", waterBody == .unknown { return nil }
        return rules[code]
    }

    /// The value in mg/L (or unchanged for pH), or `nil` for a unit the limits cannot use.
    static func normalized(_ value: DecimalNumber, unit: String?, code: String) -> DecimalNumber? {
        if code == "w01001" { return value }
        guard let (toMicrograms, volume) = ConcentrationUnit.parse(unit), volume == .litre else { return nil }
        return value.timesPowerOfTen(toMicrograms - 3)
    }

    private static func limits(_ texts: String...) -> [DecimalNumber] {
        texts.map { DecimalNumber($0)! }
    }

    private static let lakePhosphorus = Rule.atMost(limits("0.01", "0.025", "0.05", "0.1", "0.2"))

    /// Table 1 by HJ 212-2017 code. Where the code table has both a 总 (total) and a plain
    /// code for a metal, both map to the metal's row.
    private static let rules: [String: Rule] = {
        let copper = Rule.atMost(limits("0.01", "1.0", "1.0", "1.0", "1.0"))
        let zinc = Rule.atMost(limits("0.05", "1.0", "1.0", "2.0", "2.0"))
        let selenium = Rule.atMost(limits("0.01", "0.01", "0.01", "0.02", "0.02"))
        let arsenic = Rule.atMost(limits("0.05", "0.05", "0.05", "0.1", "0.1"))
        let mercury = Rule.atMost(limits("0.00005", "0.00005", "0.0001", "0.001", "0.001"))
        let cadmium = Rule.atMost(limits("0.001", "0.005", "0.005", "0.005", "0.01"))
        let lead = Rule.atMost(limits("0.01", "0.01", "0.05", "0.05", "0.1"))
        return [
            "w01001": .within(DecimalNumber(significand: 6, exponent: 0), DecimalNumber(significand: 9, exponent: 0)),
            "w01009": .atLeast(limits("7.5", "6", "5", "3", "2")),
            "w01019": .atMost(limits("2", "4", "6", "10", "15")),
            "w01018": .atMost(limits("15", "15", "20", "30", "40")),
            "w01017": .atMost(limits("3", "3", "4", "6", "10")),
            "w21003": .atMost(limits("0.15", "0.5", "1.0", "1.5", "2.0")),
            "w21011": .atMost(limits("0.02", "0.1", "0.2", "0.3", "0.4")),
            "w20122": copper, "w20138": copper,
            "w20123": zinc, "w20139": zinc,
            "w21017": .atMost(limits("1.0", "1.0", "1.0", "1.5", "1.5")),
            "w20128": selenium, "w20140": selenium,
            "w20119": arsenic, "w20141": arsenic,
            "w20111": mercury, "w20142": mercury,
            "w20115": cadmium, "w20143": cadmium,
            "w20117": .atMost(limits("0.01", "0.05", "0.05", "0.05", "0.1")),
            "w20120": lead, "w20144": lead,
            "w21016": .atMost(limits("0.005", "0.05", "0.2", "0.2", "0.2")),
            "w23002": .atMost(limits("0.002", "0.002", "0.005", "0.01", "0.1")),
            "w22001": .atMost(limits("0.05", "0.05", "0.05", "0.5", "1.0")),
            "w19002": .atMost(limits("0.2", "0.2", "0.2", "0.3", "0.3")),
            "w21019": .atMost(limits("0.05", "0.1", "0.2", "0.5", "1.0")),
        ]
    }()
}
