/// A GB 3838-2002 surface-water quality class.
public enum WaterClass: Int, Sendable, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    case I = 1, II, III, IV, V
    /// 劣Ⅴ类: at least one item exceeds its Class V limit.
    case worseThanV

    /// The label reports use: `"I"` … `"V"`, or `"劣V"`.
    public var label: String {
        switch self {
        case .I: "I"
        case .II: "II"
        case .III: "III"
        case .IV: "IV"
        case .V: "V"
        case .worseThanV: "劣V"
        }
    }

    /// The qualitative grade (评价办法): I–II 优, III 良好, IV 轻度污染, V 中度污染, 劣V 重度污染.
    public var qualitative: String {
        switch self {
        case .I, .II: "优"
        case .III: "良好"
        case .IV: "轻度污染"
        case .V: "中度污染"
        case .worseThanV: "重度污染"
        }
    }

    /// The class for a label such as `"III"` or `"劣V"`.
    public init?(label: String) {
        guard let match = Self.allCases.first(where: { $0.label == label }) else { return nil }
        self = match
    }

    public var description: String { label }

    public static func < (a: WaterClass, b: WaterClass) -> Bool { a.rawValue < b.rawValue }
}
