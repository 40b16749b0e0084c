public import HuiliuCore
import Foundation

/// Expands `${env:NAME}` (or `${env:NAME:-fallback}`), `${file:path}` and `${secret:key}`
/// references in configuration text. `$${` writes a literal `${`.
public struct ReferenceResolver: Sendable {
    /// Environment variables visible to references.
    public var environment: [String: String]
    /// Secrets visible to references.
    public var secrets: SecretStore

    /// A resolver over the given environment (the process environment when `nil`) and secrets.
    public init(environment: [String: String]? = nil, secrets: SecretStore = SecretStore()) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.secrets = secrets
    }

    /// The outcome of expanding one scalar.
    public struct Expansion: Sendable {
        /// The text with every reference replaced.
        public var text: String
        /// The references that were expanded, such as `secret:budget/app_secret`.
        public var references: [String]
        /// Secret values that went into `text`, so callers can scrub or wrap them.
        public var secretValues: [String]
        /// Each value a reference of any kind put into `text`: where the text is a credential
        /// (`Bearer ${env:TOKEN}`, `${env:USER}:${env:PASS}`), each part is one too.
        public var filledValues: [String] = []
        /// True when the text contained at least one reference.
        public var hasReferences: Bool { !references.isEmpty }
        /// True when every character came from a single reference: `${secret:x}` alone.
        public var isSingleReference: Bool
    }

    /// Expands every reference in `text`, reporting each one that cannot be resolved at
    /// its own column (`base` is where the scalar's first character is).
    public func expand(_ text: String, at base: SourceLocation, relativeTo directory: String,
                       problems: inout [ConfigError]) -> Expansion {
        var output = ""
        var references: [String] = []
        var secretValues: [String] = []
        var filledValues: [String] = []
        var single = false
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "$", i + 2 < scalars.count, scalars[i + 1] == "$", scalars[i + 2] == "{" {
                output += "${"
                i += 3
                continue
            }
            guard scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{" else {
                output.unicodeScalars.append(scalars[i])
                i += 1
                continue
            }
            let location = SourceLocation(file: base.file, line: base.line, column: base.column + i)
            guard let close = scalars[(i + 2)...].firstIndex(of: "}") else {
                problems.append(ConfigError(.invalidValue, at: location, "unterminated reference; expected '}' to close '${'"))
                break
            }
            let body = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
            if i == 0 && close == scalars.count - 1 { single = true }
            i = close + 1
            guard let colon = body.firstIndex(of: ":") else {
                problems.append(ConfigError(.invalidValue, at: location,
                                            "reference '${\(body)}' needs a kind: ${env:NAME}, ${file:path} or ${secret:key}"))
                continue
            }
            let kind = String(body[..<colon]), argument = String(body[body.index(after: colon)...])
            references.append(body)
            switch kind {
            case "env":
                // `${env:NAME:-fallback}` uses the fallback when NAME is unset or empty.
                let parts = argument.components(separatedBy: ":-")
                let name = parts[0], fallback = parts.count > 1 ? parts.dropFirst().joined(separator: ":-") : nil
                if name.isEmpty {
                    problems.append(ConfigError(.invalidValue, at: location, "'${\(body)}' names no environment variable: write ${env:NAME}"))
                } else if let value = environment[name], !(value.isEmpty && fallback != nil) {
                    output += value
                    filledValues.append(value)
                    noteIfSecret(value)
                } else if let fallback {
                    output += fallback
                } else {
                    problems.append(ConfigError(.unsetVariable, at: location, "environment variable '\(name)' is not set"))
                }
            case "secret":
                if argument.isEmpty {
                    problems.append(ConfigError(.invalidValue, at: location, "'${\(body)}' names no secret: write ${secret:key}"))
                } else if let secret = secrets.secret(argument) {
                    output += secret.value
                    filledValues.append(secret.value)
                    secretValues.append(secret.value)
                    SecretStore.noteFilledIn(secret.value)
                } else {
                    problems.append(ConfigError(.unresolvedReference, at: location,
                                                "secret '\(argument)' is not in the secrets store",
                                                suggestion: nearestName(to: argument, in: secrets.keys)))
                }
            case "file":
                let path = argument.hasPrefix("/") ? argument : directory + "/" + argument
                if let data = FileManager.default.contents(atPath: path) {
                    let value = String(decoding: data, as: UTF8.self).droppingTrailingLineBreaks
                    output += value
                    filledValues.append(value)
                    noteIfSecret(value)
                } else {
                    problems.append(ConfigError(.unresolvedReference, at: location, "cannot read file '\(argument)' (looked at \(path))"))
                }
            default:
                problems.append(ConfigError(.invalidValue, at: location, "unknown reference kind '\(kind)'; expected env, file or secret",
                                            suggestion: nearestName(to: kind, in: ["env", "file", "secret"])))
            }
        }
        var expansion = Expansion(text: output, references: references, secretValues: secretValues, isSingleReference: single)
        expansion.filledValues = filledValues
        return expansion

        /// A value from the environment or a file that is one of the store's secrets (a secrets
        /// directory referenced as `${file:…}`, as Docker's /run/secrets is) is one too.
        func noteIfSecret(_ value: String) {
            guard secrets.holds(value) else { return }
            secretValues.append(value)
            SecretStore.noteFilledIn(value)
        }
    }
}

extension String {
    /// The text without the line breaks it ends with (`\n`, `\r\n`, `\r`): a file's content as a
    /// value. By scalars: `"\r\n"` is one `Character`, which neither `"\n"` nor `"\r"` is a suffix of,
    /// so a secret file saved on Windows kept its CR LF.
    package var droppingTrailingLineBreaks: String {
        var scalars = unicodeScalars[...]
        while let last = scalars.last, last == "\n" || last == "\r" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
