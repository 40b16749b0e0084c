import Foundation
/// A credential read from the secrets store or the environment.
///
/// It prints as the reference it came from (`<secret:budget/app_secret>`), never as its
/// value: interpolating a `Secret` into a log line or an error is safe by construction.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where it came from, such as `secret:budget/app_secret` or `env:API_TOKEN`.
    public let reference: String
    /// The credential itself. Read it only to use it.
    public let value: String

    /// A secret with its provenance.
    public init(reference: String, value: String) {
        self.reference = reference
        self.value = value
    }

    public var description: String { "<\(reference)>" }
    public var debugDescription: String { "<\(reference)>" }
}

/// Named secrets, loaded from the secrets file or directory that `config/huiliu.yaml`
/// names. Keys are paths such as `budget/app_secret`.
public struct SecretStore: Sendable {
    private var values: [String: String]

    /// A store holding `values`.
    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The secret called `key`, if the store has it.
    public func secret(_ key: String) -> Secret? {
        values[key].map { Secret(reference: "secret:\(key)", value: $0) }
    }

    /// The names of all secrets, for suggestions.
    public var keys: [String] { Array(values.keys) }

    /// Every secret value, longest first, for scrubbing text.
    public var allValues: [String] { values.values.filter { !$0.isEmpty }.sorted { $0.count > $1.count } }

    /// `text` with every secret value of three or more characters replaced by `***`: for error
    /// text that reaches run records, the admin API and logs (a tap's stderr may quote a URL
    /// with its key).
    public func scrub(_ text: String) -> String {
        var text = text
        for value in allValues where value.count >= 3 && text.contains(value) {
            text = text.replacingOccurrences(of: value, with: "***")
        }
        return text
    }
}
