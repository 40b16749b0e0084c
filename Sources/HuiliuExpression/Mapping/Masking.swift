/// Masks text down to its ends: personal data kept recognisable, not readable (domain.md §4.2).
public enum Masking {
    /// `text` with every character but the first `keepStart` and the last `keepEnd` replaced
    /// by `with`; text no longer than what would be kept is masked whole.
    public static func mask(_ text: String, keepStart: Int, keepEnd: Int, with: String = "*") -> String {
        let characters = Array(text)
        // Compared without adding: the counts may come from data and be as large as Int allows.
        guard keepStart >= 0, keepEnd >= 0, characters.count > keepStart, characters.count - keepStart > keepEnd else {
            return String(repeating: with, count: characters.count)
        }
        return String(characters[..<keepStart]) + String(repeating: with, count: characters.count - keepStart - keepEnd)
            + String(characters[(characters.count - keepEnd)...])
    }
}
