import HuiliuCore

/// The mass-concentration units the assessments convert between, whatever their spelling in a
/// station registry or a device's code table: `µg/m³`, `ug/m3`, `μg/m^3` and `UG/M3` are one unit.
enum ConcentrationUnit {
    /// Per cubic metre of air, or per litre of water.
    enum Volume { case cubicMetre, litre }

    /// Powers of ten from `unit` to micrograms, and what it is per; `nil` for anything else.
    static func parse(_ unit: String?) -> (toMicrograms: Int, volume: Volume)? {
        guard let unit else { return nil }
        // Greek mu for the micro sign, `³` or `^3` for 3, any case, no spaces.
        let text = String(unit.lowercased().compactMap { c -> Character? in
            c.isWhitespace || c == "^" ? nil : c == "μ" ? "µ" : c == "³" ? "3" : c
        })
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let mass: Int
        switch parts[0] {
        case "mg": mass = 3
        case "µg", "ug": mass = 0
        case "ng": mass = -3
        default: return nil
        }
        switch parts[1] {
        // Per normal cubic metre, as stacks report: still per cubic metre.
        case "m3", "nm3": return (mass, .cubicMetre)
        case "l": return (mass, .litre)
        default: return nil
        }
    }

    /// Why `unit`, registered for `code`, would leave the code out of an assessment; `nil` when it
    /// does not (the code is not assessed, or the unit converts).
    static func problem(code: String, unit: String) -> String? {
        if AirQualityAssessment.indicator(code: code, interval: .hour) != nil, parse(unit)?.volume != .cubicMetre {
            return "'\(unit)' is not a unit the AQI can use for \(code): µg/m³, mg/m³ or ng/m³"
        }
        if code != "w01001", SurfaceWaterStandard.isEvaluated(code), parse(unit)?.volume != .litre {
            return "'\(unit)' is not a unit the GB 3838 class can use for \(code): mg/L, µg/L or ng/L"
        }
        return nil
    }
}
