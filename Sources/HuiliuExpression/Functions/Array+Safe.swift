extension Array {
    /// The element at `index`, or `nil` past the end.
    subscript(safe index: Int) -> Element? {
        indices.contains(index) ? self[index] : nil
    }
}
