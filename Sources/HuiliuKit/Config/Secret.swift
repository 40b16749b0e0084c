import Synchronization
import Foundation
/// A credential read from the secrets store or the environment.
///
/// It prints as the reference it came from (`<secret:budget/app_secret>`), never as its
/// value: interpolating a `Secret` into a log line or an error is safe by construction.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
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
    /// What reflection (`dump`, or printing a value that holds a secret) shows: the reference.
    public var customMirror: Mirror { Mirror(self, children: ["reference": reference]) }
}

/// Named secrets, loaded from the secrets file or directory that `config/huiliu.yaml`
/// names. Keys are paths such as `budget/app_secret`.
public struct SecretStore: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private var values: [String: String]

    /// The names of the secrets, never their values: a value printing a gateway's configuration
    /// (a debug log line describing a service) must not print the secrets it holds.
    public var description: String { "SecretStore(\(values.keys.sorted().joined(separator: ", ")))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["names": values.keys.sorted()]) }

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

    /// Whether `value` is one of the store's secrets.
    public func holds(_ value: String) -> Bool {
        !value.isEmpty && values.values.contains(value)
    }

    /// Every secret value, longest first, for scrubbing text.
    public var allValues: [String] { values.values.filter { !$0.isEmpty }.sorted { $0.count > $1.count } }

    /// `text` with every secret value of three or more characters that configuration has used
    /// replaced by `***`: for error text that reaches run records, dead letters, the admin API,
    /// logs and the terminal (a tap's stderr may quote a URL with its key; a rule name may have
    /// come from a secret).
    ///
    /// Only values filled into configuration count: the store also holds short values that are
    /// ordinary text elsewhere (a user name `huiliu`, a device password `123456`), and replacing
    /// those everywhere turned `data/huiliu.db` into `data/***.db` and figures in reasons into
    /// `***`.
    public func scrub(_ text: String) -> String {
        let used = filledIn.withLock { $0 }
        let outside = credentialsFromOutside.withLock { $0 }
        guard !used.isEmpty || !outside.isEmpty else { return text }
        return Self.scrub(text, of: Set(allValues.filter(used.contains)).union(outside).sorted { $0.count > $1.count })
    }

    /// `text` with every secret value of three or more characters any resolver of this process
    /// filled into configuration replaced by `***`: what a command prints, whatever store it came from.
    public static func scrubFilledIn(_ text: String) -> String {
        scrub(text, of: filledIn.withLock { $0 }.sorted { $0.count > $1.count })
    }

    /// `text` with each of `values` (longest first) of three or more characters replaced by `***`,
    /// in each of its ``SecretForms``.
    /// One shorter than eight bytes only where it stands alone, not inside a word or a number: a
    /// token `short` made "is ***er than 16 characters" of a message, and the garble gave the
    /// secret away. A number of six digits or more (a device password) goes wherever it appears:
    /// a signature or a timestamp may run into it (shorter ones would garble every date).
    static func scrub(_ text: String, of values: [String]) -> String {
        var text = text
        for value in values where value.count >= 3 {
            let anywhere = value.utf8.count >= 8 || (value.utf8.count >= 6 && value.utf8.allSatisfy { (48...57).contains($0) })
            // As written, and as JSON, XML or a URL quotes it.
            for form in SecretForms.of(value) where text.contains(form) {
                text = anywhere ? text.replacingOccurrences(of: form, with: "***") : replacingStandalone(form, in: text)
            }
        }
        return text
    }

    /// `text` with `value` replaced by `***` where no ASCII letter or digit is next to it.
    private static func replacingStandalone(_ value: String, in text: String) -> String {
        func isWordByte(_ byte: UInt8) -> Bool {
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
        }
        let bytes = Array(text.utf8), needle = Array(value.utf8)
        guard let first = needle.first, let last = needle.last else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if i + needle.count <= bytes.count, bytes[i] == needle[0], bytes[i..<(i + needle.count)].elementsEqual(needle),
               !(isWordByte(first) && i > 0 && isWordByte(bytes[i - 1])),
               !(isWordByte(last) && i + needle.count < bytes.count && isWordByte(bytes[i + needle.count])) {
                out += Array("***".utf8)
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every secret value any resolver of this process filled into configuration, and every
    /// credential noted from the environment or files, longest first: where a URL's user info
    /// may hold one written in as it is.
    public static var filledInValues: [String] {
        filledIn.withLock { $0 }.sorted { $0.count > $1.count }
    }

    /// Notes that `value` was filled into configuration: ``scrub(_:)`` hides it from then on.
    static func noteFilledIn(_ value: String) {
        filledIn.withLock { _ = $0.insert(value) }
    }

    /// Notes a credential that came from the environment or a file, not from a store: every
    /// store's ``scrub(_:)`` hides it from then on.
    static func noteCredential(_ value: String) {
        noteFilledIn(value)
        credentialsFromOutside.withLock { _ = $0.insert(value) }
    }
}

/// Credentials filled into configuration from the environment or files (credential-named keys).
private let credentialsFromOutside = Mutex<Set<String>>([])

/// Every secret value this process has filled into configuration, by any resolver.
private let filledIn = Mutex<Set<String>>([])
