/// The Unicode property escapes `\p{…}` the pattern engine knows.
///
/// General categories come from the standard library's scalar properties. The standard
/// library has no script property, so `Script=Han` is a table of the Han blocks (Unicode 15),
/// which is what Chinese-name and address patterns need; other scripts are refused.
enum PatternProperties {
    static func item(named rawName: String) -> PatternCharSet.Item? {
        var name = rawName
        var key: String?
        if let equals = rawName.firstIndex(of: "=") {
            key = String(rawName[..<equals])
            name = String(rawName[rawName.index(after: equals)...])
        }
        switch key {
        case "General_Category", "gc":
            return categories[name].map { .category($0) }
        case "Script", "sc", "Script_Extensions", "scx":
            return name == "Han" || name == "Hani" ? .ranges(hanRanges) : nil
        case nil:
            if let set = categories[name] { return .category(set) }
            return binary[name]
        default:
            return nil
        }
    }

    private static let binary: [String: PatternCharSet.Item] = [
        "Alphabetic": .alphabetic, "Alpha": .alphabetic,
        "White_Space": .whitespaceProperty, "space": .whitespaceProperty,
        "Uppercase": .uppercase, "Upper": .uppercase,
        "Lowercase": .lowercase, "Lower": .lowercase,
        "ASCII": .ranges([0...0x7F]), "Any": .any, "Assigned": .assigned,
    ]

    private static let letters: Set<Unicode.GeneralCategory> = [
        .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
    ]
    private static let marks: Set<Unicode.GeneralCategory> = [.nonspacingMark, .spacingMark, .enclosingMark]
    private static let numbers: Set<Unicode.GeneralCategory> = [.decimalNumber, .letterNumber, .otherNumber]
    private static let punctuation: Set<Unicode.GeneralCategory> = [
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
    ]
    private static let symbols: Set<Unicode.GeneralCategory> = [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]
    private static let separators: Set<Unicode.GeneralCategory> = [.spaceSeparator, .lineSeparator, .paragraphSeparator]
    private static let others: Set<Unicode.GeneralCategory> = [.control, .format, .surrogate, .privateUse, .unassigned]

    private static let categories: [String: Set<Unicode.GeneralCategory>] = {
        var table: [String: Set<Unicode.GeneralCategory>] = [:]
        func add(_ names: [String], _ set: Set<Unicode.GeneralCategory>) { for n in names { table[n] = set } }
        add(["L", "Letter"], letters)
        add(["LC", "Cased_Letter"], [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter])
        add(["Lu", "Uppercase_Letter"], [.uppercaseLetter])
        add(["Ll", "Lowercase_Letter"], [.lowercaseLetter])
        add(["Lt", "Titlecase_Letter"], [.titlecaseLetter])
        add(["Lm", "Modifier_Letter"], [.modifierLetter])
        add(["Lo", "Other_Letter"], [.otherLetter])
        add(["M", "Mark", "Combining_Mark"], marks)
        add(["Mn", "Nonspacing_Mark"], [.nonspacingMark])
        add(["Mc", "Spacing_Mark"], [.spacingMark])
        add(["Me", "Enclosing_Mark"], [.enclosingMark])
        add(["N", "Number"], numbers)
        add(["Nd", "Decimal_Number", "digit"], [.decimalNumber])
        add(["Nl", "Letter_Number"], [.letterNumber])
        add(["No", "Other_Number"], [.otherNumber])
        add(["P", "Punctuation", "punct"], punctuation)
        add(["Pc", "Connector_Punctuation"], [.connectorPunctuation])
        add(["Pd", "Dash_Punctuation"], [.dashPunctuation])
        add(["Ps", "Open_Punctuation"], [.openPunctuation])
        add(["Pe", "Close_Punctuation"], [.closePunctuation])
        add(["Pi", "Initial_Punctuation"], [.initialPunctuation])
        add(["Pf", "Final_Punctuation"], [.finalPunctuation])
        add(["Po", "Other_Punctuation"], [.otherPunctuation])
        add(["S", "Symbol"], symbols)
        add(["Sm", "Math_Symbol"], [.mathSymbol])
        add(["Sc", "Currency_Symbol"], [.currencySymbol])
        add(["Sk", "Modifier_Symbol"], [.modifierSymbol])
        add(["So", "Other_Symbol"], [.otherSymbol])
        add(["Z", "Separator"], separators)
        add(["Zs", "Space_Separator"], [.spaceSeparator])
        add(["Zl", "Line_Separator"], [.lineSeparator])
        add(["Zp", "Paragraph_Separator"], [.paragraphSeparator])
        add(["C", "Other"], others)
        add(["Cc", "Control", "cntrl"], [.control])
        add(["Cf", "Format"], [.format])
        add(["Cs", "Surrogate"], [.surrogate])
        add(["Co", "Private_Use"], [.privateUse])
        add(["Cn", "Unassigned"], [.unassigned])
        return table
    }()

    /// Script=Han: CJK radicals, ideographs and their extensions A–H, compatibility ideographs.
    static let hanRanges: [ClosedRange<UInt32>] = [
        0x2E80...0x2E99, 0x2E9B...0x2EF3, 0x2F00...0x2FD5, 0x3005...0x3005, 0x3007...0x3007,
        0x3021...0x3029, 0x3038...0x303B, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFA6D,
        0xFA70...0xFAD9, 0x16FE2...0x16FE3, 0x16FF0...0x16FF1, 0x20000...0x2A6DF, 0x2A700...0x2B739,
        0x2B740...0x2B81D, 0x2B820...0x2CEA1, 0x2CEB0...0x2EBE0, 0x2EBF0...0x2EE5D, 0x2F800...0x2FA1D,
        0x30000...0x3134A, 0x31350...0x323AF,
    ]
}
